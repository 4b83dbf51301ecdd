"""The local backend: one supervised process per job on this machine, admitted by memory and CPU."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from hydra_plugins.brainjar_jetson_launcher._admission import Admission, CapacityPlan, Slot
from hydra_plugins.brainjar_jetson_launcher._book import Outcome, SweepBook, needs_capped
from hydra_plugins.brainjar_jetson_launcher._job_server import JobServer
from hydra_plugins.brainjar_jetson_launcher._options import policy_of
from hydra_plugins.brainjar_jetson_launcher._sent import dumps
from hydra_plugins.brainjar_jetson_launcher._worker import run_job_in_process

from brainjar_sweep._supervisor import Supervised, wait_many

log = logging.getLogger(__name__)

GiB = 1024**3


class LocalBackend:
    """Jobs as processes of this machine (forked from a preloaded server, or spawned)."""

    def __init__(
        self,
        book: SweepBook,
        p: dict[str, Any],
        server: JobServer,
        banner: bool = True,
    ) -> None:
        """``server``: the jobs' process server (``_job_server.launcher_server``); ``banner``:
        log the capacity and admission lines (once per sweep, not per launch)."""
        import psutil

        self.book = book
        self._psutil = psutil
        plan = CapacityPlan.of(
            p,
            list(book.declared.values()),
            psutil.virtual_memory().total / GiB,
            os.cpu_count() or 1,
        )
        if banner:
            log.info("[jetson] %s", plan.describe())
        self.budget_gb = plan.budget_gb
        self.cpu_slots = plan.cpu_slots
        self.needs = needs_capped(book.declared, plan.cpu_slots)
        self.admission = Admission(
            budget_gb=plan.budget_gb,
            cpu_slots=plan.cpu_slots,
            max_parallel=p.get("max_parallel"),
            backfill=bool(p.get("backfill", True)),
            safety_margin_gb=float(p.get("safety_margin_gb", 1.0)),
            policy=policy_of(p),
            seconds=book.seconds,
        )
        if banner:
            log.info("[jetson] admission: %s", self.admission.policy)
        self.timeout: float | None = p.get("timeout_s")
        # started by the launcher while the sweeper checked its jobs, or at the first job
        self.server = server
        self.ctx = self.server.ctx
        self.procs: dict[int, Supervised] = {}
        self.timed_out: set[int] = set()

    def ready(self, pending: list[int]) -> list[int]:
        live = self._psutil.virtual_memory().available / GiB
        if len(self.needs) < self.book.n:  # jobs booked after the start (a streamed launch)
            new = {i: self.book.declared[i] for i in pending if i not in self.needs}
            self.needs.update(needs_capped(new, self.cpu_slots))
        return self.admission.pick(pending, self.needs, self.running(), live)

    def submit(self, i: int) -> None:
        args = (
            self.server.payload_for_job(),
            dumps(self.book.cfgs[i]),
            os.getcwd(),
            dict(os.environ),
            os.getpid(),
        )
        name = f"jetson-job-{self.book.initial_job_idx + i}"
        self.server.start()
        proc = Supervised(self.ctx, run_job_in_process, args, name=name)
        try:
            proc.start()
        finally:
            self.server.job_started()  # the server has started (and read its payload), or failed to
            if proc.pid is not None:  # started, even if a stop came meanwhile (raised now)
                self.procs[i] = proc
                self.book.started(i, pid=proc.pid)

    def running(self) -> dict[int, Slot]:
        return {i: self.needs[i] for i in self.procs}

    def _outcome(self, i: int, **how: Any) -> Outcome:
        proc = self.procs.pop(i)
        return Outcome(
            i, data=proc.result, exitcode=proc.exitcode, timed_out=i in self.timed_out, **how
        )

    def poll(self, timeout: float) -> list[Outcome]:
        if not self.procs:
            time.sleep(timeout)
            return []
        wait_many(list(self.procs.values()), timeout)
        ended = []
        for i, proc in list(self.procs.items()):
            proc.collect()
            if (
                self.timeout is not None
                and proc.alive()
                and time.monotonic() - proc.started_at > self.timeout
            ):
                self.timed_out.add(i)
                proc.stop(5.0)
            if proc.alive():
                continue
            proc.reap()
            ended.append(self._outcome(i))
        return ended

    def cancel(self, grace_s: float, hurried: Callable[[], str | None]) -> Iterator[Outcome]:
        for proc in self.procs.values():
            proc.terminate()  # the job records itself as interrupted
        deadline = time.monotonic() + grace_s
        while self.procs and time.monotonic() < deadline and not hurried():
            wait_many(list(self.procs.values()), 0.2)
            for i, proc in list(self.procs.items()):
                proc.collect()
                if not proc.alive():
                    proc.reap()
                    yield self._outcome(i, stopped=True)
        why = hurried() or f"the {grace_s:g} s grace"
        for i, proc in list(self.procs.items()):
            proc.kill()
            yield self._outcome(
                i, stopped=True, kill_reason=f"interrupted: killed (SIGKILL) after {why}"
            )

    def abort(self) -> list[Outcome]:
        self.server.drop_file()  # no job started (the launch ended first): the file goes
        out = []
        for i, proc in list(self.procs.items()):
            proc.kill()
            reason = "interrupted: killed (SIGKILL) when the sweep itself failed"
            out.append(self._outcome(i, stopped=True, kill_reason=reason))
        return out
