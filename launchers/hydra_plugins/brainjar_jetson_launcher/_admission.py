"""Admission: which jobs may start now (memory budget, CPU slots, live memory, heat).

Pure decisions, no processes: :class:`Admission` picks pending jobs that fit,
:class:`ThermalGate` pauses and resumes admission with hysteresis, and :class:`CapacityPlan`
is the arithmetic the launcher logs when a sweep starts and the dry run prints.
"""

from __future__ import annotations

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
        for idx in pending:
            if self.max_parallel is not None and count >= self.max_parallel:
                break
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
