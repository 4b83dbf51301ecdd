"""The sweep book: one ``launch`` call's jobs, their needs, and each job's one outcome.

Both backends share it. It holds each job's overrides and a config composed when asked
(``JobConfigs``: the config of a running job is kept until it ends, no other), asks the hooks
for each job's needs once, keeps one :class:`Job` entry per job (shown to the ``sweep_report``
hook), and turns what a job's process left (an :class:`Outcome`) into the job's status, its
records (``job_end``) and Hydra's ``JobReturn``: a job's end is decided here, once.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cloudpickle
from hydra.core.utils import JobReturn, JobStatus
from hydra_plugins.brainjar_jetson_launcher._admission import Slot
from hydra_plugins.brainjar_jetson_launcher._hooks import Hooks
from omegaconf import DictConfig, OmegaConf, open_dict

from brainjar_sweep._clock import utc_now
from brainjar_sweep._supervisor import exit_reason
from brainjar_sweep.sweep.errors import JobFailure, JobInterrupted, JobTimeout

if TYPE_CHECKING:
    from brainjar_sweep.sweep.compose import JobConfigs

log = logging.getLogger(__name__)

STOPPED = "interrupted (stopped with the sweep)"


@dataclass
class Job:
    """One job of the launch, as the ``sweep_report`` hook sees it."""

    num: int
    overrides: list[str]
    memory_gb: float
    status: str = "pending"  # pending, running, completed, failed, timeout, interrupted
    reason: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    duration_seconds: float | None = None
    node: str | None = None
    # the task's return value, when it completed
    value: Any = None


@dataclass
class Outcome:
    """What a backend knows about a job that ended: what its process left and what was done to it."""

    idx: int
    data: bytes | None = None  # the pickled JobReturn or failure the job sent
    exitcode: int | None = None
    timed_out: bool = False
    stopped: bool = False
    kill_reason: str | None = None
    # a failure the backend decided itself (e.g. a Ray node lost), instead of the above
    failure: JobFailure | None = None
    node: str | None = None
    # called with the JobReturn once the outcome is settled (e.g. to relocate its dirs)
    then: Callable[[JobReturn], None] | None = None


@dataclass
class _Unreadable:
    """A job's result that could not be unpickled here, and why."""

    error: Exception


def _read(data: bytes | None) -> Any:
    """What a job's process sent back, unpickled (its ``JobReturn`` or ``JobFailure``), or
    :class:`_Unreadable`; None if it sent nothing."""
    if data is None:
        return None
    try:
        return cloudpickle.loads(data)
    except Exception as e:  # noqa: BLE001  e.g. an exception type that cannot be rebuilt here
        return _Unreadable(e)


def _completed(obj: Any) -> bool:
    return isinstance(obj, JobReturn) and obj.status == JobStatus.COMPLETED


def failed_return(cfg: DictConfig, overrides: Sequence[str], exc: BaseException) -> JobReturn:
    """A ``JobReturn`` for a job that left none of its own."""
    ret = JobReturn()
    ret.overrides = list(overrides)
    task_cfg = cfg.copy()
    with open_dict(task_cfg):
        del task_cfg["hydra"]
    ret.cfg = task_cfg
    ret.hydra_cfg = cfg
    ret.working_dir = os.getcwd()
    ret.task_name = str(OmegaConf.select(cfg, "hydra.job.name", default=""))
    ret.status = JobStatus.FAILED
    ret._return_value = exc
    return ret


class Planned(Sequence[Any]):
    """What the hooks read to plan each job: the experiment the sweeper checked (``kept[i]``,
    a plain dict: the job's config without its ``hydra`` node), else the job's config,
    composed when read.

    >>> Planned(["cfg0", "cfg1"], {1: {"x": 1}})[:]
    ['cfg0', {'x': 1}]
    """

    def __init__(self, cfgs: Sequence[Any], kept: dict[int, Any]) -> None:
        self.cfgs = cfgs
        self.kept = kept

    def __len__(self) -> int:
        return len(self.cfgs)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        got = self.kept.get(i)
        return got if got is not None else self.cfgs[i]


def planned_from(plan: Any, nums: Sequence[int], launched: Any) -> dict[int, Any]:
    """The sweeper's experiments (``plan.experiments``) of the jobs at each position, by
    position: for a job's first launch in a new sweep only. A job launched before (a retry)
    or a resumed sweep's job is composed instead: its own earlier attempts, which the duration
    hook reads from the job's full config, may exist.

    >>> from types import SimpleNamespace
    >>> plan = SimpleNamespace(resume=False, experiments={5: {"x": 1}, 6: {"x": 2}})
    >>> planned_from(plan, [5, 6], launched={6})
    {0: {'x': 1}}
    """
    if plan is None or getattr(plan, "resume", False):
        return {}
    kept = getattr(plan, "experiments", None) or {}
    return {i: kept[n] for i, n in enumerate(nums) if n in kept and n not in launched}


class SweepBook:
    """The jobs of one ``launch`` call (``cfgs[i]`` is job ``initial_job_idx + i``, composed
    when asked; held from :meth:`before` until the job's end is recorded)."""

    def __init__(
        self,
        cfgs: JobConfigs,
        job_overrides: Sequence[Sequence[str]],
        initial_job_idx: int,
        sweep_dir: Path,
        hooks: Hooks,
        *,
        default_memory_gb: float,
        timeout_s: float | None,
        ownership: Any,
        report: Any = None,
        planned: Sequence[Any] | None = None,
    ) -> None:
        self.cfgs = cfgs
        self.job_overrides = job_overrides
        self.initial_job_idx = initial_job_idx
        self.sweep_dir = sweep_dir
        self.hooks = hooks
        self.timeout = timeout_s
        self.default_memory_gb = default_memory_gb
        self.ownership = ownership
        self.report = report
        self.n = len(cfgs)
        # each job's needs as its config declares them (threads not yet capped by a machine),
        # and its predicted seconds, for admission longest_first (None: not predicted); read
        # from ``planned`` (the sweeper's checked experiments, :class:`Planned`), else each
        # job's config is composed once for both, and not kept
        self.declared, self.seconds = hooks.plan_facts(
            cfgs if planned is None else planned, default_memory_gb
        )
        self.jobs = [
            Job(initial_job_idx + i, list(ov), self.declared[i].memory_gb)
            for i, ov in enumerate(job_overrides)
        ]
        self.results: list[JobReturn | None] = [None] * self.n
        self.dirty = False
        self.pids: dict[int, int] = {}
        self._t0: dict[int, float] = {}
        self._dirs: dict[int, Path] = {}  # each job's dir, once read from its config
        # kept as jobs end, so that the progress line costs the same at any sweep size
        self._done = 0
        self._ended: dict[str, int] = {}
        # the jobs whose state changed since the report last heard of them
        self._changed: set[int] = set()
        self._reported = False

    def add(self, overrides: Sequence[str]) -> int:
        """Book one more job (a streamed launch): it is job ``initial_job_idx + n``; return its
        index. It is asked for when it could start: its config is composed now and held."""
        i = self.n
        self.cfgs.append(overrides, self.initial_job_idx + i)
        self.job_overrides = [*self.job_overrides, list(overrides)]
        cfg = self.cfgs.hold(i)
        declared, seconds = self.hooks.plan_facts([cfg], self.default_memory_gb)
        self.declared[i], self.seconds[i] = declared[0], seconds[0]
        self.jobs.append(Job(self.initial_job_idx + i, list(overrides), self.declared[i].memory_gb))
        self.results.append(None)
        self._changed.add(i)  # the report hears of it (pending)
        self.n += 1
        return i

    # ------------------------------------------------------------------ a job starts

    def job_dir(self, i: int) -> Path:
        """Where job ``i``'s files belong on the launching machine (read from its config once:
        the hooks ask for it as the job starts and ends)."""
        found = self._dirs.get(i)
        if found is None:
            subdir = OmegaConf.select(self.cfgs[i], "hydra.sweep.subdir")
            found = self._dirs[i] = self.sweep_dir / str(subdir)
        return found

    def before(self, i: int) -> None:
        """Before job ``i`` starts: what an earlier attempt left unfinished goes (``job_before``).
        Its config is composed here and held until its end is recorded."""
        self.hooks.call("job_before", self.cfgs.hold(i), self.job_dir(i))

    def started(self, i: int, node: str | None = None, pid: int | None = None) -> None:
        self._t0[i] = time.monotonic()
        if pid is not None:
            self.pids[i] = pid
            self.ownership.job_started(self.initial_job_idx + i, pid)
        job = self.jobs[i]
        job.status, job.start_time = "running", utc_now("seconds")
        if node is not None:
            job.node = node
        self._changed.add(i)
        self.dirty = True  # the report lists running jobs too
        log.info("[jetson] \t#%d : %s", self.initial_job_idx + i, " ".join(self.job_overrides[i]))

    # ------------------------------------------------------------------- a job ends

    def settle(self, out: Outcome) -> None:
        """Decide how job ``out.idx`` ended, from what its process left, and record it once.

        A completed record the attempt left (``job_left``) wins: the job ended and recorded
        itself, whatever happened to its process afterwards (e.g. a signal).
        """
        i = out.idx
        if out.node is not None:
            self.jobs[i].node = out.node
        if out.failure is not None:
            status = "interrupted" if isinstance(out.failure, JobInterrupted) else "failed"
            self._fail(i, out.failure, status)
        else:
            self._settle_process(out)
        if out.then is not None and self.results[i] is not None:
            out.then(self.results[i])

    def _settle_process(self, out: Outcome) -> None:
        i = out.idx
        left = self.hooks.left(self.cfgs[i], self.job_dir(i))
        sent = _read(out.data)  # once: a job's JobReturn takes milliseconds to read
        if left is not None and not _completed(sent):
            ret = failed_return(self.cfgs[i], self.job_overrides[i], JobFailure(""))
            ret.status, ret._return_value = JobStatus.COMPLETED, left
            self._finish(i, ret, "completed", None)
        elif out.timed_out:
            self._fail(i, JobTimeout(f"timed out after {self.timeout} s"), "timeout")
        elif out.data is None and out.stopped:
            self._fail(i, JobInterrupted(out.kill_reason or STOPPED), "interrupted")
        elif out.data is None:
            code = out.exitcode
            if code is not None and code < 0:
                reason = exit_reason(code)
            else:
                reason = f"exited with code {code} without a result"
            self._fail(i, JobFailure(reason), "failed")
        else:
            self._settle_data(i, sent)

    def _settle_data(self, i: int, obj: Any) -> None:
        """Job ``i`` ended with what its process sent back (see :func:`_read`)."""
        if isinstance(obj, _Unreadable):
            e = obj.error
            reason = f"the job's result could not be read back ({type(e).__name__}: {e})"
            self._fail(i, JobFailure(reason), "failed")
            return
        if isinstance(obj, JobFailure):
            self._fail(i, obj, "interrupted" if isinstance(obj, JobInterrupted) else "failed")
        elif obj.status == JobStatus.COMPLETED:
            self._finish(i, obj, "completed", None)
        else:
            exc = obj._return_value
            self._finish(i, obj, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0])

    def _fail(self, i: int, exc: JobFailure, status: str) -> None:
        """Finish job ``i`` without a result of its own (it died, timed out, was stopped)."""
        ret = failed_return(self.cfgs[i], self.job_overrides[i], exc)
        self._finish(i, ret, status, str(exc).splitlines()[0] if str(exc) else status)

    def fail(self, i: int, exc: JobFailure) -> None:
        """Job ``i`` ended without running to its end, for ``exc``'s reason."""
        self.settle(Outcome(i, failure=exc))

    def _finish(self, i: int, ret: JobReturn, status: str, reason: str | None) -> None:
        """Job ``i`` ended: its one outcome goes to its records (``job_end``), the report and Hydra."""
        if self.results[i] is None:
            self._done += 1
        self.results[i] = ret
        try:
            self.hooks.call(
                "job_end", self.cfgs[i], self.job_dir(i), status, reason, self.pids.get(i)
            )
        except Exception as e:  # noqa: BLE001  the report still says how it ended
            log.error("[jetson] job #%d: could not record its end: %s", i, e)
        self.ownership.job_ended(self.initial_job_idx + i)
        job = self.jobs[i]
        if job.status in self._ended:
            self._ended[job.status] -= 1
        if status not in ("pending", "running", "completed"):
            self._ended[status] = self._ended.get(status, 0) + 1
        job.status, job.reason, job.end_time = status, reason, utc_now("seconds")
        job.duration_seconds = round(time.monotonic() - self._t0.get(i, time.monotonic()), 3)
        if status == "completed":
            job.value = ret._return_value
        self.cfgs.release(i)
        # the report is rewritten after the next admission, so a free slot is refilled first
        self._changed.add(i)
        self.dirty = True

    # ----------------------------------------------------------------- the launch

    def flush(self) -> None:
        """Hand the ``sweep_report`` hook the jobs whose state changed since the last time
        (every job the first time): a job's event costs the same at any sweep size."""
        self.dirty = False
        if self.report is not None:
            if self._reported:
                changed = [self.jobs[i] for i in sorted(self._changed)]
            else:
                changed, self._reported = self.jobs, True
            self._changed.clear()
            self.report.update(changed)

    def close(self) -> None:
        """The launch ended, however it ended: the report gets every job's last state and
        writes what it held back (its ``flush()``, if it has one)."""
        if self.dirty:
            self.flush()
        flush = getattr(self.report, "flush", None)
        if callable(flush):
            flush()

    def done_count(self) -> int:
        return self._done

    def ended_counts(self) -> dict[str, int]:
        """How many jobs ended each way but completed (failed, timeout, interrupted)."""
        return {status: n for status, n in self._ended.items() if n}

    def wrap_up(self) -> Sequence[JobReturn]:
        """Report, log what did not complete, return the JobReturns in order."""
        if self.dirty:
            self.flush()
        bad = [job for job in self.jobs if job.status != "completed"]
        for job in bad:
            log.error(
                "[jetson] job #%d %s: %s (%s)",
                job.num,
                job.status,
                job.reason,
                " ".join(job.overrides),
            )
        log.info("[jetson] %d completed, %d failed", self.n - len(bad), len(bad))
        assert all(r is not None for r in self.results)
        return self.results  # type: ignore[return-value]


def needs_capped(declared: dict[int, Slot], slots: int) -> dict[int, Slot]:
    """The declared needs with threads capped by the machine's CPU slots.

    >>> needs_capped({0: Slot(2.0, 8)}, 4)
    {0: Slot(memory_gb=2.0, threads=4)}
    """
    return {i: Slot(s.memory_gb, min(s.threads, slots)) for i, s in declared.items()}
