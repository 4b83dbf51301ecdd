"""The backend interface, and the one loop that drives any backend over a sweep book.

A backend runs jobs somewhere (processes on this machine, tasks on a Ray cluster). It
says which pending jobs may start now (:meth:`Backend.ready`), starts one
(:meth:`Backend.submit`), reports the jobs that ended (:meth:`Backend.poll`) and stops the
running ones (:meth:`Backend.cancel`). Jobs can thus be started one by one and each is
reported as it ends. :func:`drive` is the loop around it: admission, progress, the report,
and the interrupt (Ctrl-C, SIGTERM, SIGHUP; a second one hurries the stop), written once.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from hydra_plugins.brainjar_jetson_launcher._admission import Slot, ThermalGate
from hydra_plugins.brainjar_jetson_launcher._book import Outcome, SweepBook
from hydra_plugins.brainjar_jetson_launcher._progress import Progress

from brainjar_sweep._supervisor import interrupt_on_sigterm

log = logging.getLogger(__name__)

INTERRUPTS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Backend(Protocol):
    """Where jobs run. Every method returns quickly except :meth:`poll` (up to its timeout)
    and :meth:`cancel` (up to its grace)."""

    # the memory the progress line sets the reserved memory against (GB)
    budget_gb: float

    def ready(self, pending: list[int]) -> list[int]:
        """Which of the ``pending`` jobs (in sweep order) may start now."""
        ...

    def submit(self, i: int) -> None:
        """Start job ``i`` (it tells the book with ``book.started``)."""
        ...

    def running(self) -> dict[int, Slot]:
        """The running jobs and their needs."""
        ...

    def poll(self, timeout: float) -> list[Outcome]:
        """The jobs that ended, waiting up to ``timeout`` seconds for one."""
        ...

    def cancel(self, grace_s: float, hurried: Callable[[], str | None]) -> Iterator[Outcome]:
        """Stop every running job: ask, give them ``grace_s`` seconds (or less once
        ``hurried()`` names a second interrupt), then kill; yield each job as it ends."""
        ...

    def abort(self) -> list[Outcome]:
        """Kill every running job at once (the sweep itself failed)."""
        ...


@contextmanager
def _second_interrupt() -> Iterator[Callable[[], str | None]]:
    """While the jobs stop, another Ctrl-C, SIGTERM or SIGHUP is noted, not raised."""
    hurry: list[int] = []
    old: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for sig in INTERRUPTS:
            old[sig] = signal.signal(sig, lambda signum, _frame: hurry.append(signum))
    try:
        yield lambda: f"a second {signal.Signals(hurry[0]).name}" if hurry else None
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _close(book: SweepBook, failing: bool) -> None:
    """The report's last write; while an error or interrupt is raised, that stays the headline."""
    try:
        book.close()
    except Exception:
        if not failing:
            raise
        log.exception("[jetson] the sweep's report could not be written")


def _ask(
    book: SweepBook, backend: Backend, pending: list[int], feed: Callable[[], int | None]
) -> bool:
    """Ask ``feed`` for one more job when one like the last booked one would be admitted now
    (so each job is asked as late as possible, knowing every job ended so far); ``feed``
    books it and returns its index, or None when there are no more. False once it said None."""
    if backend.running() and not backend.ready([book.n - 1]):
        return True
    got = feed()
    if got is None:
        return False
    pending.append(got)
    return True


def drive(
    book: SweepBook,
    backend: Backend,
    progress: Progress,
    grace_s: float,
    gate: ThermalGate | None = None,
    feed: Callable[[], int | None] | None = None,
    on_settled: Callable[[int], None] | None = None,
) -> None:
    """Run every job of ``book`` not settled yet on ``backend``, until each has ended.

    With ``feed`` (a streamed launch), jobs are asked one by one (:func:`_ask`); the loop
    ends once ``feed`` said None and every job has ended. ``on_settled(i)`` is called as
    each job's end is recorded (an interrupted one too).

    SIGTERM (a service manager, a batch system) and SIGHUP (a closed terminal or SSH
    session) are handled like Ctrl-C: running jobs are stopped and recorded, the jobs not
    started stay pending, and ``KeyboardInterrupt`` goes on to the sweeper.
    """
    pending = [i for i in range(book.n) if book.results[i] is None]
    more = feed is not None

    def settle(out: Outcome) -> None:
        book.settle(out)
        if on_settled is not None:
            on_settled(out.idx)

    def show(force: bool = False) -> None:
        running = backend.running()
        reserved = sum(s.memory_gb for s in running.values())
        temp = gate.temp if gate is not None else None
        progress.budget = backend.budget_gb
        progress.update(book.done_count(), len(running), book.ended_counts(), reserved, temp, force)

    try:
        with interrupt_on_sigterm(signal.SIGINT, signal.SIGHUP):
            while pending or backend.running() or more:
                if more and not pending and (gate is None or gate.open()):
                    more = _ask(book, backend, pending, feed)  # type: ignore[arg-type]
                if pending and (gate is None or gate.open()):
                    for i in backend.ready(pending):
                        pending.remove(i)
                        book.before(i)
                        backend.submit(i)
                if book.dirty:
                    book.flush()
                show()
                for out in backend.poll(0.2 if backend.running() else 0.5):
                    settle(out)
                show()
    except KeyboardInterrupt:
        log.warning(
            "[jetson] interrupted: stopping %d running job(s), starting no more",
            len(backend.running()),
        )
        with _second_interrupt() as hurried:
            for out in backend.cancel(grace_s, hurried):
                settle(out)
                if book.dirty:  # the report says which jobs have stopped while others still stop
                    book.flush()
        book.flush()
        raise
    finally:
        for out in backend.abort():  # an unexpected error: leave no job behind, record each
            try:
                settle(out)
            except Exception:  # noqa: BLE001  the error that got us here is the headline
                log.exception("[jetson] job #%d could not be recorded", out.idx)
        show(force=True)
        failing = sys.exc_info()[1] is not None
        progress.close(failing)  # a display kept for the whole sweep stays, unless failing
        _close(book, failing)
