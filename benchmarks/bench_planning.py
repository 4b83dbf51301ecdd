"""Benchmark: planning a large grid (the dry run), today's path against the plan path, in one run.

Run: ``python benchmarks/bench_planning.py [--jobs 2000 10000]``

For each grid size (``seed=range(0,N)``), in fresh processes, wall time and peak memory (max
RSS) of:

- the dry run as the sweeper does it now: ``python -m brainjar_sweep -m seed='range(0,N)'
  hydra.sweeper.dry_run=true`` (every job's whole config composed, validated and kept);
- the plan path a sweeper can take with ``JobComposer.experiment``: every job's experiment
  checked by the same validator, its needs and its estimate computed, nothing kept but its
  overrides (``--plan-child``, the same Hydra initialisation and grid, in a child process).

Both check every job. Import time (Hydra, the app) is in both figures.

With ``--real``, the same grid as a sweep that really runs (``python -m brainjar_sweep -m
seed='range(0,N)' max_cycles=1``, the jetson launcher): wall time and peak memory of the
sweep's process until its first job would start. The launcher's ``job_before`` hook, called
just before a job's process starts, is :func:`first_job` here: it marks that it was reached
and ends the process, so no job runs and the figures are the planning's alone (the sweep
check, the launcher's booking of every job, its admission, all before the first job).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time


def plan_child(n: int) -> None:
    """The plan path: what a sweeper's dry run does with JobComposer.experiment."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from brainjar_sweep.config import conf_dir, validate_job
    from brainjar_sweep.sweep.compose import JobComposer
    from brainjar_sweep.sweep.durations import estimate_seconds
    from brainjar_sweep.sweep.resources import job_needs

    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration(
            "config", overrides=[f"seed=range(0,{n})"], run_mode=RunMode.MULTIRUN
        )
        HydraConfig.instance().set_config(master)
        composer = JobComposer(loader, master)
        jobs = [[f"seed={i}"] for i in range(n)]
        needs, secs = [], []
        for ov in jobs:
            exp = composer.experiment(ov)
            validate_job(exp)
            needs.append(job_needs(exp))
            secs.append(estimate_seconds(exp))
        print(f"planned {len(jobs)} jobs, {sum(secs):.0f} job-seconds")


FIRST_JOB_MARK = "BENCH_PLANNING_MARK"


def first_job(cfg: object, job_dir: object) -> None:
    """The launcher's ``job_before`` hook for ``--real``: the first job is about to start,
    so planning is over: mark it and end the sweep's process here (nothing runs)."""
    with open(os.environ[FIRST_JOB_MARK], "w") as f:
        f.write("reached the first job")
    os._exit(0)


def real_sweep(n: int, tmp: str, python: str, extra: tuple[str, ...] = ()) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a real sweep of ``n`` jobs until its first job starts."""
    mark = os.path.join(tmp, f"first_job_{time.monotonic_ns()}")
    cmd = [
        python,
        "-m",
        "brainjar_sweep",
        "-m",
        f"seed=range(0,{n})",
        "max_cycles=1",
        f"hydra.sweep.dir={os.path.join(tmp, 'sweep_' + str(time.monotonic_ns()))}",
        "hydra.launcher.job_before=bench_planning.first_job",
        "hydra.launcher.progress=none",
        *extra,
    ]
    here = os.path.dirname(os.path.abspath(__file__))
    env = {FIRST_JOB_MARK: mark, "PYTHONPATH": here + os.pathsep + os.environ.get("PYTHONPATH", "")}
    wall, rss = measure(cmd, tmp, env)
    if not os.path.exists(mark):
        raise SystemExit(f"the sweep of {n} jobs ended before its first job: {' '.join(cmd)}")
    return wall, rss


# CPU seconds (user + system) of the last command measured
CPU: list[float] = []


def measure(cmd: list[str], cwd: str, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and the child's peak RSS (MB); its CPU seconds go to ``CPU``."""
    tic = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # a fresh child per measure, so its rusage is its own
        os.chdir(cwd)
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}
        )
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr[-2000:])
        os._exit(proc.returncode)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - tic
    CPU.append(usage.ru_utime + usage.ru_stime)
    if status != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, nargs="+", default=[2000, 10000])
    ap.add_argument("--plan-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument(
        "--real", action="store_true", help="a real sweep's planning, until its first job starts"
    )
    ap.add_argument(
        "--python",
        nargs="+",
        default=[sys.executable],
        help="with --real: interpreters to compare (e.g. one per checkout), alternating",
    )
    ap.add_argument("--rounds", type=int, default=1, help="with --real: runs of each")
    ap.add_argument(
        "--hooks-composed",
        action="store_true",
        help="with --real: also each interpreter with the launcher's needs and duration hooks "
        "given each job's config composed again (hooks_read_plans=false), alternating",
    )
    args = ap.parse_args()
    if args.plan_child is not None:
        plan_child(args.plan_child)
        return
    if args.real:
        print(
            "| jobs | interpreter | round | until the first job starts (s) | CPU (s) "
            "| peak RSS (MB) |"
        )
        print("|---|---|---|---|---|---|")
        with tempfile.TemporaryDirectory() as tmp:
            variants = [("", ())]
            if args.hooks_composed:
                variants.append((", hooks composed", ("hydra.launcher.hooks_read_plans=false",)))
            for n in args.jobs:
                for r in range(args.rounds):
                    for python in args.python:
                        for name, extra in variants if r % 2 == 0 else variants[::-1]:
                            wall, rss = real_sweep(n, tmp, python, extra)
                            print(
                                f"| {n} | {python}{name} | {r + 1} | {wall:.2f} | {CPU[-1]:.2f} "
                                f"| {rss:.0f} |",
                                flush=True,
                            )
        return
    print("| jobs | path | wall (s) | peak RSS (MB) |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.jobs:
            today = [
                sys.executable,
                "-m",
                "brainjar_sweep",
                "-m",
                f"seed=range(0,{n})",
                "hydra.sweeper.dry_run=true",
            ]
            plan = [sys.executable, os.path.abspath(__file__), "--plan-child", str(n)]
            for name, cmd in (("dry run today", today), ("plan path", plan)):
                wall, rss = measure(cmd, tmp)
                print(f"| {n} | {name} | {wall:.2f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
