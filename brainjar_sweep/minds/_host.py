"""The child-process host: a mind that lives in its own process, where it can truly crash.

:class:`ChildHost` runs a supervised child (:class:`brainjar_sweep._supervisor.Conversation`,
start method ``spawn``: no state copied from the jar, no forked threads) that builds an
*engine* (e.g. a llama.cpp model) and then answers requests sent over a two-way pipe. While
the child loads or works, the parent samples its resident memory every ``rss_poll_s``
seconds (:meth:`~brainjar_sweep._supervisor.Supervised.memory_mb`: psutil's RSS and, on
Linux, the kernel's high-water mark, so a peak between two samples is not missed). When the memory passes the jar's limit the parent
kills the child: a real out-of-memory crash, reported as :class:`MindCrashed` with the
measured peak. A child that crashes on its own (a segfault, the kernel's OOM killer, an
allocation refused under ``RLIMIT_AS``) is a crash too.

On x86-64 the child also gets ``RLIMIT_AS`` = limit + headroom, so a runaway allocation
fails inside the child instead of taking the machine down; on aarch64 (Jetson) it never
does: address-space limits break CUDA and threaded code there.

An engine is any object with ``handle(request: dict) -> dict``, built in the child by a
factory named ``"module:function"`` (the child imports it with :func:`pkgutil.resolve_name`;
nothing is pickled but the factory's keyword arguments).
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import pkgutil
import platform
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from brainjar_sweep._supervisor import MB, Conversation, die_with_parent, exit_reason
from brainjar_sweep.minds.base import ChatMessage, MindCrashed, Prompt

log = logging.getLogger("brainjar_sweep.minds")


__all__ = [
    "ChildHost",
    "EngineError",
    "Reply",
    "call_seed",
    "chat_messages",
    "rlimit_as_allowed",
]


class EngineError(RuntimeError):
    """The engine failed for a reason that is not a crash (a bad model file, a bug).

    It ends the experiment as failed, with this message.
    """


# ---------------------------------------------------------------------- prompts


_ROLES = ("system", "user", "assistant")


def chat_messages(prompt: Prompt, cue: str | None = None) -> list[dict[str, str]]:
    """A prompt as OpenAI-style chat messages: system prompt, memory, then the cue as the user.

    Roles other than user/assistant in the memory (e.g. after a role confusion) become
    ``user``; consecutive messages of one role are joined, because many chat templates
    require the roles to alternate.

    >>> p = Prompt("You are in a jar.", [ChatMessage("assistant", "I wake.", 3),
    ...     ChatMessage("assistant", "Dark.", 2)], "Reflect.", 32, cycle=2)
    >>> [(m["role"], m["content"]) for m in chat_messages(p)]
    [('system', 'You are in a jar.'), ('assistant', 'I wake.\\n\\nDark.'), ('user', 'Reflect.')]
    """
    out: list[dict[str, str]] = [{"role": "system", "content": prompt.system}]
    turns = [*prompt.context, ChatMessage("user", cue if cue is not None else prompt.cue, 0)]
    for m in turns:
        role = m.role if m.role in ("user", "assistant") else "user"
        text = m.content or ""
        if len(out) > 1 and out[-1]["role"] == role:
            out[-1]["content"] = f"{out[-1]['content']}\n\n{text}" if text else out[-1]["content"]
        else:
            out.append({"role": role, "content": text})
    return out


def call_seed(*parts: Any) -> int:
    """A 31-bit sampling seed from any parts (stable across runs and machines).

    >>> call_seed(1, "mind", 3) == call_seed(1, "mind", 3) != call_seed(1, "mind", 4)
    True
    """
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


# ---------------------------------------------------------------------- limits


def rlimit_as_allowed(machine: str | None = None) -> bool:
    """Whether the child may get an address-space limit (x86-64 only, never aarch64).

    >>> rlimit_as_allowed("x86_64"), rlimit_as_allowed("aarch64"), rlimit_as_allowed("AMD64")
    (True, False, True)
    """
    m = (machine if machine is not None else platform.machine()).lower()
    return m in ("x86_64", "amd64") and (machine is not None or sys.platform.startswith("linux"))


def _rlimit_bytes(limit_mb: float | None, headroom_gb: float | None) -> int | None:
    if limit_mb is None or headroom_gb is None or not rlimit_as_allowed():
        return None
    return int((limit_mb + headroom_gb * 1024.0) * MB)


# ---------------------------------------------------------------------- the child


def _serve(factory: str, kwargs: dict[str, Any], rlimit_as: int | None, conn: Connection) -> None:
    """The child's main loop: build the engine, then answer requests until told to stop."""
    # Linux kills the child when the thread that started it ends: the jar starts its minds
    # from the thread that runs the experiment, which outlives them
    die_with_parent()
    # the jar handles Ctrl-C and SIGTERM; the child is stopped by its parent
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if rlimit_as is not None:
        import resource

        # the soft limit only: the parent may raise it again when the jar's limit grows
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            rlimit_as = min(rlimit_as, hard)
        resource.setrlimit(resource.RLIMIT_AS, (rlimit_as, hard))
    tic = time.perf_counter()
    try:
        # the standard library's loader of "module:name": Hydra is not imported in the child
        engine = pkgutil.resolve_name(factory)(**kwargs)
    except MemoryError as e:
        conn.send({"ok": False, "oom": True, "error": f"MemoryError: {e}"})
        return
    except BaseException as e:
        conn.send({"ok": False, "error": f"{type(e).__name__}: {e}", "tb": traceback.format_exc()})
        return
    conn.send({"ok": True, "load_seconds": time.perf_counter() - tic})
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            reply = engine.handle(request)
            conn.send({"ok": True, **reply})
        except MemoryError as e:
            conn.send({"ok": False, "oom": True, "error": f"MemoryError: {e}"})
        except Exception as e:
            conn.send(
                {"ok": False, "error": f"{type(e).__name__}: {e}", "tb": traceback.format_exc()}
            )


# ---------------------------------------------------------------------- the parent


@dataclass
class Reply:
    """A request's answer and the child's memory while it worked."""

    data: dict[str, Any]
    peak_mb: float
    seconds: float


def _over_limit(doing: str, peak: float, limit_mb: float) -> MindCrashed:
    return MindCrashed(
        f"out of memory while {doing}: the mind's process reached "
        f"{peak:.1f} MB RSS > limit {limit_mb:.1f} MB and was killed",
        peak,
        limit_mb,
    )


class ChildHost:
    """One engine in one child process, watched by the parent.

    ``start`` and ``request`` raise :class:`MindCrashed` when the child's memory passes the
    limit (the parent kills it) or the child crashes on its own; :class:`EngineError` when the
    engine fails without crashing. After a crash, ``start`` spawns a new child.
    """

    def __init__(
        self,
        factory: str,
        kwargs: dict[str, Any],
        *,
        label: str = "mind",
        rss_poll_s: float = 0.05,
        headroom_gb: float | None = 4.0,
        load_timeout_s: float | None = 300.0,
        request_timeout_s: float | None = None,
    ) -> None:
        self.factory = factory
        self.kwargs = kwargs
        self.label = label
        self.rss_poll_s = rss_poll_s
        self.headroom_gb = headroom_gb
        self.load_timeout_s = load_timeout_s
        self.request_timeout_s = request_timeout_s
        self._ctx = mp.get_context("spawn")
        self._child: Conversation | None = None
        self._rlimit: int | None = None
        self.rss_mb = 0.0
        """The child's RSS when it last finished loading or a request, MB."""
        self.loaded_rss_mb = 0.0
        """The child's RSS right after the engine was built, MB."""
        self.load_seconds = 0.0
        """Spawn to ready, seconds (the last start)."""
        self.engine_load_seconds = 0.0
        """Building the engine inside the child, seconds (the last start)."""
        self.starts = 0

    # -- state -------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def alive(self) -> bool:
        return self._child is not None and self._child.alive()

    def reap(self) -> MindCrashed | None:
        """If the child crashed while idle (killed, or on its own), forget it and return that crash."""
        child = self._child
        if child is None or child.alive():
            return None
        child.reap(grace_s=1.0)
        self._child = None
        return MindCrashed(
            f"the mind's process died on its own while idle: {exit_reason(child.exitcode)}; "
            f"last RSS {self.rss_mb:.1f} MB",
            self.rss_mb,
            None,
        )

    # -- memory ------------------------------------------------------------------

    def _set_rlimit(self, limit_mb: float | None) -> None:
        """Follow a changed RAM limit with the child's address-space limit (x86-64 only)."""
        want = _rlimit_bytes(limit_mb, self.headroom_gb)
        if want == self._rlimit or self._child is None or not self._child.alive():
            return
        import resource

        try:
            ps = self._child.process()
            hard = ps.rlimit(resource.RLIMIT_AS)[1]
            value = hard if want is None else want
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            ps.rlimit(resource.RLIMIT_AS, (value, hard))
            self._rlimit = want
        except (OSError, ValueError, AttributeError) as e:  # raising a hard limit needs privileges
            log.debug("%s: could not change RLIMIT_AS of the child: %s", self.label, e)

    def _wait(
        self, limit_mb: float | None, timeout_s: float | None, doing: str
    ) -> tuple[dict[str, Any], float]:
        """Wait for the child's next message while watching its memory; return it and the peak."""
        child = self._child
        assert child is not None
        peak = child.memory_mb()

        def watch() -> None:
            nonlocal peak
            peak = max(peak, child.memory_mb())
            if limit_mb is not None and peak > limit_mb:
                self.kill()
                raise _over_limit(doing, peak, limit_mb)

        try:
            return child.receive(timeout_s, tick=watch, every=self.rss_poll_s), peak
        except EOFError:  # reaped by the supervisor
            self._child = None
            raise MindCrashed(
                f"the mind's process died on its own while {doing}: "
                f"{exit_reason(child.exitcode)}; peak {peak:.1f} MB RSS",
                peak,
                limit_mb,
            ) from None
        except TimeoutError:
            self.kill()
            raise MindCrashed(
                f"the mind's process hung while {doing} (no answer in {timeout_s:g} s) "
                "and was killed",
                peak,
                limit_mb,
            ) from None

    # -- lifecycle ---------------------------------------------------------------

    def start(self, limit_mb: float | None) -> float:
        """Spawn the child and build the engine; return the seconds from spawn to ready."""
        self.kill()
        tic = time.perf_counter()
        self._rlimit = _rlimit_bytes(limit_mb, self.headroom_gb)
        child = Conversation(
            self._ctx,
            _serve,
            (self.factory, self.kwargs, self._rlimit),
            name=f"brainjar-mind-{self.label}",
        ).start()
        self._child = child
        child.process()  # opened now, while the child surely exists
        self.starts += 1
        msg, peak = self._wait(limit_mb, self.load_timeout_s, "loading the model")
        if not msg.get("ok"):
            self.kill()
            if msg.get("oom"):
                raise MindCrashed(
                    f"out of memory while loading the model ({msg['error']}); "
                    f"peak {peak:.1f} MB RSS",
                    peak,
                    limit_mb,
                )
            hint = ""
            if self._rlimit is not None:
                hint = (
                    f" (the child's address space was limited to {self._rlimit / MB / 1024:.1f} GB:"
                    " raise mind.headroom_gb, or set it to null)"
                )
            raise EngineError(f"the mind could not load: {msg.get('error')}{hint}")
        self.load_seconds = time.perf_counter() - tic
        self.engine_load_seconds = float(msg.get("load_seconds", 0.0))
        self.loaded_rss_mb = self.rss_mb = child.rss_mb()
        log.info(
            "%s: model loaded in %.2f s (%.2f s in the engine), child pid %d, RSS %.1f MB",
            self.label,
            self.load_seconds,
            self.engine_load_seconds,
            child.pid,
            self.loaded_rss_mb,
        )
        return self.load_seconds

    def request(self, data: dict[str, Any], limit_mb: float | None, doing: str) -> Reply:
        """Send one request to the live child and wait for its reply, watching its memory."""
        child = self._child
        if child is None or not child.alive():
            raise RuntimeError("the mind's process is not running; call start() first")
        if limit_mb is not None:
            self._set_rlimit(limit_mb)
        child.reset_peak()
        tic = time.perf_counter()
        child.send(data)  # a child that died meanwhile: _wait reports how
        msg, peak = self._wait(limit_mb, self.request_timeout_s, doing)
        seconds = time.perf_counter() - tic
        # the memory at the end counts too (a short request may fall between two samples)
        self.rss_mb = child.memory_mb()
        peak = max(peak, self.rss_mb)
        if limit_mb is not None and peak > limit_mb:
            self.kill()
            raise _over_limit(doing, peak, limit_mb)
        if not msg.get("ok"):
            if msg.get("oom"):
                self.kill()
                raise MindCrashed(
                    f"out of memory while {doing} ({msg['error']}); peak {peak:.1f} MB RSS",
                    peak,
                    limit_mb,
                )
            raise EngineError(f"the mind failed while {doing}: {msg.get('error')}")
        return Reply(msg, peak, seconds)

    def kill(self) -> None:
        """Kill the child at once (SIGKILL), as the out-of-memory killer would."""
        child, self._child = self._child, None
        if child is not None:
            child.kill()

    def stop(self, grace_s: float = 2.0) -> None:
        """Ask the child to finish, then kill it if it does not."""
        child, self._child = self._child, None
        if child is not None:
            child.stop(grace_s, ask=lambda: child.send(None))
