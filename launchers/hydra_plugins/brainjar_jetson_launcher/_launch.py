"""One ``launch`` call: own the sweep dir, book the jobs, pick the backend, drive it to the end.

:func:`launch_each` is the streamed form: jobs are asked one by one as admission would
start one, and each is handed back as it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.core.utils import JobReturn, configure_log, setup_globals
from hydra_plugins.brainjar_jetson_launcher._admission import ThermalGate
from hydra_plugins.brainjar_jetson_launcher._backend import Backend, drive
from hydra_plugins.brainjar_jetson_launcher._book import Planned, SweepBook, planned_from
from hydra_plugins.brainjar_jetson_launcher._forked_server import thaw
from hydra_plugins.brainjar_jetson_launcher._progress import Progress

if TYPE_CHECKING:
    from brainjar_sweep.sweep.compose import JobConfigs


def launch(
    launcher: Any, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
) -> Sequence[JobReturn]:
    """Run the jobs with the configured backend (``local`` processes or ``ray`` tasks).

    Each job's config is composed (by one ``JobComposer``, Hydra's own override code) when
    it starts, and only a running job's is kept; the hooks read each job's needs from the
    experiment the sweeper checked (the plan's), else from its config composed for them.
    """
    from brainjar_sweep.sweep.compose import JobComposer, JobConfigs

    with _owned_sweep(launcher) as (sweep_dir, ownership):
        composer = JobComposer(launcher.hydra_context.config_loader, launcher.config)
        nums = range(initial_job_idx, initial_job_idx + len(job_overrides))
        cfgs = JobConfigs(composer, job_overrides, nums)
        kept: dict[int, Any] = {}
        if launcher.params.get("hooks_read_plans", False):
            kept = planned_from(launcher.plan, nums, launcher.jobs)
        planned = Planned(cfgs, kept) if kept else None
        book = _book(launcher, cfgs, job_overrides, initial_job_idx, sweep_dir, ownership, planned)
        backend, gate = _backend(book, launcher)
        progress = _progress(launcher, book.n, backend)
        drive(book, backend, progress, float(launcher.params.get("stop_grace_s", 10.0)), gate)
        return book.wrap_up()


@contextmanager
def _owned_sweep(launcher: Any) -> Iterator[tuple[Path, Any]]:
    """Hydra's globals and logging set up, and the sweep dir owned for the launch (the sweeper
    may hold it already: then it releases it)."""
    from brainjar_sweep.records import resolve_sweep_dir
    from brainjar_sweep.sweep.ownership import claim, held

    config = launcher.config
    setup_globals()
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    # the job-process server (when the sweeper did not start it), before the launch runs a
    # thread (the dir's heartbeat, the display): while this process runs one, it is forked
    launcher.warm_up()
    sweep_dir = resolve_sweep_dir(str(config.hydra.sweep.dir))
    ownership = held(sweep_dir)
    owns = ownership is None
    if ownership is None:
        ownership = claim(sweep_dir)
    try:
        yield sweep_dir, ownership
    finally:
        thaw()  # the objects frozen for the server's fork: collected again from here
        if owns:
            ownership.release()


def _book(
    launcher: Any,
    cfgs: JobConfigs,
    job_overrides: Sequence[Sequence[str]],
    initial_job_idx: int,
    sweep_dir: Path,
    ownership: Any,
    planned: Sequence[Any] | None = None,
) -> SweepBook:
    """The book of a launch's jobs, its report hook made for the sweep dir."""
    p = launcher.params
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
        planned=planned,
    )
    launcher.jobs.update({job.num: job for job in book.jobs})
    return book


def _progress(launcher: Any, total: int, backend: Backend) -> Progress:
    """This launch's progress display; with a plan that gives the sweep's total, one display
    kept across the sweep's launches (made by the first)."""
    p, plan, kept = launcher.params, launcher.plan, launcher.display
    whole = getattr(plan, "total", None)
    if kept is not None and kept.open:
        kept.next_launch(backend.budget_gb)
        kept.total = max(whole or 0, 1)
        return kept
    progress = Progress(
        str(p.get("progress", "auto")),
        total if whole is None else max(whole, 1),
        backend.budget_gb,
        float(p.get("progress_every_s", 5.0)),
        status=getattr(plan, "status", None),
        kept=whole is not None,
    )
    if whole is not None:
        launcher.display = progress
    return progress


def launch_each(
    launcher: Any,
    next_job: Callable[[], Sequence[str] | None],
    on_done: Callable[[int, JobReturn], None],
    initial_job_idx: int,
    total: int | None = None,
) -> None:
    """Ask ``next_job`` for a job's overrides whenever one could start, start it with the
    next job number (from ``initial_job_idx``, in start order), and call ``on_done(num,
    return)`` as each ends; return once ``next_job`` said None and every job has ended.

    The Ray backend admits a batch at a time: there the jobs are asked and launched in
    batches of ``max_parallel`` (2 when unset), each batch's returns handed back in order.
    """
    from brainjar_sweep.sweep.compose import JobComposer, JobConfigs

    p, config = launcher.params, launcher.config
    if p.get("backend", "local") == "ray":  # the Ray backend admits a batch at a time
        _launch_each_in_batches(launcher, next_job, on_done, initial_job_idx)
        return
    first = next_job()
    if first is None:
        return
    with _owned_sweep(launcher) as (sweep_dir, ownership):
        composer = JobComposer(launcher.hydra_context.config_loader, config)
        cfgs = JobConfigs(composer, [first], [initial_job_idx])
        cfgs.hold(0)  # it starts now
        book = _book(launcher, cfgs, [list(first)], initial_job_idx, sweep_dir, ownership)
        backend, gate = _backend(book, launcher)
        progress = _progress(launcher, max(total or 0, 1), backend)

        def feed() -> int | None:
            ovs = next_job()
            if ovs is None:
                return None
            i = book.add(ovs)
            launcher.jobs[book.jobs[i].num] = book.jobs[i]
            progress.total = max(progress.total, book.n)
            return i

        def settled(i: int) -> None:
            ret = book.results[i]
            if ret is not None:
                on_done(initial_job_idx + i, ret)

        grace = float(p.get("stop_grace_s", 10.0))
        drive(book, backend, progress, grace, gate, feed=feed, on_settled=settled)
        book.wrap_up()


def _launch_each_in_batches(
    launcher: Any,
    next_job: Callable[[], Sequence[str] | None],
    on_done: Callable[[int, JobReturn], None],
    first: int,
) -> None:
    """:func:`launch_each` as batches of ``max_parallel`` jobs (the Ray backend)."""
    size = int(launcher.params.get("max_parallel") or 2)
    more = True
    while more:
        batch: list[Sequence[str]] = []
        while len(batch) < size:
            ovs = next_job()
            if ovs is None:
                more = False
                break
            batch.append(ovs)
        if not batch:
            return
        for k, ret in enumerate(launch(launcher, batch, first)):
            on_done(first + k, ret)
        first += len(batch)


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
    # a sweep whose launches share one display says its banner once, not per launch
    banner = launcher.display is None or not launcher.display.open
    backend = LocalBackend(book, p, _server(launcher), banner)
    return backend, gate


def _server(launcher: Any) -> Any:
    """The jobs' process server for this launch: the one :meth:`warm_up` started if its
    payload is this launch's (Hydra's state unchanged since), else a new one."""
    from hydra_plugins.brainjar_jetson_launcher._job_server import launcher_server

    server = launcher_server(launcher)
    warm, launcher.warm_server = launcher.warm_server, None
    if warm is not None:
        if warm.holds_payload_of(server):
            return warm
        warm.drop_file()
    return server
