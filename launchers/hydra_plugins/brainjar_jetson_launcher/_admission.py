"""Admission: which jobs may start now (memory budget, CPU slots, live memory, heat).

Pure decisions, no processes: :class:`Admission` picks pending jobs that fit, in sweep
order or longest predicted first (:func:`start_order`, :func:`choose`), :class:`ThermalGate`
pauses and resumes admission with hysteresis, and :class:`CapacityPlan` is the arithmetic the
launcher logs when a sweep starts and the dry run prints.

Longest predicted first, with memory-aware backfill:

The policy needs nothing of the launcher: it is given the jobs waiting (each one's
memory need, threads and predicted seconds, or None when nothing predicts it), the memory and
CPU slots free now, and gets back the job numbers to start. Job numbers never change; only the
order in which jobs start does.

Among the jobs that fit now, the one predicted to run longest starts first; the memory and
slots left are filled with the next longest that still fit, down to the shortest. A sweep
ends when its last job ends, so a long job started last is what makes a sweep late; short
jobs fill the gaps at the end. Given the machine's whole memory and slots (``capacity``),
"longest" weighs each job's seconds by its share of the machine's scarcer resource for it
(memory or slots): where memory binds, a long job that takes half the machine goes before an
equally long small one, which could still run beside others later. A job with no prediction
is treated as possibly the longest: such jobs come first, in sweep order, so with no
predictions at all the policy is plain sweep order with backfill.

>>> jobs = [Waiting(0, 2.0, 1, 10.0), Waiting(1, 2.0, 1, 60.0), Waiting(2, 5.0, 1, 30.0)]
>>> choose(jobs, free_memory_gb=7.0, free_slots=4)
[1, 2]
>>> choose(jobs, free_memory_gb=7.0, free_slots=1)
[1]
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

GiB = 1024**3


@dataclass
class Slot:
    """A job's declared needs."""

    memory_gb: float
    threads: int


@dataclass
class Admission:
    """Decides which pending jobs may start now.

    >>> a = Admission(budget_gb=10, cpu_slots=4)
    >>> a.pick([0, 1, 2], {0: Slot(6, 1), 1: Slot(6, 1), 2: Slot(3, 1)}, running={}, live_available_gb=20)
    [0, 2]
    """

    budget_gb: float
    cpu_slots: int
    max_parallel: int | None = None
    backfill: bool = True
    safety_margin_gb: float = 0.0
    # sweep_order, or longest_first: pending jobs are offered a place by start_order
    policy: str = "sweep_order"
    # each job's predicted seconds (None or missing: not predicted), for longest_first
    seconds: dict[int, float | None] | None = None

    def order(self, pending: Sequence[int], needs: dict[int, Slot]) -> list[int]:
        """The ``pending`` jobs in the order they are offered a place under the policy.

        >>> a = Admission(10, 4, policy="longest_first", seconds={0: 5.0, 1: 50.0})
        >>> a.order([0, 1, 2], {0: Slot(1, 1), 1: Slot(1, 1), 2: Slot(1, 1)})
        [2, 1, 0]
        """
        if self.policy != "longest_first":
            return list(pending)
        seconds = self.seconds or {}
        waiting = [
            Waiting(i, needs[i].memory_gb, needs[i].threads, seconds.get(i)) for i in pending
        ]
        return [w.num for w in start_order(waiting, (self.budget_gb, self.cpu_slots))]

    def pick(
        self,
        pending: Sequence[int],
        needs: dict[int, Slot],
        running: dict[int, Slot],
        live_available_gb: float | None,
    ) -> list[int]:
        mem = sum(s.memory_gb for s in running.values())
        threads = sum(s.threads for s in running.values())
        count = len(running)
        chosen: list[int] = []
        for idx in self.order(pending, needs):
            if self.max_parallel is not None and count >= self.max_parallel:
                break
            if count and threads >= self.cpu_slots:
                break  # every job takes a thread: no other fits (a long queue is not scanned)
            need = needs[idx]
            # the machine must keep the margin free after the job takes its memory; with
            # nothing running, only the margin itself is asked for (or nothing would ever start)
            need_live = self.safety_margin_gb + (need.memory_gb if count else 0.0)
            live_ok = live_available_gb is None or live_available_gb >= need_live
            fits = (
                mem + need.memory_gb <= self.budget_gb and threads + need.threads <= self.cpu_slots
            )
            # a job larger than the whole budget still runs, alone
            if (fits and live_ok) or (count == 0 and live_ok):
                chosen.append(idx)
                mem += need.memory_gb
                threads += need.threads
                count += 1
                # live memory falls as the admitted jobs allocate; count their declared need
                if live_available_gb is not None:
                    live_available_gb -= need.memory_gb
                continue
            if not self.backfill:
                break
        return chosen


class ThermalGate:
    """Admission pauses at ``pause_c`` and resumes below ``resume_c`` (hysteresis).

    ``read`` gives the hottest temperature now (None: no thermal zone); it is called at most
    every ``poll_s`` seconds.

    >>> temps = iter([81.0, 77.0, 74.0])
    >>> gate = ThermalGate(80.0, 75.0, 0.0, read=lambda: next(temps))
    >>> gate.open(), gate.open(), gate.open()
    (False, False, True)
    """

    def __init__(
        self,
        pause_c: float | None,
        resume_c: float | None,
        poll_s: float,
        read: Callable[[], float | None],
    ) -> None:
        self.pause_c = pause_c
        self.resume_c = resume_c if resume_c is not None else pause_c
        self.poll_s = poll_s
        self.read = read
        self.paused = False
        self.temp: float | None = None
        self._next = 0.0

    def open(self) -> bool:
        """Whether a job may start now (reads the temperature when it is due)."""
        if self.pause_c is None:
            return True
        now = time.monotonic()
        if now < self._next:
            return not self.paused
        self._next = now + self.poll_s
        self.temp = temp = self.read()
        if temp is not None and not self.paused and temp >= self.pause_c:
            self.paused = True
            log.warning("[jetson] admission paused: %.1f C >= %.1f C", temp, self.pause_c)
        elif self.paused and (temp is None or temp < self.resume_c):
            self.paused = False
            log.warning("[jetson] admission resumed: %s C", "?" if temp is None else f"{temp:.1f}")
        return not self.paused

    def wait_until_open(self, what: str) -> None:
        """Block while too hot (a node's job waits, holding its place)."""
        if self.open():
            return
        log.warning("[jetson] %s at %.1f C >= %.1f C: job waits", what, self.temp, self.pause_c)
        while not self.open():
            time.sleep(self.poll_s)


@dataclass
class CapacityPlan:
    """How many jobs fit at once on this machine, and why: the budget, slots and each need.

    >>> plan = CapacityPlan.of(
    ...     {"memory_budget_gb": 10.0, "cpu_slots": 4}, [Slot(2.5, 1), Slot(6.0, 1)], 16.0, 8
    ... )
    >>> plan.budget_gb, plan.cpu_slots, plan.at_once
    (10.0, 4, [4, 1])
    """

    budget_gb: float
    total_gb: float
    cpu_slots: int
    needs: list[Slot]
    at_once: list[int]

    @classmethod
    def of(
        cls, p: dict[str, Any], declared: Sequence[Slot], total_gb: float, cores: int
    ) -> CapacityPlan:
        """The plan for jobs with these ``declared`` needs on a machine of ``total_gb`` and
        ``cores``, under the launcher options ``p``."""
        from brainjar_sweep.device import memory_budget_gb, parallel_capacity

        budget = p.get("memory_budget_gb") or memory_budget_gb(
            total_gb, p.get("reserve_fraction", 0.3)
        )
        slots = int(p.get("cpu_slots") or cores or 1)
        needs = [Slot(s.memory_gb, min(s.threads, slots)) for s in declared]
        at_once = [
            parallel_capacity(
                budget_gb=budget,
                job_mem_gb=s.memory_gb,
                cpu_cores=slots,
                threads_per_job=s.threads,
                hard_cap=p.get("max_parallel"),
            )
            for s in needs
        ]
        return cls(float(budget), float(total_gb), slots, needs, at_once)

    def describe(self) -> str:
        """The line logged when a sweep starts."""
        first = self.needs[0] if self.needs else Slot(0, 0)
        return (
            f"{len(self.needs)} jobs; memory budget {self.budget_gb:.1f} GB of "
            f"{self.total_gb:.1f} GB, {self.cpu_slots} CPU slots; first job needs "
            f"{first.memory_gb:.1f} GB, {first.threads} thread(s); up to "
            f"{self.at_once[0] if self.at_once else 0} at once"
        )


# ------------------------------------------------- longest predicted first


@dataclass(frozen=True)
class Waiting:
    """A job not started yet: its number, memory need (GB), threads and predicted seconds."""

    num: int
    memory_gb: float
    threads: int = 1
    seconds: float | None = None


def start_order(
    waiting: Sequence[Waiting], capacity: tuple[float, int] | None = None
) -> list[Waiting]:
    """The jobs in the order they are offered a place: those with no prediction first, in
    sweep order, then the longest predicted first (ties in sweep order). With ``capacity``
    (the machine's memory in GB and slots), each job's seconds are weighed by its share of
    the resource it takes most of: ``seconds x max(memory / memory, threads / slots)``.

    >>> [w.num for w in start_order([Waiting(0, 1, 1, 5), Waiting(1, 1, 1, None), Waiting(2, 1, 1, 9)])]
    [1, 2, 0]
    >>> big, small = Waiting(0, 20.0, 1, 8.0), Waiting(1, 1.0, 1, 10.0)
    >>> [w.num for w in start_order([big, small])], [w.num for w in start_order([big, small], (40.0, 6))]
    ([1, 0], [0, 1])
    """

    def weight(w: Waiting) -> float:
        if capacity is None:
            return 1.0
        memory, slots = capacity
        return max(w.memory_gb / memory if memory > 0 else 0.0, w.threads / max(slots, 1))

    return sorted(
        waiting,
        key=lambda w: (0, 0.0, w.num) if w.seconds is None else (1, -w.seconds * weight(w), w.num),
    )


def choose(
    waiting: Sequence[Waiting],
    free_memory_gb: float,
    free_slots: int,
    *,
    max_start: int | None = None,
    idle: bool = False,
    capacity: tuple[float, int] | None = None,
) -> list[int]:
    """Numbers of the jobs to start now, in the order to start them.

    Each job offered a place (:func:`start_order`) starts if its memory fits what is still
    free and its threads the slots still free; a job that does not fit is passed over for
    the next (backfill). ``max_start`` caps how many start (a ``max_parallel`` less the jobs
    running); ``idle`` says nothing runs, and then the first job offered starts even if it
    needs more than everything free (a job larger than the machine runs, alone).

    >>> choose([Waiting(0, 9.0, 1, 5.0), Waiting(1, 1.0, 1, 1.0)], 4.0, 2)
    [1]
    >>> choose([Waiting(0, 9.0, 1, 5.0), Waiting(1, 1.0, 1, 1.0)], 4.0, 2, idle=True)
    [0]
    """
    if free_slots < 0:
        raise ValueError(f"free_slots={free_slots} is not allowed: an integer >= 0")
    chosen: list[int] = []
    mem, slots = free_memory_gb, free_slots
    for w in start_order(waiting, capacity):
        if max_start is not None and len(chosen) >= max_start:
            break
        if idle and not chosen and (w.memory_gb > mem or w.threads > slots):
            return [w.num]  # alone: nothing else can run beside it
        if w.memory_gb <= mem and w.threads <= slots:
            chosen.append(w.num)
            mem -= w.memory_gb
            slots -= w.threads
    return chosen


def makespan(
    jobs: Sequence[Waiting],
    actual_seconds: Sequence[float],
    memory_gb: float,
    slots: int,
    *,
    max_parallel: int | None = None,
) -> float:
    """Seconds from the first start to the last end when ``jobs`` are started by
    :func:`choose` whenever one ends, and job ``i`` of ``jobs`` runs ``actual_seconds[i]``
    (its ``seconds`` is only what the policy is told). No start-up cost is counted. For a
    dry run's estimate of a sweep, and to compare policies.

    Four 1 s jobs and a 4 s job on two slots: in sweep order the long job starts last (6 s);
    longest first, it runs beside the others (4 s):

    >>> t = [1, 1, 1, 1, 4]
    >>> makespan([Waiting(i, 1.0) for i in range(5)], t, 10.0, 2)
    6.0
    >>> makespan([Waiting(i, 1.0, 1, s) for i, s in enumerate(t)], t, 10.0, 2)
    4.0
    """
    if len(jobs) != len(actual_seconds):
        raise ValueError("one actual duration per job")
    if not jobs:
        return 0.0
    index = {w.num: i for i, w in enumerate(jobs)}
    waiting = list(jobs)
    running: list[tuple[float, int]] = []  # (end, index)
    used_mem, used_slots = 0.0, 0
    now = 0.0
    while waiting or running:
        cap = None if max_parallel is None else max_parallel - len(running)
        started = choose(
            waiting,
            memory_gb - used_mem,
            slots - used_slots,
            max_start=cap,
            idle=not running,
            capacity=(memory_gb, slots),
        )
        for num in started:
            i = index[num]
            heapq.heappush(running, (now + float(actual_seconds[i]), i))
            used_mem += jobs[i].memory_gb
            used_slots += jobs[i].threads
        if started:
            gone = set(started)
            waiting = [w for w in waiting if w.num not in gone]
        now, i = heapq.heappop(running)
        ended = [i]
        while running and running[0][0] <= now:
            ended.append(heapq.heappop(running)[1])
        for i in ended:
            used_mem -= jobs[i].memory_gb
            used_slots -= jobs[i].threads
    return now
