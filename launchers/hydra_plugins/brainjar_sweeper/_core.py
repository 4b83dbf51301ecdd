"""The ``brainjar`` sweeper's lifecycle, kept out of the module Hydra's plugin scan imports.

A sweep here: expand the grid exactly as Hydra's basic sweeper does and check every job before
the first starts, keeping only its overrides (``_grid``; a job's config is composed when a check
reads it and when the launcher starts it); on a dry run, print the plan and stop
(``_dry_run``); own the sweep dir (``_sweep_dir``); on resume, skip jobs whose result says
completed with the same config; hand the plan over and launch the rest (a failed job never
stops the others); re-run failed jobs up to ``max_retries``; print a summary (``_summary``);
fail the command only if jobs failed and failures are not allowed.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.core.utils import JobReturn
from hydra_plugins.brainjar_sweeper._dry_run import dry_run
from hydra_plugins.brainjar_sweeper._grid import (
    SweepValidationError,
    check_all,
    experiments_all,
    grid,
)
from hydra_plugins.brainjar_sweeper._summary import (
    groups,
    predictions_line,
    print_summary,
    status_of,
    summary,
)
from hydra_plugins.brainjar_sweeper._sweep_dir import (
    check_definition,
    check_sweep_dir,
    own_new_dir,
)
from omegaconf import OmegaConf

from brainjar_sweep._hooks import load_dotted
from brainjar_sweep.sweep.errors import SweepDefinitionChanged, SweepFailed

if TYPE_CHECKING:
    from brainjar_sweep.sweep.compose import JobConfigs

log = logging.getLogger(__name__)

__all__ = ["SweepValidationError", "sweep"]


def _check_kept(
    sweeper: Any,
    cfgs: JobConfigs,
    jobs: list[list[str]],
    sweep_dir: Path,
    rows: dict[int, tuple[str, str | None]],
) -> None:
    """After the jobs: is what each completed job wrote still there (``job_state`` again)?

    A job whose record was lost since it completed (its experiments database deleted or
    replaced mid-sweep, say) becomes ``lost``: the sweep fails and resume runs it again.
    """
    state = load_dotted(sweeper.job_state, "hydra.sweeper.job_state")
    if state is None or len(cfgs) != len(rows):
        return
    # a hook that says it reads either (``reads_plans``) is given each job's experiment as
    # the sweep checked it (a plain dict) instead of the job's config composed again
    plans = cfgs.experiments if getattr(state, "reads_plans", False) else None
    numbered = _subdir_is_job_number(sweeper.config)
    lost: dict[int, tuple[str, str | None]] = {}
    for num, (status, _) in sorted(rows.items()):
        if status != "completed":
            continue
        cfg = None  # the job's config, composed for this check if it is needed, not kept
        if numbered and not cfgs.composer.changes_composition(jobs[num]):
            job_dir = sweep_dir / str(num)
        else:
            cfg = cfgs[num]
            job_dir = sweep_dir / str(OmegaConf.select(cfg, "hydra.sweep.subdir"))
        if plans is not None:
            now = state(plans[num], job_dir)
        else:
            now = state(cfg if cfg is not None else cfgs[num], job_dir)
        if now != "completed":
            rows[num] = ("lost", f"completed, but now {now} (deleted or replaced mid-sweep?)")
            lost[num] = rows[num]
    if lost and (sweep_dir / "sweep_table.csv").is_file():
        from brainjar_sweep.records import load_records, sweep_id_for, write_sweep_files

        records = load_records(sweep_dir, dict(enumerate(jobs)))
        for num, (status, reason) in lost.items():  # the sweep files say so too
            if num in records:
                records[num].status, records[num].reason = status, reason
        sweep_id = OmegaConf.select(sweeper.config, "sweep_id", default=None)
        write_sweep_files(
            sweep_dir,
            sweep_id_for(sweep_dir, sweep_id),
            [records[k] for k in sorted(records)],
        )


def _subdir_is_job_number(config: Any) -> bool:
    """Whether the sweep names each job's dir by its number alone (Hydra's default subdir),
    so that a job that sets values only (no group choice, no ``hydra.`` key) has its dir
    without its config composed.

    >>> _subdir_is_job_number(OmegaConf.create({"hydra": {"sweep": {"subdir": "${hydra.job.num}"}}}))
    True
    >>> _subdir_is_job_number(OmegaConf.create({"hydra": {"sweep": {"subdir": "${now:%H}"}}}))
    False
    """
    sweep = OmegaConf.select(config, "hydra.sweep")
    if sweep is None:
        return False
    raw = OmegaConf.to_container(sweep, resolve=False)
    return isinstance(raw, dict) and raw.get("subdir") == "${hydra.job.num}"


def _hand_over(
    launcher: Any, jobs: dict[int, list[str]], resume: bool, skipped: dict, cfgs: JobConfigs
) -> None:
    """Tell a launcher that takes it (``hand_over``) the whole sweep's plan, once, with each
    job's experiment as checked (its hooks read it instead of composing the job again)."""
    hand_over = getattr(launcher, "hand_over", None)
    if hand_over is not None:
        from hydra_plugins.brainjar_jetson_launcher.plan import SweepPlan

        experiments = dict(enumerate(cfgs.experiments or ()))
        hand_over(SweepPlan(jobs=jobs, resume=resume, skipped=skipped, experiments=experiments))


def sweep(sweeper: Any, arguments: list[str]) -> Any:
    """Run the sweep (see the module docstring)."""
    from brainjar_sweep._secrets import install_log_scrubbing

    install_log_scrubbing()  # the launcher's lines about failed jobs never show a secret
    batches = grid(sweeper, arguments)
    jobs = [ov for batch in batches for ov in batch]
    launcher = sweeper.launcher
    launcher_checks = bool(getattr(launcher, "checks_jobs", False))
    if sweeper.dry_run:  # a plan only: each job's experiment, not its whole config
        dry_run(sweeper, jobs, experiments_all(sweeper, jobs))
        return []
    warm_up = getattr(launcher, "warm_up", None)
    if warm_up is not None:  # the launcher's job processes get ready while the jobs are checked
        warm_up()
    cfgs = check_all(sweeper, jobs)  # each job checked; its config composed when read

    from brainjar_sweep.records import resolve_sweep_dir
    from brainjar_sweep.sweep.ownership import claim

    check_sweep_dir(sweeper.config)  # writable, before the first file is written
    sweep_dir = resolve_sweep_dir(str(sweeper.config.hydra.sweep.dir))
    # one owner per sweep dir, from here to the end of the sweep
    if sweeper.resume:
        own = claim(sweep_dir)
    else:
        own, sweep_dir = own_new_dir(sweeper, sweep_dir)
    # SIGTERM (a service manager, a batch system) and SIGHUP (a closed terminal or SSH session)
    # stop the sweep as Ctrl-C does: jobs stopped and recorded, the summary printed
    old_handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            old_handlers[sig] = signal.signal(sig, signal.default_int_handler)
    try:
        return _sweep_owned(sweeper, arguments, jobs, cfgs, sweep_dir, launcher_checks)
    finally:
        for sig, handler in old_handlers.items():
            signal.signal(sig, handler)
        # a sweep refused before it wrote anything leaves no dir behind
        own.release(drop_dir=not (sweep_dir / "multirun.yaml").is_file())


def _sweep_owned(
    sweeper: Any,
    arguments: list[str],
    jobs: list[list[str]],
    cfgs: JobConfigs,
    sweep_dir: Path,
    launcher_checks: bool,
) -> Any:
    launcher = sweeper.launcher
    shown = str(sweeper.config.hydra.sweep.dir)  # the sweep dir as the user named it
    skipped: dict[int, Path] = {}
    if not sweeper.resume and sweeper.sweep_check:
        load_dotted(sweeper.sweep_check)(cfgs, sweep_dir)
    if sweeper.resume:
        skipped = _resume(sweeper, arguments, cfgs, sweep_dir, shown)
    if launcher_checks:  # e.g. the Ray backend: the jobs to run fit some node
        launcher.check_jobs(cfgs.only([n for n in range(len(cfgs)) if n not in skipped]))
    sweep_dir.mkdir(parents=True, exist_ok=True)
    if not (sweeper.resume and (sweep_dir / "multirun.yaml").is_file()):
        OmegaConf.save(sweeper.config, sweep_dir / "multirun.yaml")

    _hand_over(launcher, dict(enumerate(jobs)), sweeper.resume, skipped, cfgs)
    results: dict[int, JobReturn] = {}
    rows: dict[int, tuple[str, str | None]] = {n: ("completed", None) for n in skipped}
    todo = [n for n in range(len(jobs)) if n not in skipped]
    if not todo and OmegaConf.select(sweeper.config, "hydra.launcher.sweep_files", default=False):
        # nothing to launch: the sweep files are rebuilt from the job dirs (repairs damaged ones)
        from brainjar_sweep.records import rebuild_sweep_files, sweep_id_for

        sweep_id = OmegaConf.select(sweeper.config, "sweep_id", default=None)
        rebuild_sweep_files(sweep_dir, sweep_id_for(sweep_dir, sweep_id), jobs, skipped)
    try:
        _launch_with_retries(sweeper, jobs, todo, results, rows)
    except (KeyboardInterrupt, OSError) as stop:
        _stopped(launcher, stop, rows, jobs, skipped, shown)
        raise
    _check_kept(sweeper, cfgs, jobs, sweep_dir, rows)
    predicted = predictions_line(sweep_dir, sweeper.config)
    print_summary(summary(rows, jobs, skipped, shown, predicted))
    bad = {n: r for n, r in rows.items() if r[0] != "completed"}
    if bad and not sweeper.allow_failures:
        first = ", ".join(f"#{n} {s}" for n, (s, _) in sorted(bad.items())[:5])
        raise SweepFailed(
            f"{len(bad)} of {len(jobs)} jobs did not complete ({first}{', ...' if len(bad) > 5 else ''}); "
            f"re-run them with: brainjar-sweep resume {shown}"
        )
    return [[results[n] for n in sorted(results)]]


def _resume(
    sweeper: Any, arguments: list[str], cfgs: JobConfigs, sweep_dir: Path, shown: str
) -> dict[int, Path]:
    """Where resume decides: the jobs completed earlier with this same config (skipped, by
    number -> dir); attempts a dead owner left running are settled as interrupted first."""
    check_definition(sweeper, arguments, sweep_dir)
    state = load_dotted(sweeper.job_state, "hydra.sweeper.job_state")
    skipped: dict[int, Path] = {}
    changed = []
    for num, cfg in enumerate(cfgs):
        job_dir = sweep_dir / str(OmegaConf.select(cfg, "hydra.sweep.subdir"))
        status = state(cfg, job_dir) if state is not None else "missing"
        if status == "completed":
            skipped[num] = job_dir
        elif status == "changed":
            changed.append(num)
    if changed:
        nums = ", ".join(f"#{n}" for n in changed[:8]) + (", ..." if len(changed) > 8 else "")
        raise SweepDefinitionChanged(
            f"cannot resume {shown}: {len(changed)} completed job(s) ({nums}) ran with another "
            "config than this sweep composes now (a config file changed?); start a new sweep dir"
        )
    log.info("resuming %s: %d of %d jobs completed earlier", sweep_dir, len(skipped), len(cfgs))
    # attempts a dead owner left running: settled as interrupted before anything runs again
    hooks = getattr(sweeper.launcher, "hooks", None)
    job_end = hooks.fns.get("job_end") if hooks is not None else None
    if job_end is not None:
        from brainjar_sweep.sweep.job_end import DEAD_OWNER
        from brainjar_sweep.sweep.resume import check_left_running

        for num in range(len(cfgs)):
            if num not in skipped:
                cfg = cfgs[num]
                check_left_running(cfg)  # never run a job whose attempt may still be alive
                job_dir = sweep_dir / str(OmegaConf.select(cfg, "hydra.sweep.subdir"))
                job_end(cfg, job_dir, "interrupted", DEAD_OWNER, None)
    return skipped


def _launch_with_retries(
    sweeper: Any,
    jobs: list[list[str]],
    todo: list[int],
    results: dict[int, JobReturn],
    rows: dict[int, tuple[str, str | None]],
) -> None:
    """Launch the jobs ``todo`` in batches, then the failed ones again, up to ``max_retries``."""
    for attempt in range(sweeper.max_retries + 1):
        if attempt:
            log.warning(
                "retry %d of %d for %d failed job(s)", attempt, sweeper.max_retries, len(todo)
            )
        for group in groups(todo, sweeper.max_batch_size):
            returns = sweeper.launcher.launch([jobs[n] for n in group], initial_job_idx=group[0])
            for n, ret in zip(group, returns, strict=True):
                results[n] = ret
                rows[n] = status_of(ret)
        todo = [n for n in todo if rows[n][0] in ("failed", "timeout")]
        if not todo:
            break


def _stopped(
    launcher: Any,
    stop: BaseException,
    rows: dict[int, tuple[str, str | None]],
    jobs: list[list[str]],
    skipped: dict[int, Path],
    shown: str,
) -> None:
    """The sweep was stopped (Ctrl-C, SIGTERM, SIGHUP, a full disk): the summary, and how to resume."""
    # jobs stopped mid-run carry their own reason in the launcher's book when it has one
    ended = getattr(launcher, "ended", None)
    for n, (status, reason) in (ended() if ended is not None else {}).items():
        rows.setdefault(n, (status, reason))
    for n in range(len(jobs)):
        rows.setdefault(n, ("not started", "the sweep was interrupted before it started"))
    # one more Ctrl-C (or SIGTERM, SIGHUP) must not cut the summary short
    muted = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            muted[sig] = signal.signal(sig, signal.SIG_IGN)
    try:
        print_summary(summary(rows, jobs, skipped, shown))
        if isinstance(stop, OSError):  # a full disk: what was written stays, resume does the rest
            from brainjar_sweep._errors import os_error_line

            kept = sum(1 for status, _ in rows.values() if status == "completed")
            why = os_error_line(stop) if stop.filename else f"cannot write in {shown}: {stop}"
            raise SweepFailed(
                f"the sweep stopped: {why}; {kept} completed job(s) and their "
                f"files are kept; free some space, then resume with: "
                f"brainjar-sweep resume {shown}"
            ) from stop
        print(
            f"Resume with: brainjar-sweep resume {shown}\n"
            f"   (or the same command with hydra.sweep.dir={shown} hydra.sweeper.resume=true)",
            file=sys.stderr,
        )
    except OSError:  # the terminal is gone (SIGHUP): the sweep files still say it all
        pass
    finally:
        for sig, handler in muted.items():
            signal.signal(sig, handler)
