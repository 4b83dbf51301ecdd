"""The watch server: one page, its script and style, JSON and server-sent events, all GET.

Built on Starlette (routing, streaming responses) served by uvicorn, with the page a Jinja2
template (extra ``[web]``). Nothing here writes: every route reads a :class:`SweepView`.

Safe by default:

- it binds 127.0.0.1 unless told otherwise, and on a loopback address answers only requests
  whose ``Host`` is a loopback name (a web page elsewhere cannot reach it through DNS);
- on any other address every request must carry the token (``?token=`` or
  ``Authorization: Bearer``), compared in constant time;
- only the routes below exist: an unknown job, a path that tries to leave the sweep, a method
  other than GET or a wrong token is refused with a status and a log line, and the server
  goes on.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from brainjar_sweep._imports import try_import
from brainjar_sweep.watch.state import SweepView

with try_import("web") as _web:
    import jinja2
    import uvicorn
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

__all__ = ["POLL_SECONDS", "is_loopback", "make_app", "new_token", "serve"]

log = logging.getLogger("brainjar_sweep.watch")

POLL_SECONDS = 0.5
"""How often an open page's streams look for changes (files are re-read only when they change)."""

_KEEPALIVE_SECONDS = 15.0
_STATIC = {"watch.js": "text/javascript", "watch.css": "text/css"}
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1 or ``localhost``).

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def new_token() -> str:
    """A fresh random token for a server that others can reach.

    >>> len(new_token()) >= 32
    True
    """
    return secrets.token_urlsafe(24)


def _request_host(scope: dict[str, Any]) -> str:
    for k, v in scope.get("headers", []):
        if k == b"host":
            host = v.decode("latin-1").strip().lower()
            if host.startswith("["):
                return host.split("]", 1)[0] + "]"
            return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return ""


class _Guard:
    """The ASGI layer that refuses what no route may see: a wrong host, token or method."""

    def __init__(self, app: Any, token: str | None, loopback: bool) -> None:
        self.app = app
        self.token = token
        self.loopback = loopback

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        why = self._refusal(scope)
        if why is not None:
            status, reason = why
            _refused(scope, status, reason)
            resp = JSONResponse({"error": reason}, status_code=status)
            await resp(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _refusal(self, scope: dict[str, Any]) -> tuple[int, str] | None:
        if scope.get("method") not in ("GET", "HEAD"):
            return 405, "only GET: this server never changes anything"
        if self.loopback and _request_host(scope) not in _LOOPBACK_NAMES:
            return 403, "a local server answers requests for 127.0.0.1 or localhost only"
        if self.token is None:
            return None
        given = None
        from urllib.parse import parse_qs

        qs = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if qs.get("token"):
            given = qs["token"][-1]
        for k, v in scope.get("headers", []):
            if k == b"authorization" and v[:7].lower() == b"bearer ":
                given = v[7:].decode("latin-1").strip()
        if given is None:
            return 401, "a token is needed: open the URL the watch command printed"
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return 403, "wrong token"
        return None


def _client(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return f"{client[0]}" if client else "?"


def _refused(scope: dict[str, Any], status: int, reason: str) -> None:
    # a path is the client's text: control characters escaped, so a log line stays one line
    path = str(scope.get("path", "")).encode("unicode_escape").decode("ascii")
    log.warning(
        "refused %s %s from %s: %d %s",
        scope.get("method"),
        path[:200],
        _client(scope),
        status,
        reason,
    )


class _Shared:
    """One :class:`SweepView` for every open page, its answers kept for a poll's time."""

    def __init__(self, view: SweepView) -> None:
        self.view = view
        self.lock = threading.Lock()
        self._memo: dict[Any, tuple[float, str]] = {}

    def get(self, key: Any, build: Callable[[], Any]) -> str:
        with self.lock:
            hit = self._memo.get(key)
            now = time.monotonic()
            if hit is not None and now - hit[0] < POLL_SECONDS * 0.8:
                return hit[1]
            try:
                body = json.dumps(build(), default=str)
            except Exception as e:  # noqa: BLE001  never let one bad read end the server
                log.exception("could not read the sweep")
                body = json.dumps({"error": f"could not read the sweep: {type(e).__name__}"})
            self._memo[key] = (now, body)
            return body


def make_app(
    sweep_dir: str | os.PathLike[str], *, token: str | None = None, loopback: bool = True
) -> Any:
    """The ASGI app that shows ``sweep_dir`` (``token``: required on every request if set).

    >>> import tempfile
    >>> app = make_app(tempfile.mkdtemp(), token="t0k3n-for-the-example")
    >>> type(app).__name__
    '_Guard'
    """
    _web.check()
    view = SweepView(sweep_dir)
    shared = _Shared(view)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("brainjar_sweep.watch", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    page = env.get_template("page.html")
    static_dir = resources.files("brainjar_sweep.watch") / "static"

    async def index(request: Request) -> Response:
        snap = await run_in_threadpool(shared.get, "overview", view.overview)
        sweep_id = json.loads(snap).get("sweep", {}).get("id", view.sweep_dir.name)
        html = page.render(sweep_id=sweep_id, query=_query(request))
        return HTMLResponse(html, headers=_NO_STORE)

    async def static(request: Request) -> Response:
        name = request.path_params.get("name", "")
        if name not in _STATIC:
            return _not_found(request, "no such file")
        body = (static_dir / name).read_bytes()
        return Response(body, media_type=_STATIC[name], headers=_NO_STORE)

    async def api_sweep(request: Request) -> Response:
        body = await run_in_threadpool(shared.get, "overview", view.overview)
        return Response(body, media_type="application/json", headers=_NO_STORE)

    def job_builder(num: int) -> Callable[[], Any]:
        return lambda: view.job(num) or {"error": f"no job {num} in this sweep"}

    async def api_job(request: Request) -> Response:
        num = _job_num(request)
        if num is None:
            return _not_found(request, "a job is named by its number")
        body = await run_in_threadpool(shared.get, ("job", num), job_builder(num))
        if body.startswith('{"error"'):
            return _not_found(request, f"no job {num} in this sweep")
        return Response(body, media_type="application/json", headers=_NO_STORE)

    async def events(request: Request) -> Response:
        return _sse(_stream(shared, "overview", view.overview))

    async def job_events(request: Request) -> Response:
        num = _job_num(request)
        if num is None:
            return _not_found(request, "a job is named by its number")
        body = await run_in_threadpool(shared.get, ("job", num), job_builder(num))
        if body.startswith('{"error"'):
            return _not_found(request, f"no job {num} in this sweep")
        return _sse(_stream(shared, ("job", num), job_builder(num)))

    async def unknown(request: Request) -> Response:
        return _not_found(request, "no such page")

    routes = [
        Route("/", index),
        Route("/static/{name}", static),
        Route("/api/sweep", api_sweep),
        Route("/api/job/{num}", api_job),
        Route("/events", events),
        Route("/events/job/{num}", job_events),
        Route("/{rest:path}", unknown),
    ]
    app = Starlette(routes=routes)
    app.state.view = view
    return _Guard(app, token, loopback)


def _query(request: Request) -> str:
    t = request.query_params.get("token")
    from urllib.parse import quote

    return f"?token={quote(t)}" if t else ""


def _job_num(request: Request) -> int | None:
    text = request.path_params.get("num", "")
    if not (text.isdigit() and len(text) < 9):
        return None
    return int(text)


def _not_found(request: Request, what: str) -> Response:
    _refused(request.scope, 404, what)
    return JSONResponse({"error": what}, status_code=404)


async def _stream(shared: _Shared, key: Any, build: Callable[[], Any]) -> AsyncIterator[str]:
    """Send what changed: the whole sweep, or a job's head and only its events not yet sent
    on this connection (the page keeps the ones it has)."""
    last = None
    shown: set[str] = set()
    sent = time.monotonic()
    while True:
        body = await run_in_threadpool(shared.get, key, build)
        now = time.monotonic()
        if body != last:
            last = body
            if isinstance(key, tuple):  # a job: its events go once per connection
                doc = json.loads(body)
                events = doc.get("events") or []
                doc["events"] = [e for e in events if e.get("id") not in shown]
                shown.update(e.get("id") for e in events)
                body = json.dumps(doc)
            sent = now
            yield f"data: {body}\n\n"
        elif now - sent > _KEEPALIVE_SECONDS:
            sent = now
            yield ": still here\n\n"
        await asyncio.sleep(POLL_SECONDS)


def _sse(gen: AsyncIterator[str]) -> Response:
    headers = {**_NO_STORE, "X-Accel-Buffering": "no"}
    return StreamingResponse(gen, media_type="text/event-stream", headers=headers)


_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int, token: str | None) -> str:
    """The URL a browser opens.

    >>> url_for("127.0.0.1", 8765, None)
    'http://127.0.0.1:8765/'
    >>> url_for("0.0.0.0", 8765, "abc")
    'http://0.0.0.0:8765/?token=abc'
    """
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def serve(
    sweep_dir: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve the watch page of ``sweep_dir`` until interrupted; ``announce`` gets its URL."""
    _web.check()
    loopback = is_loopback(host)
    if not loopback and token is None:
        token = new_token()
    app = make_app(Path(sweep_dir), token=token, loopback=loopback)
    sock = _bind(host, port)
    real_port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    announce(url_for(host, real_port, token))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
