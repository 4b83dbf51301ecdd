"""One ``launch`` call: own the sweep dir, book the jobs, pick the backend, drive it to the end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn, configure_log, setup_globals
from hydra_plugins.brainjar_jetson_launcher._admission import ThermalGate
from hydra_plugins.brainjar_jetson_launcher._backend import Backend, drive
from hydra_plugins.brainjar_jetson_launcher._book import SweepBook, compose_jobs
from hydra_plugins.brainjar_jetson_launcher._progress import Progress


def launch(
    launcher: Any, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
) -> Sequence[JobReturn]:
    """Run the jobs with the configured backend (``local`` processes or ``ray`` tasks)."""
    from brainjar_sweep.records import resolve_sweep_dir
    from brainjar_sweep.sweep.ownership import claim, held

    p, config = launcher.params, launcher.config
    setup_globals()
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    sweep_dir = resolve_sweep_dir(str(config.hydra.sweep.dir))
    # one owner per sweep dir: the sweeper may hold it already (then it releases it)
    ownership = held(sweep_dir)
    owns = ownership is None
    if ownership is None:
        ownership = claim(sweep_dir)
    try:
        cfgs = compose_jobs(
            launcher.hydra_context.config_loader, config, job_overrides, initial_job_idx
        )
        book = SweepBook(
            cfgs,
            job_overrides,
            initial_job_idx,
            sweep_dir,
            launcher.hooks,
            default_memory_gb=float(p.get("default_job_memory_gb", 1.0)),
            timeout_s=p.get("timeout_s"),
            ownership=ownership,
            report=launcher.report(sweep_dir),
        )
        launcher.jobs.update({job.num: job for job in book.jobs})
        backend, gate = _backend(book, launcher)
        progress = Progress(
            str(p.get("progress", "auto")),
            book.n,
            backend.budget_gb,
            float(p.get("progress_every_s", 5.0)),
        )
        drive(book, backend, progress, float(p.get("stop_grace_s", 10.0)), gate)
        return book.wrap_up()
    finally:
        if owns:
            ownership.release()


def _backend(book: SweepBook, launcher: Any) -> tuple[Backend, ThermalGate | None]:
    """The backend the options name; a local one admits jobs through a thermal gate."""
    p = launcher.params
    if p.get("backend", "local") == "ray":
        from hydra_plugins.brainjar_jetson_launcher._ray._driver import RayBackend

        return RayBackend(book, p, launcher.hydra_context, launcher.task_function), None
    from hydra_plugins.brainjar_jetson_launcher._local import LocalBackend

    from brainjar_sweep.device import hottest_zone_c

    root = p.get("device_root", "/")
    gate = ThermalGate(
        p.get("thermal_pause_c"),
        p.get("thermal_resume_c"),
        float(p.get("thermal_poll_s", 2.0)),
        read=lambda: hottest_zone_c(root),
    )
    return LocalBackend(book, p, launcher.hydra_context, launcher.task_function), gate
