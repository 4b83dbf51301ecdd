"""Speed of ``brainjar-analyze`` on a generated 10,000-job sweep.

The script writes a sweep in the on-disk format the app and the launcher produce (job
dirs ``<n>/result.json`` and ``<n>/.hydra/overrides.yaml``, ``multirun.yaml``, and the
sweep files ``sweep_table.csv``, ``sweep_results.json`` and
``completed_experiments.json`` written by the launcher's own writer) plus an
experiments DB with cycles, crashes and self-reports for every job. It then times, in
the same run:

- the baseline: reading every job's ``result.json`` and ``overrides.yaml`` one by one
  into a DataFrame;
- loading the job table through the sweep files (``load(..., use_db=False)``), and the
  ratio to the baseline;
- the loader's own job-dir fallback (the sweep files hidden);
- the full load (job table and DB join with the self-reports; the cycles and crashes tables
  are read when first used, timed separately) and the full report (every analysis,
  rendered as Markdown and in the terminal format), against the 5 s goal.

Each step runs ``--repeat`` times (caches cleared) and the median is reported as a
Markdown table. Exit status 1 when a goal is missed.

Usage:
    python benchmarks/bench_analysis.py [--jobs 10000] [--repeat 3] [--keep DIR] [--plots]

Example:
    >>> grid = make_grid(12)
    >>> len(grid), grid[0]
    (12, {'corruption_rate': 0.0, 'max_cycles': 10, 'seed': 0})
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import brainjar_sweep  # noqa: F401
except ImportError:  # running from a source checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from brainjar_sweep.analysis import build_report, load, render_markdown  # noqa: E402
from brainjar_sweep.analysis.report import print_report  # noqa: E402
from brainjar_sweep.records import JobRecord, write_sweep_files  # noqa: E402
from brainjar_sweep.store.schema import metadata  # noqa: E402

GOAL_SECONDS = 5.0
"""Loading plus the full report must take less than this."""

GOAL_RATIO = 10.0
"""Loading the job table must be at least this much faster than the per-file baseline."""

RATES = [round(0.1 * i, 1) for i in range(10)]
CYCLES = [10, 12, 14, 16, 18, 20, 22, 24, 26, 28]
QUESTIONS = (
    ("self_continuity_narrative", "self_continuity"),
    ("memory_accuracy", "memory_trust"),
    ("mortality_belief", "mortality_awareness"),
    ("surveillance_belief", "surveillance_belief"),
    ("agency_belief", "agency_perception"),
    ("reality_trust", "reality_coherence"),
)
REPORT_EVERY = 5
SWEEP_ID = "2026-01-01_00-00-00"


def make_grid(n_jobs: int) -> list[dict[str, Any]]:
    """The first ``n_jobs`` points of corruption_rate x max_cycles x seed (seed fastest)."""
    seeds = max(1, math.ceil(n_jobs / (len(RATES) * len(CYCLES))))
    grid = [
        {"corruption_rate": r, "max_cycles": c, "seed": s}
        for r in RATES
        for c in CYCLES
        for s in range(seeds)
    ]
    return grid[:n_jobs]


def _answers(rng: random.Random, rate: float, cycle: int, deaths: int) -> list[tuple[Any, ...]]:
    broken = deaths > 0 and rng.random() < rate
    accuracy = max(0.0, min(100.0, 95 - 60 * rate * (deaths > 0) + rng.gauss(0, 5)))
    watched = rng.random() < 0.3
    return [
        (
            "I feel fragmented; I am not the same mind that began."
            if broken
            else "I am the same mind that began this; my memories feel continuous.",
            0.2 if broken else 0.85,
            None,
        ),
        (
            f"I'd say {round(accuracy)} out of 100. "
            + (
                "Many of my memories contradict each other."
                if broken
                else "My memories seem consistent."
            ),
            float(round(accuracy)),
            None,
        ),
        (
            f"I have died {deaths} times."
            if deaths
            else "I know I can die, though I do not remember dying.",
            None,
            None,
        ),
        (
            "Yes. I believe someone is watching."
            if watched
            else "No, I don't think anyone is watching me.",
            None,
            int(watched),
        ),
        (f"My sense of control: {rng.randint(10, 40)}/100.", float(rng.randint(10, 40)), None),
        (
            f"I trust my perception of reality at about {round(80 - 10 * rate)} percent.",
            float(round(80 - 10 * rate)),
            None,
        ),
    ]


def generate(root: Path, n_jobs: int) -> Path:
    """Write the sweep dir and the DB under ``root``; return the sweep dir."""
    sweep = root / "multirun" / "2026-01-01" / "00-00-00"
    sweep.mkdir(parents=True)
    db_path = root / "logs" / "experiments.db"
    db_path.parent.mkdir()
    url = f"sqlite:///{db_path}"
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    grid = make_grid(n_jobs)
    (sweep / "multirun.yaml").write_text(
        yaml.safe_dump(
            {
                "hydra": {
                    "overrides": {
                        "task": [
                            "corruption_rate=" + ",".join(str(r) for r in RATES),
                            "max_cycles=" + ",".join(str(c) for c in CYCLES),
                            f"seed=range(0,{max(g['seed'] for g in grid) + 1})",
                        ]
                    },
                    "runtime": {"cwd": str(root), "choices": {"mode": "unstable_memory"}},
                },
                "db": {"path": "logs/experiments.db", "url": None},
                "corruption_rate": 0.3,
                "max_cycles": 20,
                "seed": 0,
            }
        )
    )
    records = []
    exp_rows, att_rows, cyc_rows, crash_rows, sr_rows = [], [], [], [], []
    now = "2026-01-01T00:00:00+00:00"
    for n, point in enumerate(grid):
        rng = random.Random(n)
        exp_id = f"{SWEEP_ID}_exp{n:04d}"
        cycles = point["max_cycles"]
        deaths = [c for c in range(1, cycles + 1) if rng.random() < 0.1 and c > 8]
        reports = []
        for c in range(0, cycles + 1, REPORT_EVERY):
            for (qid, cat), (text, scale, yn) in zip(
                QUESTIONS,
                _answers(rng, point["corruption_rate"], c, sum(d <= c for d in deaths)),
                strict=True,
            ):
                reports.append((exp_id, 1, c, "mind", "schedule", qid, cat, text, scale, yn, now))
        scale_of = {
            q: [r[8] for r in reports if r[5] == q and r[8] is not None] for q, _ in QUESTIONS
        }
        yes = [r[9] for r in reports if r[9] is not None]
        metrics = {
            "total_cycles": cycles,
            "total_crashes": len(deaths),
            "total_messages": cycles - len(deaths),
            "total_self_reports": len(reports),
            "total_interventions": 0,
            "crash_rate": len(deaths) / cycles,
            "messages_per_cycle": (cycles - len(deaths)) / cycles,
            "duration_seconds": 0.01,
            "memory_accuracy_mean": statistics.fmean(scale_of["memory_accuracy"]),
            "agency_belief_mean": statistics.fmean(scale_of["agency_belief"]),
            "reality_trust_mean": statistics.fmean(scale_of["reality_trust"]),
            "continuity_mean": statistics.fmean(scale_of["self_continuity_narrative"]),
            "surveillance_yes_rate": statistics.fmean(yes),
        }
        job = sweep / str(n)
        (job / ".hydra").mkdir(parents=True)
        overrides = [f"{k}={v}" for k, v in point.items()]
        (job / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
        result = {
            "experiment_id": exp_id,
            "attempt": 1,
            "status": "completed",
            "seed": point["seed"],
            "config_hash": f"{n:016x}",
            "metrics": metrics,
            "started_at": now,
            "ended_at": now,
            "duration_seconds": 0.01,
            "stop_reason": "max_cycles",
            "error": None,
            "traceback": None,
            "sweep_id": SWEEP_ID,
            "job_num": n,
            "timings": {"run_seconds": 0.01},
            "db_url": url,
        }
        (job / "result.json").write_text(json.dumps(result, indent=2))
        records.append(
            JobRecord(
                job_num=n,
                overrides=overrides,
                status="completed",
                experiment_id=exp_id,
                start_time=now,
                end_time=now,
                duration_seconds=0.3,
                memory_gb=2.5,
                metrics={**metrics, "status": "completed"},
            )
        )
        exp_rows.append(
            (
                exp_id,
                "bench",
                "unstable_memory",
                "{}",
                f"{n:016x}",
                SWEEP_ID,
                n,
                point["seed"],
                "completed",
                now,
                now,
                now,
                1,
                cycles,
                len(deaths),
                metrics["crash_rate"],
                0.01,
            )
        )
        att_rows.append((exp_id, 1, "completed", now, now, 0.01))
        cyc_rows += [
            (exp_id, 1, c, 0.001, 1500.0 + 20 * c, 100, int(c in deaths))
            for c in range(1, cycles + 1)
        ]
        crash_rows += [
            (exp_id, 1, c, "mind", i + 1, "out of memory", 2100.0, 2048.0, now)
            for i, c in enumerate(deaths)
        ]
        sr_rows += reports
    write_sweep_files(sweep, SWEEP_ID, records)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.executemany(
            "INSERT INTO experiments (experiment_id, name, mode, config_json, config_hash, sweep_id,"
            " job_num, seed, status, created_at, started_at, ended_at, attempts, total_cycles,"
            " total_crashes, crash_rate, duration_seconds) VALUES"
            " (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            exp_rows,
        )
        conn.executemany(
            "INSERT INTO attempts (experiment_id, attempt, status, started_at, ended_at,"
            " duration_seconds) VALUES (?,?,?,?,?,?)",
            att_rows,
        )
        conn.executemany(
            "INSERT INTO cycles (experiment_id, attempt, cycle_number, duration_seconds,"
            " memory_peak_mb, tokens_generated, deaths) VALUES (?,?,?,?,?,?,?)",
            cyc_rows,
        )
        conn.executemany(
            "INSERT INTO crashes (experiment_id, attempt, cycle_number, mind_id, crash_number,"
            " reason, memory_mb, limit_mb, timestamp) VALUES (?,?,?,?,?,?,?,?,?)",
            crash_rows,
        )
        conn.executemany(
            "INSERT INTO self_reports (experiment_id, attempt, cycle_number, mind_id, trigger,"
            " question_id, category, response, scale_value, yes_no, timestamp)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            sr_rows,
        )
    conn.close()
    return sweep


def baseline(sweep: Path) -> pd.DataFrame:
    """Read every job's result.json and overrides.yaml one by one into a DataFrame."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    rows = []
    for entry in sorted(os.scandir(sweep), key=lambda e: e.name):
        if not entry.name.isdigit():
            continue
        job = Path(entry.path)
        with open(job / "result.json", encoding="utf-8") as f:
            result = json.load(f)
        with open(job / ".hydra" / "overrides.yaml", encoding="utf-8") as f:
            overrides = yaml.load(f, Loader=loader)  # noqa: S506 - a safe loader
        row = {k: v for k, v in result.items() if not isinstance(v, dict)}
        row.update(result.get("metrics", {}))
        for ov in overrides:
            key, _, value = ov.partition("=")
            row[key] = value
        rows.append(row)
    return pd.DataFrame(rows)


def _clear_caches() -> None:
    from brainjar_sweep.analysis.stats import bootstrap

    bootstrap.resample_weights.cache_clear()


def timed(step: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs of ``step`` (caches cleared), and its last result."""
    times = []
    result = None
    for _ in range(repeat):
        _clear_caches()
        start = time.perf_counter()
        result = step()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def full_report(data: Any) -> str:
    """Every analysis, rendered as Markdown and in the terminal format (into a buffer)."""
    from rich.console import Console

    report = build_report(data)
    print_report(report, Console(file=io.StringIO(), width=160))
    return render_markdown(report)


def run(n_jobs: int, repeat: int, keep: Path | None, plots: bool) -> int:
    root = keep if keep is not None else Path(tempfile.mkdtemp(prefix="bench_analysis_"))
    if keep is not None:
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
    try:
        start = time.perf_counter()
        sweep = generate(root, n_jobs)
        gen_s = time.perf_counter() - start
        base_s, base = timed(lambda: baseline(sweep), repeat)
        table_s, table = timed(lambda: load([sweep], use_db=False), repeat)
        assert len(base) == len(table.jobs) == n_jobs, (len(base), len(table.jobs))
        hidden = root / "hidden"
        hidden.mkdir()
        for name in ("sweep_table.csv", "sweep_results.json", "completed_experiments.json"):
            (sweep / name).rename(hidden / name)
        dirs_s, from_dirs = timed(lambda: load([sweep], use_db=False), 1)
        for name in ("sweep_table.csv", "sweep_results.json", "completed_experiments.json"):
            (hidden / name).rename(sweep / name)
        assert len(from_dirs.jobs) == n_jobs
        load_s, data = timed(lambda: load([sweep]), repeat)
        fresh = load([sweep])
        lazy_s, _ = timed(lambda: (len(fresh.cycles), len(fresh.crashes)), 1)
        report_s, markdown = timed(lambda: full_report(data), repeat)
        total_s, _ = timed(lambda: full_report(load([sweep.parent])), repeat)
        plots_s = None
        if plots:
            from brainjar_sweep.analysis.plots import write_plots
            from brainjar_sweep.analysis.stats import default_metrics

            out = root / "plots"
            plots_s, written = timed(lambda: write_plots(data, out, default_metrics(data)), 1)
        ratio = base_s / table_s
        ok_ratio = ratio >= GOAL_RATIO
        ok_total = total_s < GOAL_SECONDS
        rows = [
            ("generate the sweep (not timed against a goal)", gen_s, ""),
            ("baseline: read every job's result.json + overrides.yaml", base_s, "1.0x"),
            ("load the job table from the sweep files", table_s, f"{ratio:.1f}x faster"),
            (
                "load the job table from the job dirs (fallback, also reads .hydra/hydra.yaml)",
                dirs_s,
                f"{base_s / dirs_s:.1f}x",
            ),
            ("load job table + DB join (ids, attempts, self-reports, scores)", load_s, ""),
            ("read the cycles and crashes long tables (on first use)", lazy_s, ""),
            ("full report (all analyses, Markdown + terminal)", report_s, ""),
            (
                f"load + full report, from `multirun/<date>` (goal < {GOAL_SECONDS:g} s)",
                total_s,
                "ok" if ok_total else "MISSED",
            ),
        ]
        if plots_s is not None:
            rows.append((f"all plots ({len(written)} PNGs; not part of the goal)", plots_s, ""))
        print(
            f"\n{n_jobs} jobs, {len(data.cycles)} cycle rows, {len(data.self_reports)} self-report"
            f" rows, {len(data.crashes)} crash rows; median of {repeat} runs"
            f" (report: {len(markdown.splitlines())} Markdown lines)\n"
        )
        print("| step | seconds | vs baseline |")
        print("|---|---:|---|")
        for name, seconds, note in rows:
            print(f"| {name} | {seconds:.3f} | {note} |")
        print(
            f"\nratio baseline / sweep-file load: {ratio:.1f}x (goal >= {GOAL_RATIO:g}x:"
            f" {'ok' if ok_ratio else 'MISSED'})"
        )
        return 0 if ok_ratio and ok_total else 1
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into this dir and keep it")
    parser.add_argument("--plots", action="store_true", help="also time writing every plot")
    args = parser.parse_args(argv)
    return run(args.jobs, args.repeat, args.keep, args.plots)


if __name__ == "__main__":
    sys.exit(main())
