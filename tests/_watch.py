"""Real watch servers and real sweeps for the watch page's tests (tests/watch/test_watch.py).

``watching(sweep_dir, ...)`` starts ``brainjar-sweep watch`` in a subprocess and yields its
URL; ``gated_mind(tmp)`` starts the OpenAI-compatible server of ``tests/apps/`` whose answers
wait at a gate, so a sweep's jobs stay running until the test opens it. Waits are for
conditions, with long timeouts as a safety only.
"""

from __future__ import annotations

import http.client
import json
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

APPS = Path(__file__).parent / "apps"
SAFETY_S = 300.0  # a condition that takes longer than this is a failure, not slowness


def wait_for(what: str, check: Callable[[], Any], timeout: float = SAFETY_S) -> Any:
    """Poll ``check`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _lines(stream: Any, out: queue.Queue[str]) -> None:
    for line in stream:
        out.put(line)


class Watch:
    """A running ``brainjar-sweep watch`` and what it printed."""

    def __init__(self, proc: subprocess.Popen[str], url: str, stderr: list[str]) -> None:
        self.proc = proc
        self.url = url
        self.stderr = stderr
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.token = (re.search(r"token=([^&]+)", parts.query) or [None, None])[1]

    def request(
        self,
        path: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        host: str = "127.0.0.1",
    ) -> tuple[int, bytes]:
        """One raw request (the path is sent as given, ``../`` and all)."""
        conn = http.client.HTTPConnection(host, self.port, timeout=120)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            hdrs = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.endheaders()
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def json(self, path: str, **kw: Any) -> Any:
        status, body = self.request(path, **kw)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)

    def first_event(self, path: str) -> dict[str, Any]:
        """The first server-sent event of ``path``, parsed."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            assert resp.status == 200, resp.status
            assert resp.getheader("Content-Type", "").startswith("text/event-stream")
            while True:
                line = resp.readline().decode()
                if line.startswith("data: "):
                    return json.loads(line[6:])
        finally:
            conn.close()


@contextmanager
def watching(sweep_dir: Path, *args: str, cwd: Path | None = None) -> Iterator[Watch]:
    """``brainjar-sweep watch sweep_dir args`` in a subprocess, until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "brainjar_sweep.cli", "watch", str(sweep_dir), *args],
        cwd=cwd or sweep_dir.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: queue.Queue[str] = queue.Queue()
    err: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, out), daemon=True).start()
    threading.Thread(target=_lines, args=(proc.stderr, err), daemon=True).start()
    stderr: list[str] = []
    try:
        try:
            first = out.get(timeout=SAFETY_S)
        except queue.Empty:
            raise AssertionError("the watch command printed no URL") from None
        match = re.search(r"(http://\S+)", first)
        assert match, f"no URL in {first!r}; stderr: {list(err.queue)}"
        watch = Watch(proc, match.group(1), stderr)
        yield watch
        assert proc.poll() is None, "the watch server ended on its own"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        while not err.empty():
            stderr.append(err.get())


@contextmanager
def gated_mind(where: Path) -> Iterator[tuple[str, Path]]:
    """The gated OpenAI-compatible server: (its base URL, the gate file; closed at first)."""
    gate_dir = where / "gate"
    gate_dir.mkdir(parents=True, exist_ok=True)
    gate = gate_dir / "closed"
    gate.touch()
    proc = subprocess.Popen(
        [sys.executable, str(APPS / "gated_chat_server.py"), str(gate_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"http://127.0.0.1:{port}/v1", gate
    finally:
        gate.unlink(missing_ok=True)
        proc.terminate()
        proc.wait(timeout=60)


# a sweep of real jars whose mind answers through the gate: with 1.7 GB and 512-token replies
# the mind dies at most cycles, and every event is written to the database as its cycle ends
GATED_SWEEP = (
    "sweep_id=gated_minds",
    "mind=openai",
    "mind.timeout_s=1800",
    "resources.ram_limit_gb=1.7",
    "resources.max_tokens_per_response=512",
    "db.flush_every_cycles=1",
    "max_cycles=8",
)
