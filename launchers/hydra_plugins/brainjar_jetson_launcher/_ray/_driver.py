"""The Ray backend: one Ray task per job, asking for the job's memory, threads and device kind.

On the launching machine: it keeps about as many tasks in Ray's hands as the cluster has
CPUs, writes each job's files back into the sweep dir, and fails alone a job that no live
node can hold any more (its board died and stayed away) or that Ray could not finish.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cloudpickle
from hydra.core.utils import JobReturn
from hydra_plugins._brainjar_hydra_compat import hydra_state
from hydra_plugins.brainjar_jetson_launcher._admission import Slot
from hydra_plugins.brainjar_jetson_launcher._book import STOPPED, Outcome, SweepBook
from hydra_plugins.brainjar_jetson_launcher._ray._cluster import (
    alive_nodes,
    check_jobs,
    cluster_totals,
    forwarded_env,
    placeable,
    task_options,
)
from hydra_plugins.brainjar_jetson_launcher._ray._node import node_job
from hydra_plugins.brainjar_jetson_launcher._worker import task_module
from omegaconf import OmegaConf, open_dict, read_write

from brainjar_sweep._atomic import write_bytes_atomic
from brainjar_sweep._errors import first_line
from brainjar_sweep._imports import try_import
from brainjar_sweep.sweep.errors import JobFailure, JobInterrupted

with try_import("ray") as ray_import:  # the backend is chosen only when the extra is there
    import ray

log = logging.getLogger(__name__)

# the launcher options a node task needs
NODE_OPTIONS = (
    "timeout_s",
    "stop_grace_s",
    "start_method",
    "thermal_pause_c",
    "thermal_resume_c",
    "thermal_poll_s",
    "device_root",
)


def _write_back(job_dir: Path, files: dict[str, bytes], sweep_dir: str) -> None:
    """Write a job's files into its dir on this machine, in the order given (the ``job_files``
    hook puts last the file that marks a job done)."""
    for rel in files:
        body = files[rel]
        if rel == os.path.join(".hydra", "hydra.yaml"):
            body = _relocate_hydra_yaml(body, sweep_dir, job_dir)
        write_bytes_atomic(job_dir / rel, body)


def _relocate_hydra_yaml(body: bytes, sweep_dir: str, job_dir: Path) -> bytes:
    """The node ran the job in a scratch dir; its saved Hydra config names the real dirs."""
    cfg = OmegaConf.create(body.decode())
    with open_dict(cfg):
        cfg.hydra.sweep.dir = sweep_dir
        cfg.hydra.runtime.output_dir = str(job_dir.absolute())
    return OmegaConf.to_yaml(cfg).encode()


def _relocate_return(ret: JobReturn | None, sweep_dir: str, job_dir: Path) -> None:
    if ret is None or ret.hydra_cfg is None:
        return
    h = ret.hydra_cfg.hydra
    with read_write(h.sweep), open_dict(h.sweep):
        h.sweep.dir = sweep_dir
    with read_write(h.runtime), open_dict(h.runtime):
        h.runtime.output_dir = str(job_dir.absolute())
    ret.working_dir = os.getcwd()


def _unplaceable(need: Any, device: str | None, waited_s: float | None) -> str:
    """Why a job failed that no live node can hold.

    >>> from types import SimpleNamespace
    >>> _unplaceable(SimpleNamespace(memory_gb=4.5, threads=1), "orin_nx", 2.0)
    'no live Ray node can hold it any more (4.5 GB, 1 CPU, orin_nx) after 2 s; resume the sweep once such a node is back'
    """
    what = f"({need.memory_gb:.1f} GB, {need.threads} CPU{', ' + device if device else ''})"
    if waited_s is None:  # found so when the jobs were handed over
        return f"no live Ray node can hold it {what}; resume the sweep once such a node has joined"
    return (
        f"no live Ray node can hold it any more {what} after {waited_s:g} s; "
        "resume the sweep once such a node is back"
    )


class RayBackend:
    """Jobs as Ray tasks (:func:`node_job`) on the cluster's nodes."""

    def __init__(self, book: SweepBook, p: dict[str, Any], hydra_context: Any, task: Any) -> None:
        self.book = book
        self.p = p
        self.opts = opts = p.get("ray") or {}
        # jobs no live node can hold (a board died since the sweep began) fail alone
        self.unfit = check_jobs(p, book.cfgs, book.declared, book.hooks, strict=False)
        self.cpus, self.budget_gb = cluster_totals()
        log.info(
            "[jetson] %d jobs on Ray (%s): %d node(s), %g CPU, %.1f GB",
            book.n,
            opts.get("address", "auto"),
            len(alive_nodes()),
            self.cpus,
            self.budget_gb,
        )
        self.payload = ray.put(cloudpickle.dumps((hydra_context, task, hydra_state())))
        self.node_opts = {key: p.get(key) for key in NODE_OPTIONS if key in p}
        self.node_opts.update(
            task_module=task_module(task),
            preload=book.hooks.preload(),  # what each node's job-process server imports
            scratch_dir=opts.get("scratch_dir"),
            keep_scratch=bool(opts.get("keep_scratch", False)),
        )
        self.env = forwarded_env(list(opts.get("forward_env") or []))
        self.remote = ray.remote(node_job)
        self.poll_s = float(opts.get("poll_s", 2.0))
        self.next_poll = time.monotonic() + self.poll_s
        self.amount = float(opts.get("device_resource_amount", 0.001))
        self.unplaceable_s = float(opts.get("unplaceable_s", 120.0))
        self.unplaceable_since: dict[Any, float] = {}
        self.sweep_dir_value = (
            str(OmegaConf.select(book.cfgs[0], "hydra.sweep.dir")) if book.n else ""
        )
        self.inflight: dict[Any, int] = {}
        for i in self.unfit:
            where = book.hooks.placement(book.cfgs[i])
            book.fail(i, JobFailure(_unplaceable(book.declared[i], where.kind, None)))

    def _window(self) -> int:
        # keep about as many tasks in Ray's hands as the cluster has CPUs, so that "running"
        # means running and a later job does not wait behind a queue Ray cannot see through
        cap = max(1, int(self.cpus))
        max_parallel = self.p.get("max_parallel")
        return min(cap, max_parallel) if max_parallel else cap

    def ready(self, pending: list[int]) -> list[int]:
        return pending[: max(0, self._window() - len(self.inflight))]

    def submit(self, i: int) -> None:
        book = self.book
        cfg = book.cfgs[i].copy()
        # the job runs in a scratch dir elsewhere: its sweep is named after this machine's dir
        book.hooks.call("job_identity", cfg, book.sweep_dir)
        where = book.hooks.placement(cfg)
        ref = self.remote.options(**task_options(self.p, where.kind, book.declared[i])).remote(
            self.payload, cloudpickle.dumps(cfg), self.env, self.node_opts
        )
        self.inflight[ref] = i
        book.started(i)

    def running(self) -> dict[int, Slot]:
        return {i: self.book.declared[i] for i in self.inflight.values()}

    def poll(self, timeout: float) -> list[Outcome]:
        ended: list[Outcome] = []
        if self.inflight:
            # back as soon as one job ends (then take every other that has ended too)
            ready, rest = ray.wait(list(self.inflight), num_returns=1, timeout=timeout)
            if ready and rest:
                ready += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
            ended = [self._outcome(ref) for ref in ready]
        else:
            time.sleep(timeout)
        if time.monotonic() >= self.next_poll:
            self.next_poll = time.monotonic() + self.poll_s
            self.cpus, self.budget_gb = cluster_totals()
            ended += self._give_up_unplaceable(alive_nodes())
        return ended

    def _outcome(self, ref: Any) -> Outcome:
        i = self.inflight.pop(ref)
        self.unplaceable_since.pop(ref, None)
        try:
            out = ray.get(ref)
        except ray.exceptions.TaskCancelledError:
            return Outcome(i, failure=JobInterrupted(STOPPED))
        except ray.exceptions.RayTaskError as e:  # the task itself raised on its node
            cause = e.cause if isinstance(e.cause, BaseException) else e
            reason = f"the job's Ray task failed: {type(cause).__name__}: {cause}".splitlines()[0]
            return Outcome(i, failure=JobFailure(reason))
        except ray.exceptions.OutOfMemoryError as e:  # Ray's memory monitor killed it
            reason = "killed by Ray's memory monitor (the node ran out of memory): " + first_line(
                e, default=""
            )
            return Outcome(i, failure=JobFailure(reason[:500]))
        except ray.exceptions.RayError as e:  # node died, worker lost, object lost
            first = first_line(e, default="")
            retries = int(self.opts.get("max_node_retries", 3))
            reason = (
                f"its Ray node or worker died and {retries} re-run(s) did not finish it "
                f"({type(e).__name__}{': ' + first if first else ''})"
            )
            return Outcome(i, failure=JobFailure(reason))
        job_dir = self.book.job_dir(i)
        files = self.book.hooks.files(out["files"], out["node"])
        _write_back(job_dir, files, self.sweep_dir_value)
        return Outcome(
            i,
            data=out["data"],
            exitcode=out["exitcode"],
            timed_out=out["timed_out"],
            stopped=out["stopped"],
            node=out["node"]["ray_node_id"],
            then=lambda ret: _relocate_return(ret, self.sweep_dir_value, job_dir),
        )

    def _give_up_unplaceable(self, nodes: list[dict[str, Any]]) -> list[Outcome]:
        """Fail jobs that no live node can hold any more (their board died and stays away)."""
        now = time.monotonic()
        out = []
        for ref, i in list(self.inflight.items()):
            device = self.book.hooks.placement(self.book.cfgs[i]).kind
            if placeable(self.book.declared[i], device, self.amount, nodes):
                self.unplaceable_since.pop(ref, None)
                continue
            if now - self.unplaceable_since.setdefault(ref, now) < self.unplaceable_s:
                continue
            ray.cancel(ref, force=True)
            del self.inflight[ref]
            reason = _unplaceable(self.book.declared[i], device, self.unplaceable_s)
            out.append(Outcome(i, failure=JobFailure(reason)))
        return out

    def cancel(self, grace_s: float, hurried: Callable[[], str | None]) -> Iterator[Outcome]:
        for ref in self.inflight:
            ray.cancel(ref)  # KeyboardInterrupt in the task: it stops its job, sends the files
        deadline = time.monotonic() + grace_s + 5
        while self.inflight and time.monotonic() < deadline and not hurried():
            ready, _ = ray.wait(list(self.inflight), num_returns=len(self.inflight), timeout=0.5)
            for ref in ready:
                yield self._outcome(ref)
        yield from self.abort()

    def abort(self) -> list[Outcome]:
        out = []
        for ref in list(self.inflight):
            ray.cancel(ref, force=True)
            out.append(Outcome(self.inflight.pop(ref), failure=JobInterrupted(STOPPED)))
        return out
