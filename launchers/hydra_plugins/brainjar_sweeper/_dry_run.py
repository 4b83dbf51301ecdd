"""The dry run: what the sweep would do, printed, with nothing run and nothing written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig, OmegaConf

from brainjar_sweep._hooks import load_dotted


def _elided(jobs: list[list[str]], head: int = 8, tail: int = 4) -> list[str]:
    lines = [f"  #{i}: {' '.join(ov)}" for i, ov in enumerate(jobs)]
    if len(lines) <= head + tail + 1:
        return lines
    return lines[:head] + [f"  ... {len(lines) - head - tail} more ..."] + lines[-tail:]


def _own_seconds() -> float:
    """Seconds since this process started: the sweep's start-up and planning, measured."""
    import time

    import psutil

    return max(0.0, time.time() - psutil.Process().create_time())


def dry_run(
    sweeper: Any, jobs: list[list[str]], cfgs: Sequence[DictConfig | dict[str, Any]]
) -> None:
    """Print what the sweep would do: grid, device, capacity, memory per job, duration.

    ``cfgs`` are the jobs' configs, or (cheaper) their experiments as plain dicts: the
    launcher's needs hook and the estimate read either.

    The capacity is the launcher's own plan (``capacity_plan``), when it has one. The
    estimated duration is the jobs' seconds spread over the jobs run at once, plus this
    process's own time so far (imports, Hydra's start, the plan: measured, and paid again by
    the sweep that runs; for a sweep of short jobs it is a good part of the whole).
    """
    from brainjar_sweep.device import detect
    from brainjar_sweep.sweep.durations import format_duration

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
        own = _own_seconds()
        out.append(
            f"Estimated duration: {format_duration(own + sum(secs) / at_once)} "
            f"({format_duration(sum(secs))} of jobs, {at_once} at a time, "
            f"{format_duration(own)} of start-up; refined by past runs in the DB)"
        )
    print("\n".join(out))
