"""One supervised child process: start, wait with a tick, stop with a grace, say how it ended.

The launcher's local backend, the Ray backend's node task and a mind's child host
(``minds/_host.py``) all run work in a child process they must be able to watch, stop and
explain. What they share lives here:

- :class:`Supervised`: a ``multiprocessing`` process with a one-way pipe for its single
  result, started from any context (forkserver, spawn); :meth:`Supervised.wait` blocks
  until it ends or a deadline passes, calling a tick callback in between;
  :meth:`Supervised.stop` asks with SIGTERM and kills after a grace;
- :func:`exit_reason`: how a process ended, with the signal's name and an out-of-memory hint;
- :func:`die_with_parent` / :func:`pdeathsig`: a child that Linux kills when its parent dies;
- :func:`interrupt_on_sigterm`: SIGTERM raised as ``KeyboardInterrupt`` (as Ctrl-C).

``multiprocessing`` does the process work; this module only adds what it lacks (a death
signal tied to the parent, a result pipe that is read while the child runs, so that a large
result never blocks it, and the words for an exit).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import wait as wait_any
from typing import Any

OOM_HINT = " (out-of-memory killer or an external kill)"


def signal_name(code: int) -> str:
    """The name of the signal that ended a process, from its negative exit code.

    >>> signal_name(-11), signal_name(-99)
    ('SIGSEGV', 'signal 99')
    """
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def exit_reason(code: int | None) -> str:
    """How a process ended, from its exit code (a SIGKILL may be the out-of-memory killer).

    >>> exit_reason(-9)
    'killed by SIGKILL (out-of-memory killer or an external kill)'
    >>> exit_reason(-11), exit_reason(1)
    ('killed by SIGSEGV', 'exited with code 1')
    """
    if code is not None and code < 0:
        how = f"killed by {signal_name(code)}"
        return how + OOM_HINT if code == -signal.SIGKILL else how
    return f"exited with code {code}"


def _libc() -> Any:
    """The C library (Linux), loaded once here so that forked children inherit it."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def pdeathsig(sig: int, parent: int | None = None) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies.

    Returns False if ``parent`` (the expected parent's pid) is gone already; elsewhere than
    Linux the request is a no-op.

    >>> pdeathsig(0, os.getppid())
    True
    """
    if _LIBC is not None:
        try:
            _LIBC.prctl(1, int(sig))  # PR_SET_PDEATHSIG
        except AttributeError:
            pass
    return parent is None or os.getppid() == parent


def die_with_parent(parent: int | None = None) -> None:
    """SIGKILL this process when its parent dies; exit at once if it has died already.

    Linux sends the signal when the *thread* that started the child ends: start children
    from a thread that outlives them.
    """
    if not pdeathsig(signal.SIGKILL, parent):
        os._exit(1)  # the parent died before the request took effect


@contextmanager
def interrupt_on_sigterm(*extra: int) -> Iterator[None]:
    """Within the block, SIGTERM (and the ``extra`` signals) raise ``KeyboardInterrupt``.

    A service manager's or a batch system's stop then ends the work as Ctrl-C does. Outside
    the main thread, signals cannot be handled, and nothing changes.

    >>> with interrupt_on_sigterm():
    ...     signal.getsignal(signal.SIGTERM) is signal.default_int_handler
    True
    """
    import threading

    old: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, *extra):
            old[sig] = signal.signal(sig, signal.default_int_handler)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


class Supervised:
    """A child process that sends one result (bytes) back through a pipe.

    ``target(*args, conn)`` runs in the child; it sends its result with
    ``conn.send_bytes``. The parent reads it as soon as it comes (:meth:`collect`), so the
    child never blocks on a full pipe.

    >>> import multiprocessing as mp
    >>> p = Supervised(mp.get_context("fork"), lambda conn: os._exit(3), (), name="demo").start()
    >>> p.wait(timeout=30), p.result, exit_reason(p.exitcode)
    (True, None, 'exited with code 3')
    """

    def __init__(self, ctx: Any, target: Callable[..., Any], args: tuple[Any, ...], name: str):
        self.recv, send = ctx.Pipe(duplex=False)
        self._send = send
        self.proc = ctx.Process(target=_run, args=(target, args, send), name=name)
        self.result: bytes | None = None
        self.started_at = 0.0

    def start(self) -> Supervised:
        """Start the child (and close the parent's end of the result pipe)."""
        self.proc.start()
        self._send.close()
        self.started_at = time.monotonic()
        return self

    @property
    def pid(self) -> int | None:
        return self.proc.pid

    @property
    def exitcode(self) -> int | None:
        return self.proc.exitcode

    def alive(self) -> bool:
        return self.proc.is_alive()

    def handles(self) -> list[Any]:
        """What :func:`multiprocessing.connection.wait` can wait on for this child."""
        return [self.recv, self.proc.sentinel]

    def collect(self, wait_s: float = 0.0) -> None:
        """Read the child's result if it has sent it (waiting up to ``wait_s`` for it)."""
        if self.result is None and not self.recv.closed and self.recv.poll(wait_s):
            try:
                self.result = self.recv.recv_bytes()
            except (EOFError, OSError):
                pass

    def reap(self) -> None:
        """After the child ended: join it, take its result, close the pipe."""
        self.proc.join()
        self.collect()
        self.recv.close()

    def wait(self, timeout: float | None = None, tick: Callable[[], None] | None = None) -> bool:
        """Wait until the child ends (True) or ``timeout`` seconds pass (False), calling
        ``tick`` about every 0.2 s; the result is collected as it comes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait_any(self.handles(), timeout=0.2)
            self.collect()
            if not self.alive():
                self.reap()
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            if tick is not None:
                tick()

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM: an interrupt, for a child that handles it so)."""
        if self.alive():
            self.proc.terminate()

    def kill(self) -> None:
        """Kill the child at once (SIGKILL) and reap it."""
        if self.alive():
            self.proc.kill()
        self.reap()

    def stop(self, grace_s: float) -> bool:
        """SIGTERM, then SIGKILL after ``grace_s`` seconds; True if it stopped by itself."""
        self.terminate()
        if self.wait(timeout=grace_s):
            return True
        self.kill()
        return False


def _run(target: Callable[..., Any], args: tuple[Any, ...], conn: Any) -> None:
    target(*args, conn)


def wait_many(children: list[Supervised], timeout: float) -> None:
    """Block until one of ``children`` sends its result or ends, or ``timeout`` passes."""
    handles = [h for c in children for h in c.handles() if not getattr(h, "closed", False)]
    if handles:
        wait_any(handles, timeout=timeout)
    else:
        time.sleep(timeout)
