"""Work of the ``brainjar`` sweeper, kept out of the module Hydra's plugin scan imports.

A sweep here: expand the grid exactly as Hydra's basic sweeper does; compose and validate
every job before the first starts; on a dry run, print the plan and stop; on resume, skip
jobs whose result says completed with the same config; launch the rest (a failed job never
stops the others); re-run failed jobs up to ``max_retries``; print a summary; fail the
command only if jobs failed and failures are not allowed.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn, JobStatus
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from brainjar_sweep._dotted import load_dotted  # noqa: E402
from brainjar_sweep.sweep.lifecycle import SweepDefinitionChanged, SweepFailed, SweepRefused

log = logging.getLogger(__name__)


class SweepValidationError(HydraException):
    """A job of the grid has a bad config; raised before any job starts."""

    def __init__(self, job_num: int, overrides: Sequence[str], error: BaseException) -> None:
        self.job_num = job_num
        self.overrides = list(overrides)
        self.error = error
        super().__init__(f"job #{job_num} ({' '.join(overrides)}): {error}")


def grid(sweeper: Any, arguments: list[str]) -> list[list[list[str]]]:
    """The sweep's batches of per-job overrides, exactly as Hydra's basic sweeper orders them."""
    parser = OverridesParser.create(config_loader=sweeper.hydra_context.config_loader)
    overrides = parser.parse_overrides(_definition(sweeper, arguments))
    _check_grid_size(overrides)
    return sweeper.split_arguments(overrides, sweeper.max_batch_size)


MAX_JOBS = 100_000  # a grid this large is a typo (range(0,100000000)), not a plan


def _check_grid_size(overrides: list[Any]) -> None:
    """Refuse a grid of more than :data:`MAX_JOBS` jobs before it is expanded (in memory)."""
    import math

    total = 1
    for ov in overrides:
        if not ov.is_sweep_override():
            continue
        value = ov.value()
        size = None
        if hasattr(value, "list"):
            size = len(value.list)
        elif all(hasattr(value, a) for a in ("start", "stop", "step")) and value.step:
            size = max(0, math.ceil((value.stop - value.start) / value.step))
        if size is None:
            continue
        total *= max(size, 1)
        if total > MAX_JOBS:
            from brainjar_sweep.config.errors import ConfigError

            raise ConfigError(
                ov.key_or_group,
                ov.input_line.partition("=")[2] if ov.input_line else "?",
                f"a sweep of at most {MAX_JOBS} jobs in all (this grid has more)",
            )


def _definition(sweeper: Any, arguments: list[str]) -> list[str]:
    params_conf = [f"{k}={v}" for k, v in (sweeper.params or {}).items()]
    return params_conf + list(arguments)


def compose_all(sweeper: Any, jobs: list[list[str]], keep: bool) -> list[DictConfig]:
    """Compose and validate every job; raise on the first bad one. Keep the configs if asked.

    Composition goes through :class:`brainjar_sweep.sweep.compose.JobComposer`, which
    composes once per group-choice set and applies each job's value overrides with
    Hydra's own function: the same configs as Hydra's serial check, for a fraction of
    its cost.
    """
    from brainjar_sweep.sweep.compose import JobComposer

    validator = load_dotted(sweeper.validator, "hydra.sweeper.validator")
    composer = JobComposer(sweeper.hydra_context.config_loader, sweeper.config)
    tic = time.perf_counter()
    kept = []
    for num, overrides in enumerate(jobs):
        try:
            cfg = composer.compose(overrides)
            if validator is not None:
                validator(cfg)
        except Exception as e:  # composition or validation: report with the job
            raise SweepValidationError(num, overrides, e) from e
        if keep:
            with open_dict(cfg):
                cfg.hydra.job.num = num
                cfg.hydra.job.id = f"{cfg.hydra.job.name}_{num}"
            kept.append(cfg)
    log.debug("validated %d jobs in %.2f s", len(jobs), time.perf_counter() - tic)
    return kept


def _elided(jobs: list[list[str]], head: int = 8, tail: int = 4) -> list[str]:
    lines = [f"  #{i}: {' '.join(ov)}" for i, ov in enumerate(jobs)]
    if len(lines) <= head + tail + 1:
        return lines
    return lines[:head] + [f"  ... {len(lines) - head - tail} more ..."] + lines[-tail:]


def dry_run(sweeper: Any, jobs: list[list[str]], cfgs: list[DictConfig]) -> None:
    """Print what the sweep would do: grid, device, capacity, memory per job, duration.

    The capacity is the launcher's own plan (``capacity_plan``), when it has one.
    """
    from brainjar_sweep.device import detect
    from brainjar_sweep.sweep.lifecycle import format_duration

    launcher_conf = OmegaConf.select(sweeper.config, "hydra.launcher") or {}
    info = detect(
        str(launcher_conf.get("device_root", "/")) if "device_root" in launcher_conf else "/"
    )
    name = str(launcher_conf.get("_target_", "?")).rsplit(".", 1)[-1]
    planner = getattr(sweeper.launcher, "capacity_plan", None)
    plan = planner(cfgs) if planner is not None and cfgs else None
    estimate = load_dotted(sweeper.estimate, "hydra.sweeper.estimate")
    secs = [estimate(c) for c in cfgs] if estimate else []
    out = [
        f"Dry run: {len(jobs)} jobs (nothing runs, nothing is written)",
        *_elided(jobs),
        f"Device: {info.model or info.kind} ({info.kind}), {info.total_ram_gb or 0.0:.1f} GB RAM, "
        f"{info.cpu_cores} cores"
        + (
            f", hottest zone {info.max_temperature_c:.0f} C"
            if info.max_temperature_c is not None
            else ""
        ),
    ]
    at_once = 1
    if plan is not None:
        mems = [s.memory_gb for s in plan.needs]
        at_once = max(1, min(plan.at_once))
        out += [
            f"Launcher: {name}, memory budget {plan.budget_gb:.1f} GB, {plan.cpu_slots} CPU slots",
            f"Per job: {min(mems):.1f}-{max(mems):.1f} GB declared, "
            f"{min(plan.at_once)}-{max(plan.at_once)} job(s) at once",
        ]
    else:
        out.append(f"Launcher: {name}")
    out.append(f"Output: {sweeper.config.hydra.sweep.dir}")
    if secs:
        out.append(
            f"Estimated duration: {format_duration(sum(secs) / at_once)} "
            f"({format_duration(sum(secs))} of jobs, {at_once} at a time; refined by past runs in the DB)"
        )
    print("\n".join(out))


def _check_definition(sweeper: Any, arguments: list[str], sweep_dir: Path) -> None:
    saved_path = sweep_dir / "multirun.yaml"
    if not saved_path.is_file():
        return
    try:
        saved = OmegaConf.load(saved_path)
        before = {str(o).partition("=")[0]: str(o) for o in saved.hydra.overrides.task}
    except Exception as e:  # damaged, or not a sweep's config: one line, nothing run
        from brainjar_sweep.config.errors import ConfigError

        raise ConfigError(
            "hydra.sweep.dir",
            str(sweep_dir),
            f"a sweep dir whose multirun.yaml is a sweep's saved config ({type(e).__name__})",
        ) from None
    before.update(
        {k: f"{k}={v}" for k, v in (OmegaConf.select(saved, "hydra.sweeper.params") or {}).items()}
    )
    now = {o.partition("=")[0]: o for o in _definition(sweeper, arguments)}
    now = {k: v for k, v in now.items() if not k.startswith("hydra.")}
    before = {k: v for k, v in before.items() if not k.startswith("hydra.")}
    if before == now:
        return
    diffs = []
    for key in sorted(set(before) | set(now)):
        if before.get(key) != now.get(key):
            diffs.append(f"{before.get(key, '(none)')} -> {now.get(key, '(none)')}")
    raise SweepDefinitionChanged(
        f"cannot resume {sweeper.config.hydra.sweep.dir}: the sweep definition differs from its multirun.yaml: "
        + "; ".join(diffs)
    )


def _check_kept(
    sweeper: Any,
    cfgs: list[DictConfig],
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
    lost: dict[int, tuple[str, str | None]] = {}
    for num, (status, _) in sorted(rows.items()):
        if status != "completed":
            continue
        job_dir = sweep_dir / str(OmegaConf.select(cfgs[num], "hydra.sweep.subdir"))
        now = state(cfgs[num], job_dir)
        if now != "completed":
            rows[num] = ("lost", f"completed, but now {now} (deleted or replaced mid-sweep?)")
            lost[num] = rows[num]
    if lost and (sweep_dir / "sweep_table.csv").is_file():
        from brainjar_sweep.sweep.files import load_records, write_sweep_files

        records = load_records(sweep_dir, dict(enumerate(jobs)))
        for num, (status, reason) in lost.items():  # the sweep files say so too
            if num in records:
                records[num].status, records[num].reason = status, reason
        sweep_id = OmegaConf.select(sweeper.config, "sweep_id", default=None)
        write_sweep_files(
            sweep_dir,
            str(sweep_id or "_".join(sweep_dir.parts[-2:])),
            [records[k] for k in sorted(records)],
        )


def _hand_over(launcher: Any, jobs: dict[int, list[str]], resume: bool, skipped: dict) -> None:
    """Tell a launcher that takes it (``hand_over``) the whole sweep's plan, once."""
    hand_over = getattr(launcher, "hand_over", None)
    if hand_over is not None:
        from hydra_plugins.brainjar_jetson_launcher.plan import SweepPlan

        hand_over(SweepPlan(jobs=jobs, resume=resume, skipped=skipped))


def _check_sweep_dir(config: DictConfig) -> None:
    """Where the sweep writes can be written, before it writes its first file."""
    from brainjar_sweep.config.validate import check_sweep_dirs

    check_sweep_dirs(config)


def _groups(nums: list[int], size: int | None) -> list[list[int]]:
    """Consecutive job numbers in batches of at most ``size``."""
    out: list[list[int]] = []
    for n in nums:
        if out and out[-1][-1] == n - 1 and (size is None or len(out[-1]) < size):
            out[-1].append(n)
        else:
            out.append([n])
    return out


def _status(ret: JobReturn) -> tuple[str, str | None]:
    from brainjar_sweep.sweep.lifecycle import JobInterrupted, JobTimeout, describe

    if ret.status == JobStatus.COMPLETED:
        return "completed", None
    exc = ret._return_value
    if isinstance(exc, JobTimeout):
        return "timeout", describe(exc)
    if isinstance(exc, (JobInterrupted, KeyboardInterrupt)):
        return "interrupted", describe(exc)
    return "failed", describe(exc)


def _summary(
    rows: dict[int, tuple[str, str | None]],
    jobs: list[list[str]],
    skipped: dict[int, Path],
    shown: str | None = None,
) -> str:
    """The end of a sweep in a few lines: the counts, each job that did not complete (those
    never started in one line), the sweep dir and the command that analyses it.

    >>> rows = {0: ("completed", None), 1: ("interrupted", "interrupted: interrupted"),
    ...         2: ("not started", None), 3: ("not started", None)}
    >>> print(_summary(rows, [["x=0"], [], ["x=2"], ["x=3"]], {}, "sw"))
    Sweep summary: 4 jobs: 1 completed, 1 interrupted, 2 not started
      #1 interrupted
      #2-#3 not started: the sweep was interrupted before they started
    Sweep dir: sw
    Analyse it with: brainjar-analyze sw
    """
    counts: dict[str, int] = {}
    for status, _ in rows.values():
        counts[status] = counts.get(status, 0) + 1
    head = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    extra = f" ({len(skipped)} completed earlier, skipped)" if skipped else ""
    lines = [f"Sweep summary: {len(rows)} jobs: {head}{extra}"]
    waiting = [n for n in sorted(rows) if rows[n][0] == "not started"]
    for num in sorted(rows):
        status, reason = rows[num]
        if status in ("completed", "not started"):
            continue
        params = f" ({' '.join(jobs[num])})" if jobs[num] else ""
        lines.append(f"  #{num} {status}{_why(status, reason)}{params}")
    if waiting:
        lines.append(
            f"  {_numbers(waiting)} not started: the sweep was interrupted before they started"
        )
    if shown is not None:
        lines += [f"Sweep dir: {shown}", f"Analyse it with: brainjar-analyze {shown}"]
    return "\n".join(lines)


def _why(status: str, reason: str | None) -> str:
    """A job's reason after its status, without saying the status again.

    >>> _why("interrupted", "interrupted: interrupted: killed"), _why("failed", None)
    (': killed', '')
    """
    text = (reason or "").strip()
    while text.startswith(f"{status}: "):
        text = text[len(status) + 2 :].strip()
    return "" if text in ("", status) else f": {text}"


def _numbers(nums: list[int]) -> str:
    """Job numbers, consecutive ones as ranges.

    >>> _numbers([1, 3, 4, 5, 9])
    '#1, #3-#5, #9'
    """
    parts = []
    for group in _groups(nums, None):
        parts.append(f"#{group[0]}" if len(group) == 1 else f"#{group[0]}-#{group[-1]}")
    return ", ".join(parts)


def _print_summary(text: str) -> None:
    try:
        print(text, flush=True)
    except OSError:  # the terminal is gone (SIGHUP): the sweep files still say it all
        pass


def _holds_a_sweep(sweep_dir: Path) -> bool:
    from brainjar_sweep.sweep.ownership import OWNER_NAME

    return (sweep_dir / "multirun.yaml").is_file() or (sweep_dir / OWNER_NAME).is_file()


def _time_stamped(config: DictConfig) -> bool:
    """Whether hydra.sweep.dir is Hydra's default, made of the start time."""
    raw = OmegaConf.to_container(config.hydra.sweep, resolve=False)
    return isinstance(raw, dict) and "${now:" in str(raw.get("dir"))


def _own_new_dir(sweeper: Any, sweep_dir: Path) -> tuple[Any, Path]:
    """Own a fresh sweep dir: ``sweep_dir``, or when it holds another sweep and is the default
    time-stamped one, ``<sweep_dir>_2``, ``_3``, ... (refused in one line otherwise)."""
    from brainjar_sweep.sweep.ownership import SweepBusy, read_owner, take_over, try_claim

    stamped = _time_stamped(sweeper.config)
    given = str(sweeper.config.hydra.sweep.dir)  # named as the user gave it
    candidate = sweep_dir
    for k in range(2, 10_000):
        own = try_claim(candidate)
        if own is not None and not _holds_a_sweep(candidate):
            take_over(own)
            break
        if own is not None:
            os.close(own.fd)
        if not stamped:
            if own is None:
                owner = read_owner(candidate) or {}
                raise SweepBusy(
                    f"hydra.sweep.dir={given} is in use by the running sweep of pid "
                    f"{owner.get('pid')} on {owner.get('host')}; choose another hydra.sweep.dir"
                )
            raise SweepRefused(
                f"hydra.sweep.dir={given} holds another sweep (its multirun.yaml); resume it "
                f"with: brainjar-sweep resume {given}, or choose another hydra.sweep.dir"
            )
        candidate = sweep_dir.with_name(f"{sweep_dir.name}_{k}")
    if candidate != sweep_dir:
        log.warning(
            "%s holds another sweep started at the same time: using %s", sweep_dir, candidate
        )
        with read_write(sweeper.config), open_dict(sweeper.config):
            sweeper.config.hydra.sweep.dir = str(candidate)
            ovr = [
                o
                for o in sweeper.config.hydra.overrides.hydra
                if not o.startswith("hydra.sweep.dir=")
            ]
            sweeper.config.hydra.overrides.hydra = [*ovr, f"hydra.sweep.dir={candidate}"]
    return own, candidate


def sweep(sweeper: Any, arguments: list[str]) -> Any:
    """Run the sweep (see the module docstring)."""
    from brainjar_sweep._secrets import install_log_scrubbing

    install_log_scrubbing()  # the launcher's lines about failed jobs never show a secret
    batches = grid(sweeper, arguments)
    jobs = [ov for batch in batches for ov in batch]
    launcher = sweeper.launcher
    launcher_checks = bool(getattr(launcher, "checks_jobs", False))
    cfgs = compose_all(sweeper, jobs, keep=True)
    if sweeper.dry_run:
        dry_run(sweeper, jobs, cfgs)
        return []

    from brainjar_sweep.sweep.identity import resolve_sweep_dir
    from brainjar_sweep.sweep.ownership import claim

    _check_sweep_dir(sweeper.config)  # writable, before the first file is written
    sweep_dir = resolve_sweep_dir(str(sweeper.config.hydra.sweep.dir))
    # one owner per sweep dir, from here to the end of the sweep
    if sweeper.resume:
        own = claim(sweep_dir)
    else:
        own, sweep_dir = _own_new_dir(sweeper, sweep_dir)
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
    cfgs: list[DictConfig],
    sweep_dir: Path,
    launcher_checks: bool,
) -> Any:
    launcher = sweeper.launcher
    shown = str(sweeper.config.hydra.sweep.dir)  # the sweep dir as the user named it
    skipped: dict[int, Path] = {}
    if not sweeper.resume and sweeper.sweep_check:
        load_dotted(sweeper.sweep_check)(cfgs, sweep_dir)
    if sweeper.resume:
        _check_definition(sweeper, arguments, sweep_dir)
        state = load_dotted(sweeper.job_state, "hydra.sweeper.job_state")
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
        log.info("resuming %s: %d of %d jobs completed earlier", sweep_dir, len(skipped), len(jobs))
        # attempts a dead owner left running: settled as interrupted before anything runs again
        hooks = getattr(launcher, "hooks", None)
        job_end = hooks.fns.get("job_end") if hooks is not None else None
        if job_end is not None:
            from brainjar_sweep.sweep.lifecycle import DEAD_OWNER, check_left_running

            for num, cfg in enumerate(cfgs):
                if num not in skipped:
                    check_left_running(cfg)  # never run a job whose attempt may still be alive
                    job_dir = sweep_dir / str(OmegaConf.select(cfg, "hydra.sweep.subdir"))
                    job_end(cfg, job_dir, "interrupted", DEAD_OWNER, None)
    if launcher_checks:  # e.g. the Ray backend: the jobs to run fit some node
        launcher.check_jobs([cfg for num, cfg in enumerate(cfgs) if num not in skipped])
    sweep_dir.mkdir(parents=True, exist_ok=True)
    if not (sweeper.resume and (sweep_dir / "multirun.yaml").is_file()):
        OmegaConf.save(sweeper.config, sweep_dir / "multirun.yaml")

    _hand_over(launcher, dict(enumerate(jobs)), sweeper.resume, skipped)
    results: dict[int, JobReturn] = {}
    rows: dict[int, tuple[str, str | None]] = {n: ("completed", None) for n in skipped}
    todo = [n for n in range(len(jobs)) if n not in skipped]
    if not todo and OmegaConf.select(sweeper.config, "hydra.launcher.sweep_files", default=False):
        # nothing to launch: the sweep files are rebuilt from the job dirs (repairs damaged ones)
        from brainjar_sweep.sweep.files import rebuild_sweep_files

        sweep_id = OmegaConf.select(sweeper.config, "sweep_id", default=None)
        rebuild_sweep_files(
            sweep_dir, str(sweep_id or "_".join(sweep_dir.parts[-2:])), jobs, skipped
        )
    try:
        for attempt in range(sweeper.max_retries + 1):
            if attempt:
                log.warning(
                    "retry %d of %d for %d failed job(s)", attempt, sweeper.max_retries, len(todo)
                )
            for group in _groups(todo, sweeper.max_batch_size):
                returns = launcher.launch([jobs[n] for n in group], initial_job_idx=group[0])
                for n, ret in zip(group, returns, strict=True):
                    results[n] = ret
                    rows[n] = _status(ret)
            todo = [n for n in todo if rows[n][0] in ("failed", "timeout")]
            if not todo:
                break
    except (KeyboardInterrupt, OSError) as stop:
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
            _print_summary(_summary(rows, jobs, skipped, shown))
            if isinstance(
                stop, OSError
            ):  # a full disk: what was written stays, resume does the rest
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
        raise
    _check_kept(sweeper, cfgs, jobs, sweep_dir, rows)
    _print_summary(_summary(rows, jobs, skipped, shown))
    bad = {n: r for n, r in rows.items() if r[0] != "completed"}
    if bad and not sweeper.allow_failures:
        first = ", ".join(f"#{n} {s}" for n, (s, _) in sorted(bad.items())[:5])
        raise SweepFailed(
            f"{len(bad)} of {len(jobs)} jobs did not complete ({first}{', ...' if len(bad) > 5 else ''}); "
            f"re-run them with: brainjar-sweep resume {shown}"
        )
    return [[results[n] for n in sorted(results)]]
