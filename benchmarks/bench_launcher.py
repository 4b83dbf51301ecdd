"""Benchmark: launcher overhead for 200 no-op jobs: basic, joblib (n_jobs=2) and jetson, in one run.

Run: ``python benchmarks/bench_launcher.py [--jobs 200] [--rounds 1] [--ray]
[--apps noop plain] [--launchers basic joblib jetson]``

Wall time and CPU time (user + system, the jobs' processes included) of the whole ``-m``
command, each launcher in turn (rounds interleaved), for two
apps: ``noop_app`` (a config, swept with ``x=range(0,N)``) and ``plain_app`` (no config file,
swept with the append override ``+x=range(0,N)``). Every configuration checks every job
before the first job starts: basic and joblib through Hydra's basic sweeper (a full
composition per job, serially), jetson through the brainjar sweeper (one composition per
group choice, then Hydra's own override application per job, each job's config composed
when it starts).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CASES = {
    "basic": [],
    "joblib (n_jobs=2)": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "jetson": [
        "hydra/sweeper=brainjar",
        "hydra.sweeper.validator=null",
        "hydra.sweeper.job_state=null",  # a no-op job leaves no record to check
        "hydra/launcher=jetson",
        "hydra.launcher.job_resources=noop_app.needs",
        "hydra.launcher.progress=none",
        "hydra.launcher.sweep_files=false",
        "hydra.launcher.hooks_read_plans=true",  # noop_app.needs reads the sweeper's plan
    ],
}
# the needs hook given each job's config composed again for it (before the sweeper's checked
# experiments were handed over in its plan)
CASES["jetson, hooks composed"] = [
    *CASES["jetson"][:-1],
    "hydra.launcher.hooks_read_plans=false",
]


# with --ray: the jetson launcher's Ray backend on a private one-machine Ray (started and
# stopped inside the command, so its start-up counts): the cost of tasks, scratch dirs and
# files sent back, against the local backend on the same machine
RAY_CASE = [
    *CASES["jetson"],
    "hydra.launcher.backend=ray",
    "hydra.launcher.ray.address=local",
]


# CPU seconds (user + system) of each command run, its jobs included
CPU: list[float] = []

# each app: its module and the sweep of its N jobs
APPS = {
    "noop": ("noop_app", "x=range(0,{n})"),
    "plain": ("plain_app", "+x=range(0,{n})"),
}


def adopt_orphans() -> None:
    """Become the subreaper of what the commands leave (Linux): a job-process server outlives
    its sweep for a moment and is reaped here, so its jobs' CPU time is counted too."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _reap(deadline_s: float = 10.0) -> None:
    """Wait for every process left to this one (the job-process server dies with its sweep)."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(case: list[str], jobs: int, tmp: Path, app: str = "noop") -> float:
    """The command's wall time (its CPU time, jobs included, goes to ``CPU[-1]``)."""
    env = dict(os.environ, PYTHONPATH=f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    out = tmp / f"sweep_{time.monotonic_ns()}"
    module, sweep = APPS[app]
    if app != "noop":  # the needs hook reads noop_app's config; the others take the default
        case = [c for c in case if not c.startswith("hydra.launcher.job_resources=")]
    cmd = [
        sys.executable,
        "-m",
        module,
        "-m",
        sweep.format(n=jobs),
        f"hydra.sweep.dir={out}",
        *case,
    ]
    cpu0 = _cpu()
    tic = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - tic
    _reap()
    CPU.append(_cpu() - cpu0)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    done = len(list(out.glob("*/.hydra/config.yaml")))
    if done != jobs:
        raise SystemExit(f"{done} of {jobs} jobs ran with {case}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--ray", action="store_true", help="also the Ray backend ([ray] extra)")
    ap.add_argument("--apps", nargs="+", default=list(APPS), choices=list(APPS))
    ap.add_argument("--launchers", nargs="+", default=list(CASES), choices=list(CASES))
    ap.add_argument(
        "--skip-basic", action="store_true", help="no baseline (e.g. a large sweep's per-job cost)"
    )
    args = ap.parse_args()
    cases = {k: CASES[k] for k in ("basic", *args.launchers)}
    if args.skip_basic:
        del cases["basic"]
    if args.ray:
        cases["jetson, backend=ray (one-machine Ray)"] = RAY_CASE
    adopt_orphans()
    walls: dict[tuple[str, str], list[float]] = {(a, k): [] for a in args.apps for k in cases}
    cpus: dict[tuple[str, str], list[float]] = {(a, k): [] for a in args.apps for k in cases}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for app in args.apps:
                for name, case in cases.items():
                    wall = run(case, args.jobs, Path(tmp), app)
                    walls[app, name].append(wall)
                    cpus[app, name].append(CPU[-1])
                    print(
                        f"round {r + 1}: {app} {name} {wall:.2f} s, CPU {CPU[-1]:.2f} s",
                        file=sys.stderr,
                    )
    print(
        f"| app | launcher ({args.jobs} no-op jobs, {os.cpu_count()} cores) "
        "| wall time (s), median | vs. basic (median of each round's ratio) "
        "| CPU time (s), jobs included, median | vs. basic | |"
    )
    print("|---|---|---|---|---|---|---|")
    for (app, name), ws in walls.items():
        base = walls.get((app, "basic"), ws)
        ratio = statistics.median(w / b for w, b in zip(ws, base, strict=True))
        cpu = statistics.median(cpus[app, name])
        cpu_ratio = statistics.median(
            c / b
            for c, b in zip(cpus[app, name], cpus.get((app, "basic"), cpus[app, name]), strict=True)
        )
        print(
            f"| {app} | {name} | {statistics.median(ws):.2f} | {ratio:.2f}x "
            f"| {cpu:.2f} | {cpu_ratio:.2f}x | per job: {statistics.median(ws) / args.jobs * 1000:.1f} ms "
            f"wall, {cpu / args.jobs * 1000:.1f} ms CPU |"
        )


if __name__ == "__main__":
    main()
