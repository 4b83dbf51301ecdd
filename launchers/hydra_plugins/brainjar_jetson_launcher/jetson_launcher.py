"""The Jetson-aware launcher: admits jobs by memory, CPU and temperature, one process per job."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from hydra_plugins.brainjar_jetson_launcher.config import JetsonLauncherConf  # noqa: F401
from omegaconf import DictConfig, OmegaConf


class JetsonLauncher(Launcher):
    """Thin plugin class: options, hooks and the sweeper's hand-over; the work is in ``_launch``."""

    def __init__(self, **kwargs: Any) -> None:
        from hydra_plugins.brainjar_jetson_launcher._hooks import Hooks
        from hydra_plugins.brainjar_jetson_launcher._options import check_params

        # plain Python values (the ray block arrives as a DictConfig)
        kwargs = {
            k: OmegaConf.to_container(v, resolve=True) if OmegaConf.is_config(v) else v
            for k, v in kwargs.items()
        }
        check_params(kwargs)  # a bad option is one line, before any job
        self.params = kwargs
        self.hooks = Hooks(kwargs)  # a hook that names nothing is one line too
        self.plan: Any = None
        self._report: Any = None
        # the progress display kept across the launches of one sweep (a plan with a total)
        self.display: Any = None
        # every job this launcher was given, by number (the book's entries)
        self.jobs: dict[int, Any] = {}
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None
        # the jobs' process server started by warm_up, until a launch takes it
        self.warm_server: Any = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    def warm_up(self) -> None:
        """Start what the jobs' processes start from now, in the background (the sweeper
        calls it before it checks its jobs): the local backend's job-process server imports
        the app while the sweeper works, instead of before the first job."""
        if self.params.get("backend", "local") != "local" or self.warm_server is not None:
            return
        if self.params.get("start_method", "forkserver") != "forkserver":
            return  # spawn: no server to start; the launch pickles its payload itself, once
        from hydra_plugins.brainjar_jetson_launcher._job_server import launcher_server
        from hydra_plugins.brainjar_jetson_launcher._worker import server_running

        if server_running():  # an earlier launch's: a launch checks it holds its payload
            return

        server = launcher_server(self)
        server.start()
        self.warm_server = server

    def hand_over(self, plan: Any) -> None:
        """The sweeper's plan (a ``plan.SweepPlan``): every job of the sweep, before the first launch."""
        self.sweep_ended()  # a display of an earlier sweep does not go on
        self.plan = plan
        self._report = None

    def sweep_ended(self) -> None:
        """The sweeper's word that no launch of this sweep follows: the progress display
        kept across its launches closes (its last state stays on the terminal)."""
        if self.display is not None:
            display, self.display = self.display, None
            display.end()

    def ended(self) -> dict[int, tuple[str, str | None]]:
        """How each job that ended, of those given so far, ended: number -> (status, reason)."""
        return {
            n: (job.status, job.reason)
            for n, job in self.jobs.items()
            if job.status not in ("pending", "running")
        }

    def report(self, sweep_dir: Path) -> Any:
        """The ``sweep_report`` hook's reporter for this sweep (one for the launcher's life)."""
        if self._report is None and self.params.get("sweep_files", True):
            if self.hooks.has("sweep_report"):
                self._report = self.hooks.call("sweep_report", sweep_dir, self.config, self.plan)
        return self._report

    def capacity_plan(self, configs: Sequence[DictConfig]) -> Any:
        """How many of these jobs fit at once on this machine (the dry run prints it)."""
        from hydra_plugins.brainjar_jetson_launcher._admission import CapacityPlan

        from brainjar_sweep.device import detect

        info = detect(str(self.params.get("device_root", "/")))
        declared = self.hooks.needs(configs, float(self.params.get("default_job_memory_gb", 1.0)))
        return CapacityPlan.of(
            self.params, list(declared.values()), info.total_ram_gb or 0.0, info.cpu_cores or 1
        )

    @property
    def checks_jobs(self) -> bool:
        """Whether :meth:`check_jobs` wants every job's config before the sweep starts."""
        return self.params.get("backend", "local") == "ray"

    def check_jobs(self, configs: Sequence[DictConfig]) -> None:
        """Refuse, in one line and before any job, what the backend cannot run."""
        if self.checks_jobs:
            from hydra_plugins.brainjar_jetson_launcher._ray._cluster import check_jobs

            cfgs = configs if isinstance(configs, Sequence) else list(configs)
            default = float(self.params.get("default_job_memory_gb", 1.0))
            check_jobs(self.params, cfgs, self.hooks.needs(cfgs, default), self.hooks)

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        from hydra_plugins.brainjar_jetson_launcher._launch import launch

        return launch(self, job_overrides, initial_job_idx)

    def launch_each(
        self,
        next_job: Callable[[], Sequence[str] | None],
        on_done: Callable[[int, JobReturn], None],
        initial_job_idx: int,
        total: int | None = None,
    ) -> None:
        """The streamed launch: ask ``next_job`` for a job's overrides whenever admission
        would start one (None: no more), number jobs in start order from
        ``initial_job_idx``, call ``on_done(job_num, return)`` as each ends (an interrupted
        one too), and return once every started job has ended. ``total`` (the number of
        jobs expected, if known) is for the progress display."""
        from hydra_plugins.brainjar_jetson_launcher._launch import launch_each

        launch_each(self, next_job, on_done, initial_job_idx, total)
