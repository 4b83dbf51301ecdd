"""Which waiting jobs of a sweep to start now: longest predicted first, memory-aware backfill.

A pure policy, with no launcher in it: a launcher gives it the jobs waiting (each one's
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

from collections.abc import Sequence
from dataclasses import dataclass


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
    import heapq

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
