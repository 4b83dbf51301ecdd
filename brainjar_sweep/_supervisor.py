"""One supervised child process: start, wait with a tick, stop with a grace, say how it ended.

The launcher's local backend, the Ray backend's node task and a mind's child host
(``minds/_host.py``) all run work in a child process they must be able to watch, stop and
explain. What they share lives here:

- :class:`Supervised`: a ``multiprocessing`` process with a one-way pipe for its single
  result, started from any context (forkserver, spawn); :meth:`Supervised.wait` blocks
  until it ends or a deadline passes, calling a tick callback in between;
  :meth:`Supervised.stop` asks with SIGTERM (or a caller's own request) and kills after a
  grace; :meth:`Supervised.memory_mb` samples its memory (psutil, and the kernel's peak);
- :class:`Conversation`: a supervised child that answers messages over a two-way pipe
  (:meth:`Conversation.receive` waits for the next one with a deadline and a tick);
- :func:`exit_reason`: how a process ended, with the signal's name and an out-of-memory hint;
- :func:`die_with_parent` / :func:`pdeathsig`: a child that Linux kills when its parent dies;
- :func:`signals_handled`: signals sent to a handler within a block, then put back;
- :func:`interrupt_on` / :func:`interrupt_on_sigterm`: signals (SIGTERM) raised as
  ``KeyboardInterrupt`` (as Ctrl-C), even where the process inherited them ignored;
- :func:`interrupts_deferred`: a stop that arrives while a child is being started waits
  until the start has finished, so that no child is left running unknown to its owner.

``multiprocessing`` does the process work; this module only adds what it lacks (a death
signal tied to the parent, a result pipe that is read while the child runs, so that a large
result never blocks it, the kernel's memory peak, and the words for an exit).
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
MB = 1024.0 * 1024.0


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
def signals_handled(handler: Any, *signals: int) -> Iterator[dict[int, Any]]:
    """Within the block, ``signals`` go to ``handler`` (a function, or ``signal.SIG_IGN``);
    the block is given the handlers they had, which come back at its end. Outside the main
    thread, where signals cannot be handled, nothing changes (and the block is given ``{}``).

    >>> with signals_handled(signal.SIG_IGN, signal.SIGTERM) as old:
    ...     signal.getsignal(signal.SIGTERM) is signal.SIG_IGN, signal.SIGTERM in old
    (True, True)
    """
    import threading

    old: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in signals:
            old[sig] = signal.signal(sig, handler)
    try:
        yield old
    finally:
        _restore(old)


@contextmanager
def interrupt_on(*signals: int) -> Iterator[None]:
    """Within the block, ``signals`` raise ``KeyboardInterrupt`` (as Ctrl-C), whatever their
    handling was, ignored included; outside the main thread, nothing changes.

    A process started in the background of a script (``cmd &``, nohup) inherits SIGINT
    ignored, and then neither a Ctrl-C nor ``_thread.interrupt_main`` (how Ray's
    ``ray.cancel`` stops a running task) reaches it: work that must stop when asked says so.

    >>> import _thread
    >>> old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a background process starts
    >>> try:
    ...     with interrupt_on(signal.SIGINT):
    ...         _thread.interrupt_main()
    ...         time.sleep(0.01)  # the interrupt is raised here
    ... except KeyboardInterrupt:
    ...     print("interrupted")
    ... finally:
    ...     _ = signal.signal(signal.SIGINT, old)
    interrupted
    """
    with signals_handled(signal.default_int_handler, *signals):
        yield


@contextmanager
def interrupt_on_sigterm(*extra: int) -> Iterator[None]:
    """Within the block, SIGTERM (and the ``extra`` signals) raise ``KeyboardInterrupt``.

    A service manager's or a batch system's stop then ends the work as Ctrl-C does. Outside
    the main thread, signals cannot be handled, and nothing changes.

    >>> with interrupt_on_sigterm():
    ...     signal.getsignal(signal.SIGTERM) is signal.default_int_handler
    True
    """
    with interrupt_on(signal.SIGTERM, *extra):
        yield


# what a sweep takes as a stop (Ctrl-C, a service manager's, a closed terminal's)
_STOPS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# the handlers interrupts_deferred replaced, while it holds signals
_HELD: list[dict[int, Any]] = []


@contextmanager
def interrupts_deferred(*signals: int) -> Iterator[None]:
    """Within the block, ``signals`` (by default SIGINT, SIGTERM and SIGHUP: those a sweep
    takes as a stop) that Python handles are held; at its end the handlers are put back and each signal that came is handled as it
    would have been. Signals ignored or left to their default action are left so (a child
    started meanwhile inherits them as before).

    Starting a child is not atomic: with forkserver, the server forks the child before this
    process has read its pid. An interrupt (Ctrl-C, a SIGTERM, Ray's ``ray.cancel``) raised
    in between would leave a child that runs on, unknown to the code that must stop it.
    Outside the main thread, signals cannot be handled, and nothing changes.

    >>> with interrupt_on(signal.SIGTERM):
    ...     try:
    ...         with interrupts_deferred():
    ...             os.kill(os.getpid(), signal.SIGTERM)
    ...             time.sleep(0.01)  # not interrupted here
    ...             print("the block ran to its end")
    ...     except KeyboardInterrupt:
    ...         print("then interrupted")
    the block ran to its end
    then interrupted
    """
    came: list[int] = []
    held = [sig for sig in signals or _STOPS if callable(signal.getsignal(sig))]
    try:
        with signals_handled(lambda signum, _frame: came.append(signum), *held) as old:
            _HELD.append(old)  # a child forked meanwhile puts them back (see _run)
            try:
                yield
            finally:
                _HELD.remove(old)
    finally:
        for sig in dict.fromkeys(came):
            old[sig](sig, None)


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

    duplex = False  # one result (bytes) from the child; a Conversation talks both ways

    def __init__(self, ctx: Any, target: Callable[..., Any], args: tuple[Any, ...], name: str):
        self.conn, send = ctx.Pipe(duplex=self.duplex)
        self._send = send
        self.proc = ctx.Process(target=_run, args=(target, args, send), name=name)
        self.result: bytes | None = None
        self.started_at = 0.0
        self._ps: Any = None
        self._hwm = False
        self._pipe_ended = False  # the child closed its end without a result

    def start(self) -> Supervised:
        """Start the child (and close the child's end of the pipe in this process).

        A stop that comes during the start is raised once the child is known (see
        :func:`interrupts_deferred`): the caller can then stop it.
        """
        with interrupts_deferred():
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
        """What :func:`multiprocessing.connection.wait` can wait on for this child (its end,
        and its result until it came or the pipe closed: a pipe at its end is always ready,
        and waiting on it would spin while the child exits; a conversation's messages are
        not waited for here)."""
        if self.duplex or self.result is not None or self._pipe_ended:
            return [self.proc.sentinel]
        return [self.conn, self.proc.sentinel]

    def collect(self, wait_s: float = 0.0) -> None:
        """Read the child's result if it has sent it (waiting up to ``wait_s`` for it)."""
        if self.duplex:
            return  # a conversation's messages are read by receive()
        if self.result is None and not self.conn.closed and self.conn.poll(wait_s):
            try:
                self.result = self.conn.recv_bytes()
            except (EOFError, OSError):
                self._pipe_ended = True

    def reap(self, grace_s: float | None = None) -> None:
        """After the child ended: join it, take its result, close the pipe. With ``grace_s``,
        a child still running after that long (it closed its pipe but did not exit) is killed.
        """
        self.proc.join(grace_s)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.collect()
        self.conn.close()

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

    def stop(self, grace_s: float, ask: Callable[[], None] | None = None) -> bool:
        """Ask the child to stop (``ask``, by default SIGTERM), then SIGKILL after ``grace_s``
        seconds; True if it stopped by itself."""
        if self.alive():
            (ask or self.terminate)()
        if self.wait(timeout=grace_s):
            return True
        self.kill()
        return False

    # -- memory -------------------------------------------------------------------

    def process(self) -> Any:
        """The child as a ``psutil.Process`` (its memory, its limits), opened once."""
        if self._ps is None:
            import psutil

            self._ps = psutil.Process(self.proc.pid)
            self._hwm = read_peak_mb(self.proc.pid) is not None
        return self._ps

    def rss_mb(self) -> float:
        """The child's resident memory now, MB (0 once it is gone)."""
        try:
            return float(self.process().memory_info().rss) / MB
        except Exception:  # noqa: BLE001 - the process is gone
            return 0.0

    def memory_mb(self) -> float:
        """The larger of the child's RSS now and, on Linux, its peak since start or
        :meth:`reset_peak` (so that a peak between two samples is not missed), MB."""
        rss = self.rss_mb()
        peak = read_peak_mb(self.proc.pid) if self._hwm else None
        return max(rss, peak or 0.0)

    def reset_peak(self) -> None:
        """Start the kernel's peak of the child's memory again from its RSS now."""
        try:
            self.process()
        except Exception:  # noqa: BLE001 - the process is gone
            return
        if self._hwm:
            self._hwm = clear_peak(self.proc.pid)


class Conversation(Supervised):
    """A child that answers messages over a two-way pipe (any picklable objects).

    ``target(*args, conn)`` runs in the child and talks with ``conn.recv`` / ``conn.send``;
    the parent sends with :meth:`send` and waits for each answer with :meth:`receive`.

    >>> import multiprocessing as mp
    >>> c = Conversation(mp.get_context("fork"), _echo_once, (), name="demo").start()
    >>> c.send("ping"); c.receive(timeout=30)
    'ping'
    >>> c.stop(30, ask=lambda: c.send(None))
    True
    """

    duplex = True

    def send(self, message: Any) -> None:
        """Send ``message`` to the child; a child that has died is not an error here: the
        next :meth:`receive` says how it ended."""
        try:
            self.conn.send(message)
        except (OSError, ValueError):  # broken pipe, or closed after the child ended
            pass

    def receive(
        self,
        timeout: float | None = None,
        tick: Callable[[], None] | None = None,
        every: float = 0.2,
    ) -> Any:
        """The child's next message, calling ``tick`` about every ``every`` seconds meanwhile
        (an exception from ``tick`` ends the wait).

        Raises ``EOFError`` when the child ended without sending one (it is reaped then, and
        :attr:`exitcode` says how it ended) and ``TimeoutError`` when ``timeout`` seconds
        pass (the child keeps running).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            ready = bool(wait_any([self.conn, self.proc.sentinel], timeout=every))
            if tick is not None:
                tick()
            eof = False
            if ready and self.conn.poll(0):
                try:
                    return self.conn.recv()
                except (EOFError, OSError):  # the child's end closed: it is dying
                    eof = True
            if eof or not self.alive():
                if not eof and self.conn.poll(0):
                    continue  # a last message to read first
                self.reap(grace_s=5.0)
                raise EOFError(f"the child ended: {exit_reason(self.exitcode)}")
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"no message from the child in {timeout:g} s")


def _echo_once(conn: Any) -> None:
    """A child for the example above: answer one message with itself, stop on None."""
    while (message := conn.recv()) is not None:
        conn.send(message)


def read_peak_mb(pid: int) -> float | None:
    """A process's peak RSS since start or the last reset (Linux ``VmHWM``), MB; None where
    the kernel does not tell.

    >>> peak = read_peak_mb(os.getpid())
    >>> peak is None or peak > 0
    True
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def clear_peak(pid: int) -> bool:
    """Reset a process's peak RSS to its RSS now (Linux >= 4.0, own processes); False where
    unsupported."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _restore(handlers: dict[int, Any]) -> None:
    for sig, handler in handlers.items():
        # a handler installed outside Python reads as None: the default is put back
        signal.signal(sig, signal.SIG_DFL if handler is None else handler)


def _run(target: Callable[..., Any], args: tuple[Any, ...], conn: Any) -> None:
    # a child forked while its parent held its signals (interrupts_deferred) starts with the
    # handlers the parent had before, not with the parent's holding ones
    for handlers in reversed(_HELD):
        _restore(handlers)
    _HELD.clear()
    target(*args, conn)


def wait_many(children: list[Supervised], timeout: float) -> None:
    """Block until one of ``children`` sends its result or ends, or ``timeout`` passes."""
    handles = [h for c in children for h in c.handles() if not getattr(h, "closed", False)]
    if handles:
        wait_any(handles, timeout=timeout)
    else:
        time.sleep(timeout)
