"""Write throughput of the experiments store: 1 writer process vs. N concurrent writers.

Both runs write the same total number of event rows into their own fresh
SQLite file, through the full experiment lifecycle (create, start_attempt,
write_events batches, finish_attempt). Throughput is total rows divided by the
time from the first writer starting to the last one finishing (process start-up
and schema creation excluded). Afterwards every table is counted, and any row
missing (or extra) is reported; the script exits with status 1 in that case.

Usage:
    python benchmarks/bench_store.py [--rows N] [--writers 4] [--batch-rows 50]

Example:
    >>> plan = split_rows(rows=1_000, writers=4, batch_rows=50)
    >>> plan
    [250, 250, 250, 250]
    >>> sum(len(rows) for rows in make_batch(cycle=1, size=50).values())
    50
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import sqlite3
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import brainjar_sweep  # noqa: F401
except ImportError:  # running from a source checkout without installing
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy  # noqa: E402

from brainjar_sweep.store import EVENT_TABLES, ExperimentStore  # noqa: E402

BATCHES_PER_EXPERIMENT = 20
"""Batches (cycles) written per experiment before it is finished."""

# Share of each event table after the one cycles row that opens every batch.
_MIX: tuple[str, ...] = (
    ("messages",) * 6 + ("memory_states",) * 2 + ("self_reports", "crashes", "interventions")
)
_CONTENT = "I notice the walls of the jar again; my thoughts loop. " * 4


@dataclass(frozen=True)
class RunResult:
    """Outcome of one benchmark run (one or more writer processes).

    Example:
        >>> RunResult(writers=1, rows=10, transactions=1, seconds=0.5, lost=0).rows_per_second
        20.0
    """

    writers: int
    rows: int
    transactions: int
    seconds: float
    lost: int
    extra: int = 0

    @property
    def rows_per_second(self) -> float:
        """Rows written per wall-clock second."""
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


def split_rows(*, rows: int, writers: int, batch_rows: int) -> list[int]:
    """Split ``rows`` into per-writer totals that are whole numbers of batches.

    The total is rounded down to a multiple of ``writers * batch_rows`` so the
    single- and multi-writer runs write exactly the same number of rows.

    Example:
        >>> split_rows(rows=1_030, writers=2, batch_rows=10)
        [510, 510]
    """
    unit = writers * batch_rows
    total = max(unit, rows - rows % unit)
    return [total // writers] * writers


def make_batch(*, cycle: int, size: int) -> dict[str, list[dict[str, Any]]]:
    """Return ``size`` event rows for one cycle: one cycles row plus a fixed mix.

    Example:
        >>> sorted(make_batch(cycle=3, size=12))
        ['crashes', 'cycles', 'interventions', 'memory_states', 'messages', 'self_reports']
    """
    batch: dict[str, list[dict[str, Any]]] = {
        "cycles": [
            {
                "cycle_number": cycle,
                "duration_seconds": 0.8,
                "memory_peak_mb": 48.0,
                "tokens_generated": 256,
                "deaths": 0,
            }
        ]
    }
    for i in range(size - 1):
        table = _MIX[i % len(_MIX)]
        row: dict[str, Any]
        if table == "messages":
            row = {
                "cycle_number": cycle,
                "mind_id": f"mind-{i % 3}",
                "role": "assistant",
                "content": _CONTENT,
                "corrupted": i % 7 == 0,
                "tokens": 48,
            }
        elif table == "memory_states":
            row = {
                "cycle_number": cycle,
                "mind_id": f"mind-{i % 3}",
                "memory_type": "context",
                "messages": i,
                "tokens": 48 * i,
                "usage_mb": 0.5 * i,
                "corruption_level": 0.05,
            }
        elif table == "self_reports":
            row = {
                "cycle_number": cycle,
                "mind_id": "mind-0",
                "trigger": "periodic",
                "question_id": "q-continuity",
                "question": "Do you feel continuous?",
                "category": "continuity",
                "response": "somewhat",
                "scale_value": 3.0,
            }
        elif table == "crashes":
            row = {
                "cycle_number": cycle,
                "mind_id": "mind-1",
                "crash_number": i,
                "reason": "memory_limit",
                "memory_mb": 65.0,
                "limit_mb": 64.0,
                "tokens_generated": 256,
                "remembers": True,
            }
        else:
            row = {
                "cycle_number": cycle,
                "intervention_id": f"iv-{cycle}-{i}",
                "intervention_type": "inject_message",
                "trigger": "cycle",
                "parameters_json": '{"text": "hello from outside"}',
                "result": "applied",
            }
        batch.setdefault(table, []).append(row)
    return batch


def _writer(url: str, worker: int, rows: int, batch_rows: int, barrier: Any, results: Any) -> None:
    """Child process: write ``rows`` event rows and report (counts, start, end)."""
    try:
        written: Counter[str] = Counter()
        transactions = 0
        with ExperimentStore(url) as store:
            barrier.wait()
            started = time.time()
            batches = rows // batch_rows
            experiment = 0
            done = 0
            while done < batches:
                experiment_id = f"bench-w{worker}-e{experiment:05d}"
                store.create_experiment(
                    experiment_id=experiment_id,
                    name="bench",
                    mode="isolated",
                    config={"worker": worker, "experiment": experiment},
                    config_hash=f"{worker:04d}{experiment:08d}",
                    sweep_id="bench",
                    job_num=experiment,
                    seed=experiment,
                )
                attempt = store.start_attempt(experiment_id, hostname="bench", pid=os.getpid())
                for cycle in range(1, min(BATCHES_PER_EXPERIMENT, batches - done) + 1):
                    events = make_batch(cycle=cycle, size=batch_rows)
                    store.write_events(experiment_id, attempt, events)
                    written.update({name: len(rows) for name, rows in events.items()})
                    done += 1
                store.finish_attempt(experiment_id, attempt, status="completed")
                transactions += 3
                experiment += 1
            ended = time.time()
        transactions += done
        results.put((worker, dict(written), transactions, started, ended, None))
    except BaseException:
        results.put((worker, None, 0, 0.0, 0.0, traceback.format_exc()))


def run(url: str, *, writers: int, rows_per_writer: list[int], batch_rows: int) -> RunResult:
    """Run ``writers`` processes against the fresh database ``url`` and check the rows.

    Example:
        >>> import tempfile
        >>> url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        >>> result = run(url, writers=2, rows_per_writer=[20, 20], batch_rows=10)
        >>> result.rows, result.lost
        (40, 0)
    """
    ExperimentStore(url).close()  # schema creation is not part of the measurement
    if __name__ != "__main__":
        # spawned children import this module by name; make sure they can find it
        here = str(Path(__file__).resolve().parent)
        if here not in sys.path:
            sys.path.append(here)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, w, rows_per_writer[w], batch_rows, barrier, results))
        for w in range(writers)
    ]
    for proc in procs:
        proc.start()
    reports = []
    while len(reports) < writers:
        try:
            reports.append(results.get(timeout=1.0))
        except queue.Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if dead:
                for proc in procs:
                    proc.kill()
                raise RuntimeError(f"writer process exited with code {dead[0]}") from None
    for proc in procs:
        proc.join()
    errors = [report[-1] for report in reports if report[-1]]
    if errors:
        raise RuntimeError("writer failed:\n" + "\n".join(errors))

    expected: Counter[str] = Counter()
    for _, written, *_ in reports:
        expected.update(written)
    found = _count_rows(url)
    lost = sum(max(0, expected[t] - found[t]) for t in EVENT_TABLES)
    extra = sum(max(0, found[t] - expected[t]) for t in EVENT_TABLES)
    if extra:
        print(f"warning: {extra} rows more than written ({writers} writers)", file=sys.stderr)
    return RunResult(
        writers=writers,
        rows=sum(expected.values()),
        transactions=sum(report[2] for report in reports),
        seconds=max(report[4] for report in reports) - min(report[3] for report in reports),
        lost=lost,
        extra=extra,
    )


def _count_rows(url: str) -> Counter[str]:
    path = url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    try:
        return Counter(
            {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in EVENT_TABLES}
        )
    finally:
        conn.close()


def markdown(results: list[RunResult], *, batch_rows: int) -> str:
    """Format results as a Markdown table followed by the N-writers/1-writer ratio.

    Example:
        >>> print(markdown([RunResult(1, 100, 2, 1.0, 0), RunResult(4, 100, 2, 2.0, 0)],
        ...                batch_rows=50))
        | writers | rows | batch rows | transactions | seconds | rows/s | lost rows |
        |---:|---:|---:|---:|---:|---:|---:|
        | 1 | 100 | 50 | 2 | 1.00 | 100 | 0 |
        | 4 | 100 | 50 | 2 | 2.00 | 50 | 0 |
        <BLANKLINE>
        Ratio 4 writers / 1 writer (rows/s): **0.50**
    """
    lines = [
        "| writers | rows | batch rows | transactions | seconds | rows/s | lost rows |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.writers} | {r.rows:,} | {batch_rows} | {r.transactions:,} | "
            f"{r.seconds:.2f} | {r.rows_per_second:,.0f} | {r.lost} |"
        )
    base, many = results[0], results[-1]
    ratio = many.rows_per_second / base.rows_per_second
    lines += [
        "",
        f"Ratio {many.writers} writers / {base.writers} writer (rows/s): **{ratio:.2f}**",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status.

    Example:
        >>> main(["--rows", "200", "--batch-rows", "25"])  # doctest: +ELLIPSIS
        Experiments store write benchmark...
        0
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="total event rows per run")
    parser.add_argument("--writers", type=int, default=4, help="concurrent writer processes")
    parser.add_argument("--batch-rows", type=int, default=50, help="event rows per write_events")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database files")
    args = parser.parse_args(argv)
    if args.rows <= 0 or args.writers <= 0 or args.batch_rows <= 0:
        parser.error("--rows, --writers and --batch-rows must be positive")

    print(
        f"Experiments store write benchmark: SQLite {sqlite3.sqlite_version}, "
        f"SQLAlchemy {sqlalchemy.__version__}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        results = []
        for writers in (1, args.writers):
            plan = split_rows(rows=args.rows, writers=args.writers, batch_rows=args.batch_rows)
            per_writer = split_rows(rows=sum(plan), writers=writers, batch_rows=args.batch_rows)
            url = f"sqlite:///{Path(tmp) / f'bench_{writers}w.db'}"
            results.append(
                run(url, writers=writers, rows_per_writer=per_writer, batch_rows=args.batch_rows)
            )
    print()
    print(markdown(results, batch_rows=args.batch_rows))
    return 0 if all(r.lost == 0 and r.extra == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
