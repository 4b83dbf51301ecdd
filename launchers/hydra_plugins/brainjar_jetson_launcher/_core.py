"""Scheduler and worker of the Jetson-aware launcher.

The parent composes every job's config (fast, see ``brainjar_sweep.sweep.compose``),
reads each job's declared memory and threads from it, and admits jobs in sweep order
while the running jobs' declared memory plus the next one's fits the memory budget, the
threads fit the CPU slots, the machine's live available memory stays above a margin and
no thermal zone is too hot. Each job runs in its own process (forked from a preloaded
server, or spawned), so a job that segfaults, is killed by the OOM killer or runs past
its timeout fails alone, with the reason, and Hydra gets a ``JobReturn`` for every job
in input order.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import cloudpickle
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, JobStatus, run_job, setup_globals
from omegaconf import DictConfig, OmegaConf, open_dict

from brainjar_sweep._hooks import load_dotted  # noqa: E402

log = logging.getLogger(__name__)

GiB = 1024**3


from brainjar_sweep.sweep.errors import JobFailure, JobInterrupted, JobTimeout  # noqa: E402
from brainjar_sweep.sweep.lifecycle import DEAD_OWNER  # noqa: E402

# --------------------------------------------------------------------- admission


@dataclass
class Slot:
    """A job's declared needs."""

    memory_gb: float
    threads: int


@dataclass
class Admission:
    """Decides which pending jobs may start now (pure logic, no processes).

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


# ------------------------------------------------------------------------ worker


def check_params(p: dict[str, Any]) -> None:
    """Refuse a bad launcher option with a one-line :class:`ConfigError`."""
    from brainjar_sweep.config.errors import ConfigError

    def positive(key: str, allow_none: bool = True) -> None:
        v = p.get(key)
        if v is None and allow_none:
            return
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            raise ConfigError(
                f"hydra.launcher.{key}", v, "a number > 0" + (" or null" if allow_none else "")
            )

    choices = {
        "start_method": ("forkserver", "spawn"),
        "progress": ("auto", "rich", "plain", "none"),
    }
    for key, allowed in choices.items():
        if key in p and p[key] not in allowed:
            raise ConfigError(f"hydra.launcher.{key}", p[key], "one of " + ", ".join(allowed))
    rf = p.get("reserve_fraction", 0.3)
    if isinstance(rf, bool) or not isinstance(rf, (int, float)) or not 0 <= rf < 1:
        raise ConfigError("hydra.launcher.reserve_fraction", rf, "a number in [0, 1)")
    for key in (
        "memory_budget_gb",
        "cpu_slots",
        "max_parallel",
        "timeout_s",
        "thermal_pause_c",
        "thermal_resume_c",
    ):
        positive(key)
    for key in ("default_job_memory_gb", "thermal_poll_s", "progress_every_s", "stop_grace_s"):
        if key in p:
            positive(key, allow_none=False)
    if p.get("safety_margin_gb", 0) is None or p.get("safety_margin_gb", 0) < 0:
        raise ConfigError(
            "hydra.launcher.safety_margin_gb", p.get("safety_margin_gb"), "a number >= 0"
        )
    backend = p.get("backend", "local")
    if backend not in ("local", "ray"):
        raise ConfigError("hydra.launcher.backend", backend, "one of local, ray")
    if backend == "ray":
        _check_ray_params(p.get("ray") or {})


def _check_ray_params(r: dict[str, Any]) -> None:
    from brainjar_sweep._imports import extra_available, install_hint
    from brainjar_sweep.config.errors import ConfigError

    if not extra_available("ray"):
        raise ConfigError(
            "hydra.launcher.backend", "ray", f"local, or ray once installed: {install_hint('ray')}"
        )
    address = r.get("address", "auto")
    if not isinstance(address, str) or not address.strip():
        raise ConfigError("hydra.launcher.ray.address", address, "host:port, auto or local")
    retries = r.get("max_node_retries", 3)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigError("hydra.launcher.ray.max_node_retries", retries, "an integer >= 0")
    amount = r.get("device_resource_amount", 0.001)
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 < amount <= 1:
        raise ConfigError("hydra.launcher.ray.device_resource_amount", amount, "a number in (0, 1]")
    for key in ("poll_s", "unplaceable_s"):
        value = r.get(key, 1.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"hydra.launcher.ray.{key}", value, "a number > 0")
    env = r.get("forward_env", [])
    if not isinstance(env, (list, tuple)) or not all(isinstance(x, str) for x in env):
        raise ConfigError(
            "hydra.launcher.ray.forward_env", env, "a list of variable names or globs"
        )


def _restore_state(state: dict[str, Any]) -> None:
    """Hydra's ``Singleton.set_state`` without re-scanning plugins when they are loaded already."""
    from hydra.core.plugins import Plugins
    from omegaconf.basecontainer import BaseContainer

    plugins = Singleton._instances.get(Plugins)
    Singleton._instances = state["instances"]
    if plugins is not None:
        Singleton._instances[Plugins] = plugins
    else:
        Plugins.instance()
    BaseContainer._resolvers = state["omegaconf_resolvers"]


def _libc() -> Any:
    """The C library (Linux), loaded once here so that forked jobs inherit it."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def pdeathsig(sig: int, parent: int) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies; False if ``parent``
    (the expected parent's pid) is gone already. Elsewhere than Linux this is a no-op."""
    if _LIBC is not None:
        try:
            _LIBC.prctl(1, int(sig))  # PR_SET_PDEATHSIG
        except AttributeError:
            pass
    return os.getppid() == parent


def _die_with_parent(owner_pid: int) -> None:
    """Tie this job's life to its sweep's, whatever the start method.

    With forkserver the job's parent is the job-process server, which dies with the sweep
    (see ``_warm``): the job gets SIGKILL when the server dies. The server also hands every
    job the sweep's "still alive" pipe end, which would keep the server up while any job
    lives; the job closes it. With spawn the parent is the sweep itself.
    """
    from multiprocessing import forkserver

    parent = os.getppid()
    warm = sys.modules.get("hydra_plugins.brainjar_jetson_launcher._warm")
    server = getattr(warm, "SERVER_PID", None)
    alive_fd = getattr(forkserver._forkserver, "_forkserver_alive_fd", None)
    if server is not None and alive_fd is not None:
        try:
            os.close(alive_fd)
        except OSError:
            pass
        forkserver._forkserver._forkserver_alive_fd = None
    # the expected parent: our job-process server, or the sweep (spawn); a server started by
    # something else than this launcher (without _warm) is the job's parent as found
    expected = server if server is not None else owner_pid if parent == owner_pid else parent
    if not pdeathsig(signal.SIGKILL, expected):
        os._exit(1)  # the parent died before the request took effect


def _child(
    payload: bytes, job: bytes, conn: Connection, cwd: str, env: dict[str, str], owner_pid: int
) -> None:
    """Runs in the job's own process: restore Hydra's state, run the job, send the JobReturn.

    A process forked from the preloaded server starts with the server's working directory
    and environment, so the launching process's are applied first.
    """
    _die_with_parent(owner_pid)
    # the sweep alone stops its jobs (with SIGTERM): a Ctrl-C or a hang-up sent to the whole
    # process group reaches the sweep, which stops each job once
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # until the task installs its own handler, SIGTERM interrupts the job like Ctrl-C
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        hydra_context, task_function, state = cloudpickle.loads(payload)
        sweep_config = cloudpickle.loads(job)
        setup_globals()
        _restore_state(state)
        ret = run_job(
            hydra_context=hydra_context,
            task_function=task_function,
            config=sweep_config,
            job_dir_key="hydra.sweep.dir",
            job_subdir_key="hydra.sweep.subdir",
        )
        if ret.status == JobStatus.FAILED:
            exc = ret._return_value
            tb = "".join(traceback.format_exception(exc))
            if hasattr(exc, "add_note"):
                exc.add_note("worker traceback:\n" + tb)
            ret._return_value = exc
            ret.worker_traceback = tb  # type: ignore[attr-defined]
        try:
            data = cloudpickle.dumps(ret)
        except Exception:  # an unpicklable return value or exception
            ret._return_value = RuntimeError(repr(ret._return_value))
            ret.status = JobStatus.FAILED
            data = cloudpickle.dumps(ret)
    except KeyboardInterrupt as e:  # the job recorded itself as interrupted
        data = cloudpickle.dumps(JobInterrupted(f"interrupted: {e}" if str(e) else "interrupted"))
    except BaseException:
        data = cloudpickle.dumps(JobFailure("worker error:\n" + traceback.format_exc()))
    conn.send_bytes(data)
    conn.close()


# ------------------------------------------------------------------------ progress


class _Progress:
    def __init__(self, mode: str, total: int, budget_gb: float, every_s: float) -> None:
        if mode == "auto":
            mode = "rich" if sys.stdout.isatty() else "plain"
        self.mode = mode
        self.total = total
        self.budget = budget_gb
        self.every = every_s
        self.t0 = time.monotonic()
        self.last = 0.0
        self.live: Any = None
        if mode == "rich":
            from rich.live import Live

            self.live = Live(self._line(0, 0, 0, 0.0, None), refresh_per_second=4, transient=False)
            self.live.start()

    def _line(
        self, done: int, running: int, failed: int, reserved: float, temp: float | None
    ) -> str:
        elapsed = time.monotonic() - self.t0
        eta = elapsed / done * (self.total - done) if done else None
        parts = [
            f"jobs {done}/{self.total} done",
            f"{running} running",
            f"{failed} failed",
            f"memory {reserved:.1f}/{self.budget:.1f} GB reserved",
        ]
        if temp is not None:
            parts.append(f"{temp:.0f} C")
        parts.append(f"elapsed {elapsed:.0f}s")
        parts.append(f"ETA {eta:.0f}s" if eta is not None else "ETA ?")
        return " | ".join(parts)

    def update(
        self,
        done: int,
        running: int,
        failed: int,
        reserved: float,
        temp: float | None,
        force: bool = False,
    ) -> None:
        line = self._line(done, running, failed, reserved, temp)
        if self.mode == "rich" and self.live is not None:
            try:
                self.live.update(line)
            except OSError:  # the terminal is gone (a dropped SSH session): no more bar
                self.live, self.mode = None, "none"
        elif self.mode == "plain":
            now = time.monotonic()
            if force or now - self.last >= self.every:
                self.last = now
                log.info("[jetson] %s", line)

    def close(self) -> None:
        if self.live is not None:
            live, self.live = self.live, None
            try:
                live.stop()
            except OSError:  # the terminal is gone
                pass


# ------------------------------------------------------------------------ launch


@dataclass
class _Running:
    idx: int
    proc: Any
    conn: Connection
    started: float
    slot: Slot
    data: bytes | None = None
    timed_out: bool = False
    stopped: bool = False
    kill_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _context(method: str, task_function: Any) -> Any:
    from hydra_plugins.brainjar_jetson_launcher._warm import PARENT_ENV

    ctx = mp.get_context(method)
    if method == "forkserver":
        # the server, started by this process, dies with it (see _warm)
        os.environ[PARENT_ENV] = str(os.getpid())
        preload = ["hydra_plugins.brainjar_jetson_launcher._warm", __name__]
        module = getattr(task_function, "__module__", None)
        if module and module != "__main__":
            preload.append(module)
        ctx.set_forkserver_preload(preload)
    return ctx


def _failed_return(cfg: DictConfig, overrides: Sequence[str], exc: BaseException) -> JobReturn:
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


def job_file_status(path: Path) -> str | None:
    """The status a job's ``result.json`` gives (None: no readable file).

    >>> job_file_status(Path("/nonexistent/result.json")) is None
    True
    """
    body = _read_json(path)
    return str(body["status"]) if "status" in body else None


def _read_json(path: Path) -> dict[str, Any]:
    import json

    try:
        body = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}


def _completed(data: bytes) -> bool:
    try:
        obj = cloudpickle.loads(data)
    except Exception:  # noqa: BLE001
        return False
    return isinstance(obj, JobReturn) and obj.status == JobStatus.COMPLETED


def declared_needs(p: dict[str, Any], cfgs: Sequence[DictConfig]) -> dict[int, Slot]:
    """Each job's memory and threads as its config declares them (``job_resources``)."""
    needs_fn = load_dotted(p.get("job_resources"))
    default_mem = float(p.get("default_job_memory_gb", 1.0))
    out = {}
    for i, cfg in enumerate(cfgs):
        mem, threads = needs_fn(cfg) if needs_fn else (None, 1)
        out[i] = Slot(float(mem) if mem is not None else default_mem, max(1, int(threads)))
    return out


class SweepState:
    """What both backends share for one ``launch`` call: the composed jobs, their needs, the
    sweep files' records, and turning each job's outcome into a ``JobReturn``."""

    def __init__(
        self, launcher: Any, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> None:
        from hydra.core.utils import configure_log

        from brainjar_sweep.records import (
            JobRecord,
            load_records,
            record_from_result,
            resolve_sweep_dir,
            sweep_id_for,
        )
        from brainjar_sweep.sweep.compose import JobComposer
        from brainjar_sweep.sweep.ownership import claim, held

        self.launcher = launcher
        self.p = p = launcher.params
        self.config = config = launcher.config
        self.hydra_context = launcher.hydra_context
        self.task_function = launcher.task_function
        self.job_overrides = job_overrides
        self.initial_job_idx = initial_job_idx
        setup_globals()
        configure_log(config.hydra.hydra_logging, config.hydra.verbose)
        self.sweep_dir = resolve_sweep_dir(str(config.hydra.sweep.dir))
        # one owner per sweep dir: the sweeper may hold it already (then it releases it)
        self.ownership = held(self.sweep_dir)
        self.owns = self.ownership is None
        if self.ownership is None:
            self.ownership = claim(self.sweep_dir)
        self.timeout: float | None = p.get("timeout_s")
        self.grace = float(p.get("stop_grace_s", 10.0))
        composer = JobComposer(self.hydra_context.config_loader, config)
        self.n = n = len(job_overrides)
        self.cfgs: list[DictConfig] = []
        for i, ov in enumerate(job_overrides):
            idx = initial_job_idx + i
            cfg = composer.compose(ov)
            with open_dict(cfg):
                cfg.hydra.job.id = f"{cfg.hydra.job.name}_{idx}"
                cfg.hydra.job.num = idx
            self.cfgs.append(cfg)
        # each job's needs as its config declares them (threads not yet capped by a machine)
        self.declared = declared_needs(p, self.cfgs)

        self.sweep_id = sweep_id_for(
            self.sweep_dir, OmegaConf.select(config, "sweep_id", default=None)
        )
        # every job of the sweep, by number: the sweeper may announce the whole plan (and, on
        # resume, the records of the earlier run are read back), so the files always list all jobs
        book: dict[int, JobRecord] = getattr(launcher, "_records", None) or {}
        if not book:
            plan: dict[int, list[str]] = getattr(launcher, "sweep_plan", None) or {}
            book.update(
                {num: JobRecord(job_num=num, overrides=list(ov)) for num, ov in plan.items()}
            )
            if getattr(launcher, "sweep_resume", False):
                book.update(load_records(self.sweep_dir, plan))
                for rec in book.values():  # a dead owner's jobs (the sweeper settled them)
                    if rec.status == "running":
                        rec.status, rec.reason = "interrupted", DEAD_OWNER
                # jobs the sweeper found completed: their own result.json is the truth
                for num, job_dir in (getattr(launcher, "sweep_skipped", None) or {}).items():
                    rec = record_from_result(num, plan.get(num, []), job_dir)
                    if rec is not None:
                        book[num] = rec
        self.records = []
        for i, ov in enumerate(job_overrides):
            rec = JobRecord(
                job_num=initial_job_idx + i,
                overrides=list(ov),
                memory_gb=self.declared[i].memory_gb,
            )
            book[rec.job_num] = rec
            self.records.append(rec)
        launcher._records = self.book = book

        self.results: list[JobReturn | None] = [None] * n
        self.failed = 0
        self.dirty = False
        self.write_files = bool(p.get("sweep_files", True))
        # records how each job ended where the task keeps its own records (DB, result.json)
        self.job_end = load_dotted(p.get("job_end"))
        self.pids: dict[int, int] = {}

    def job_dir(self, i: int) -> Path:
        """Where job ``i``'s files belong on the launching machine."""
        return self.sweep_dir / str(OmegaConf.select(self.cfgs[i], "hydra.sweep.subdir"))

    def prepare(self, i: int) -> None:
        """Before job ``i`` starts: an earlier attempt's unfinished ``result.json`` goes, so
        the one found after the job ends is this attempt's."""
        path = self.job_dir(i) / "result.json"
        if job_file_status(path) not in (None, "completed"):
            path.unlink(missing_ok=True)

    def started(self, i: int, node: str | None = None, pid: int | None = None) -> None:
        if pid is not None:
            self.pids[i] = pid
            self.ownership.job_started(self.initial_job_idx + i, pid)
        self.records[i].status = "running"
        self.records[i].start_time = _now()
        self.dirty = True  # the sweep files list running jobs too
        if node is not None:
            self.records[i].node = node
        log.info("[jetson] \t#%d : %s", self.initial_job_idx + i, " ".join(self.job_overrides[i]))

    def flush_files(self) -> None:
        from brainjar_sweep.records import write_sweep_files

        self.dirty = False
        if self.write_files:
            write_sweep_files(
                self.sweep_dir, self.sweep_id, [self.book[k] for k in sorted(self.book)]
            )

    def finish(
        self, idx: int, ret: JobReturn, status: str, reason: str | None, started: float
    ) -> None:
        """Job ``idx`` ended: its one outcome goes to its records (through the ``job_end``
        hook: the experiments DB and ``result.json``), the sweep files and Hydra."""
        self.failed += status != "completed"
        self.results[idx] = ret
        if self.job_end is not None:
            try:
                self.job_end(self.cfgs[idx], self.job_dir(idx), status, reason, self.pids.get(idx))
            except Exception as e:  # noqa: BLE001  the sweep files still say how it ended
                log.error("[jetson] job #%d: could not record its end: %s", idx, e)
        self.ownership.job_ended(self.initial_job_idx + idx)
        rec = self.records[idx]
        rec.status, rec.reason = status, reason
        rec.end_time = _now()
        rec.duration_seconds = round(time.monotonic() - started, 3)
        if status == "completed" and isinstance(ret._return_value, dict):
            rec.metrics = {k: v for k, v in ret._return_value.items() if k != "experiment_id"}
            rec.experiment_id = ret._return_value.get("experiment_id")
        # the files are rewritten after the next admission, so a free slot is refilled first
        self.dirty = True

    def fail(self, idx: int, exc: JobFailure, status: str, started: float) -> None:
        """Finish job ``idx`` without a result of its own (it died, timed out, was stopped)."""
        ret = _failed_return(self.cfgs[idx], self.job_overrides[idx], exc)
        self.finish(idx, ret, status, str(exc).splitlines()[0], started)

    def settle(
        self,
        idx: int,
        *,
        data: bytes | None,
        exitcode: int | None,
        timed_out: bool,
        stopped: bool,
        started: float,
        kill_reason: str | None = None,
    ) -> None:
        """Turn what a job's process left (its pickled result, or how it ended) into a JobReturn.

        A ``result.json`` this attempt wrote saying completed wins: the experiment ended and
        recorded itself, whatever happened to its process afterwards (e.g. a signal).
        """
        body = _read_json(self.job_dir(idx) / "result.json")
        if body.get("status") == "completed" and not (data is not None and _completed(data)):
            ret = _failed_return(self.cfgs[idx], self.job_overrides[idx], JobFailure(""))
            ret.status = JobStatus.COMPLETED
            metrics = body.get("metrics") if isinstance(body.get("metrics"), dict) else {}
            ret._return_value = {
                "status": "completed",
                "experiment_id": body.get("experiment_id"),
                **{
                    k: v for k, v in metrics.items() if isinstance(v, (int, float, str, type(None)))
                },
            }
            self.finish(idx, ret, "completed", None, started)
            return
        if timed_out:
            self.fail(idx, JobTimeout(f"timed out after {self.timeout} s"), "timeout", started)
            return
        if data is None:
            if stopped:
                reason = kill_reason or "interrupted (stopped with the sweep)"
                self.fail(idx, JobInterrupted(reason), "interrupted", started)
                return
            if exitcode is not None and exitcode < 0:
                reason = f"killed by {_signal_name(exitcode)}"
                if exitcode == -signal.SIGKILL:
                    reason += " (out-of-memory killer or an external kill)"
            else:
                reason = f"exited with code {exitcode} without a result"
            self.fail(idx, JobFailure(reason), "failed", started)
            return
        try:
            obj = cloudpickle.loads(data)
        except Exception as e:  # e.g. an exception type that cannot be rebuilt here
            reason = f"the job's result could not be read back ({type(e).__name__}: {e})"
            self.fail(idx, JobFailure(reason), "failed", started)
            return
        if isinstance(obj, JobFailure):
            status = "interrupted" if isinstance(obj, JobInterrupted) else "failed"
            self.fail(idx, obj, status, started)
        elif obj.status == JobStatus.COMPLETED:
            self.finish(idx, obj, "completed", None, started)
        else:
            exc = obj._return_value
            self.finish(idx, obj, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0], started)

    def done_count(self) -> int:
        return sum(r is not None for r in self.results)

    def wrap_up(self) -> Sequence[JobReturn]:
        """Write the sweep files, log what did not complete, return the JobReturns in order."""
        if self.dirty:
            self.flush_files()
        bad = [rec for rec in self.records if rec.status != "completed"]
        for rec in bad:
            log.error(
                "[jetson] job #%d %s: %s (%s)",
                rec.job_num,
                rec.status,
                rec.reason,
                " ".join(rec.overrides),
            )
        log.info("[jetson] %d completed, %d failed", self.n - len(bad), len(bad))
        assert all(r is not None for r in self.results)
        return self.results  # type: ignore[return-value]


def launch(
    launcher: Any, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
) -> Sequence[JobReturn]:
    """Run the jobs with the configured backend (``local`` processes or ``ray`` tasks)."""
    state = SweepState(launcher, job_overrides, initial_job_idx)
    try:
        if launcher.params.get("backend", "local") == "ray":
            from hydra_plugins.brainjar_jetson_launcher import _ray

            _ray.run(state)
        else:
            _run_local(state)
        return state.wrap_up()
    finally:
        if state.owns:
            state.ownership.release()


def _run_local(st: SweepState) -> None:
    from brainjar_sweep.device import hottest_zone_c, memory_budget_gb, parallel_capacity

    p, n = st.p, st.n
    import psutil

    total_gb = psutil.virtual_memory().total / GiB
    budget = p.get("memory_budget_gb") or memory_budget_gb(total_gb, p.get("reserve_fraction", 0.3))
    cores = os.cpu_count() or 1
    slots = p.get("cpu_slots") or cores
    needs = {i: Slot(s.memory_gb, min(s.threads, slots)) for i, s in st.declared.items()}

    admission = Admission(
        budget_gb=budget,
        cpu_slots=slots,
        max_parallel=p.get("max_parallel"),
        backfill=bool(p.get("backfill", True)),
        safety_margin_gb=float(p.get("safety_margin_gb", 1.0)),
    )
    log.info(
        "[jetson] %d jobs; memory budget %.1f GB of %.1f GB, %d CPU slots; "
        "first job needs %.1f GB, %d thread(s); up to %d at once",
        n,
        budget,
        total_gb,
        slots,
        needs[0].memory_gb if n else 0,
        needs[0].threads if n else 0,
        parallel_capacity(
            budget_gb=budget,
            job_mem_gb=needs[0].memory_gb,
            cpu_cores=slots,
            threads_per_job=needs[0].threads,
            hard_cap=p.get("max_parallel"),
        )
        if n
        else 0,
    )

    payload = cloudpickle.dumps((st.hydra_context, st.task_function, Singleton.get_state()))
    ctx = _context(p.get("start_method", "forkserver"), st.task_function)
    timeout = st.timeout
    pause_c, resume_c = p.get("thermal_pause_c"), p.get("thermal_resume_c")
    root = p.get("device_root", "/")
    poll_t = float(p.get("thermal_poll_s", 2.0))
    grace = st.grace

    pending = list(range(n))
    running: dict[int, _Running] = {}
    paused = False
    temp: float | None = None
    next_temp = 0.0
    progress = _Progress(
        str(p.get("progress", "auto")), n, budget, float(p.get("progress_every_s", 5.0))
    )

    def reap(r: _Running) -> None:
        st.settle(
            r.idx,
            data=r.data,
            exitcode=r.proc.exitcode,
            timed_out=r.timed_out,
            stopped=r.stopped,
            started=r.started,
            kill_reason=r.kill_reason,
        )

    def collect(r: _Running) -> None:
        if r.data is None and r.conn.poll():
            try:
                r.data = r.conn.recv_bytes()
            except EOFError:
                pass

    def stop_all() -> None:
        """Stop running jobs (SIGTERM: they record themselves as interrupted), then reap them.

        Another Ctrl-C, SIGTERM or SIGHUP meanwhile does not cut this short: it kills the jobs
        still running at once, and each is still recorded (interrupted, killed).
        """
        hurry: list[int] = []

        def again(signum: int, _frame: Any) -> None:
            hurry.append(signum)

        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, again)
        for r in running.values():
            r.stopped = True
            if r.proc.is_alive():
                r.proc.terminate()
        deadline = time.monotonic() + grace
        while running and time.monotonic() < deadline and not hurry:
            wait([x for r in running.values() for x in (r.conn, r.proc.sentinel)], timeout=0.2)
            for i, r in list(running.items()):
                collect(r)
                if not r.proc.is_alive():
                    r.proc.join()
                    collect(r)
                    r.conn.close()
                    del running[i]
                    reap(r)
            if st.dirty:  # the files say which jobs have stopped while others still stop
                st.flush_files()
        why = f"a second {signal.Signals(hurry[0]).name}" if hurry else f"the {grace:g} s grace"
        for i, r in list(running.items()):
            r.proc.kill()
            r.proc.join()
            collect(r)
            r.conn.close()
            r.kill_reason = f"interrupted: killed (SIGKILL) after {why}"
            del running[i]
            reap(r)

    # SIGTERM (a service manager, a batch system) and SIGHUP (a closed terminal or SSH
    # session) on the sweep are handled like Ctrl-C
    old_handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            old_handlers[sig] = signal.signal(sig, signal.default_int_handler)
    try:
        while pending or running:
            now = time.monotonic()
            if pause_c is not None and now >= next_temp:
                temp = hottest_zone_c(root)
                next_temp = now + poll_t
                if temp is not None and not paused and temp >= pause_c:
                    paused = True
                    log.warning("[jetson] admission paused: %.1f C >= %.1f C", temp, pause_c)
                elif paused and (
                    temp is None or temp < (resume_c if resume_c is not None else pause_c)
                ):
                    paused = False
                    log.warning(
                        "[jetson] admission resumed: %s C", "?" if temp is None else f"{temp:.1f}"
                    )
            if not paused and pending:
                live = psutil.virtual_memory().available / GiB
                for i in admission.pick(
                    pending, needs, {r.idx: r.slot for r in running.values()}, live
                ):
                    pending.remove(i)
                    st.prepare(i)
                    recv, send = ctx.Pipe(duplex=False)
                    proc = ctx.Process(
                        target=_child,
                        args=(
                            payload,
                            cloudpickle.dumps(st.cfgs[i]),
                            send,
                            os.getcwd(),
                            dict(os.environ),
                            os.getpid(),
                        ),
                        name=f"jetson-job-{st.initial_job_idx + i}",
                    )
                    proc.start()
                    send.close()
                    running[i] = _Running(i, proc, recv, time.monotonic(), needs[i])
                    st.started(i, pid=proc.pid)
            if st.dirty:
                st.flush_files()
            reserved = sum(r.slot.memory_gb for r in running.values())
            progress.update(
                n - len(pending) - len(running), len(running), st.failed, reserved, temp
            )
            if not running:
                time.sleep(min(poll_t, 0.5))
                continue
            wait([x for r in running.values() for x in (r.conn, r.proc.sentinel)], timeout=0.2)
            for i, r in list(running.items()):
                collect(r)
                if (
                    timeout is not None
                    and r.proc.is_alive()
                    and time.monotonic() - r.started > timeout
                ):
                    r.timed_out = True
                    r.proc.terminate()
                    r.proc.join(5)
                    if r.proc.is_alive():
                        r.proc.kill()
                if r.proc.is_alive():
                    continue
                r.proc.join()
                collect(r)
                r.conn.close()
                del running[i]
                reap(r)
            reserved = sum(r.slot.memory_gb for r in running.values())
            progress.update(
                n - len(pending) - len(running), len(running), st.failed, reserved, temp
            )
    except KeyboardInterrupt:
        log.warning(
            "[jetson] interrupted: stopping %d running job(s), starting no more", len(running)
        )
        stop_all()
        for i in pending:
            st.records[i].status = "pending"
        st.flush_files()
        progress.close()
        st.launcher.interrupted_results = st.results
        raise
    finally:
        for sig, handler in old_handlers.items():
            signal.signal(sig, handler)
        if running:  # an unexpected error: leave no job behind, and record each
            for r in running.values():
                r.proc.kill()
                r.proc.join()
                r.stopped = True
                r.kill_reason = "interrupted: killed (SIGKILL) when the sweep itself failed"
                try:
                    reap(r)
                except Exception:  # noqa: BLE001  the error that got us here is the headline
                    log.exception("[jetson] job #%d could not be recorded", r.idx)
        progress.update(n - len(pending) - len(running), 0, st.failed, 0.0, temp, force=True)
        progress.close()
