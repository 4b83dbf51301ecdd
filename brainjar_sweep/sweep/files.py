"""Sweep-level result files, rewritten atomically as jobs finish.

- ``sweep_results.json``: the original project's shape, one entry per job, never duplicated;
- ``completed_experiments.json``: ids of completed experiments, sorted;
- ``sweep_table.csv``: one row per job (swept parameters, status, reason, timings, metrics),
  loadable in one read (``pandas.read_csv``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from brainjar_sweep._atomic import write_json_atomic, write_text_atomic
from brainjar_sweep._secrets import scrub

# the fixed leading columns of sweep_table.csv; swept parameters and metrics follow
TABLE_COLUMNS = (
    "job_num",
    "experiment_id",
    "status",
    "reason",
    "start_time",
    "end_time",
    "duration_seconds",
    "memory_gb",
)


@dataclass
class JobRecord:
    """What the sweep files say about one job."""

    job_num: int
    overrides: list[str]
    status: str = "pending"  # pending, running, completed, failed, timeout, interrupted
    reason: str | None = None
    experiment_id: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    duration_seconds: float | None = None
    memory_gb: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    node: str | None = None  # the machine that ran it (Ray backend: its node id)

    @property
    def parameters(self) -> dict[str, str]:
        out = {}
        for ov in self.overrides:
            key, _, value = ov.lstrip("+~").partition("=")
            out[key] = value
        return out


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def write_sweep_files(sweep_dir: str | Path, sweep_id: str, records: list[JobRecord]) -> None:
    """Rewrite the three sweep files from ``records`` (one per job of the sweep)."""
    sweep_dir = Path(sweep_dir)
    done = [r for r in records if r.status not in ("pending", "running")]
    results = []
    for r in sorted(done, key=lambda r: r.job_num):
        m = r.metrics
        results.append(
            {
                "experiment_id": r.experiment_id or f"{sweep_id}_exp{r.job_num:04d}",
                "job_num": r.job_num,
                "parameters": r.parameters,
                "status": r.status,
                "start_time": r.start_time,
                "end_time": r.end_time,
                "total_cycles": m.get("total_cycles", 0),
                "total_crashes": m.get("total_crashes", 0),
                "total_messages": m.get("total_messages", 0),
                "error_message": scrub(r.reason),
            }
        )
        if r.node is not None:
            results[-1]["node"] = r.node
    write_json_atomic(
        sweep_dir / "sweep_results.json",
        {
            "sweep_id": sweep_id,
            "timestamp": _now(),
            "total_experiments": len(records),
            "completed_experiments": len(results),
            "results": results,
        },
    )
    completed = sorted(x["experiment_id"] for x in results if x["status"] == "completed")
    write_json_atomic(sweep_dir / "completed_experiments.json", completed)
    params = sorted({k for r in records for k in r.parameters})
    metric_keys = sorted(
        {
            k
            for r in records
            for k, v in r.metrics.items()
            if isinstance(v, (int, float, str, bool)) or v is None
        }
    )
    buf = io.StringIO()
    w = csv.writer(buf)
    head = list(TABLE_COLUMNS)
    w.writerow(head + params + [m for m in metric_keys if m not in head and m not in params])
    for r in sorted(records, key=lambda r: r.job_num):
        p = r.parameters
        row = [
            r.job_num,
            r.experiment_id,
            r.status,
            scrub(r.reason),
            r.start_time,
            r.end_time,
            r.duration_seconds,
            r.memory_gb,
        ]
        row += [p.get(k) for k in params]
        row += [r.metrics.get(m) for m in metric_keys if m not in head and m not in params]
        w.writerow(row)
    write_text_atomic(sweep_dir / "sweep_table.csv", buf.getvalue())


def _number(text: str) -> Any:
    if text == "":
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"True": True, "False": False}.get(text, text)


def load_records(sweep_dir: str | Path, overrides: dict[int, list[str]]) -> dict[int, JobRecord]:
    """Records of an earlier run of this sweep, read back from its ``sweep_table.csv``.

    ``overrides`` maps each job number to its overrides (to tell parameters from metrics).
    """
    path = Path(sweep_dir) / "sweep_table.csv"
    if not path.is_file():
        return {}
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}  # damaged: the job dirs tell the rest
    out: dict[int, JobRecord] = {}
    for row in rows:
        try:
            num = int(row["job_num"])
        except (KeyError, TypeError, ValueError):
            continue
        ovr = overrides.get(num)
        if ovr is None or None in row or None in row.values():
            continue  # not this sweep's job, or a damaged row: its job dir tells
        params = {o.lstrip("+~").partition("=")[0] for o in ovr}
        rec = JobRecord(job_num=num, overrides=list(ovr))
        rec.status = row.get("status") or "pending"
        rec.reason = row.get("reason") or None
        rec.experiment_id = row.get("experiment_id") or None
        rec.start_time = row.get("start_time") or None
        rec.end_time = row.get("end_time") or None
        rec.duration_seconds = _number(row.get("duration_seconds") or "")
        rec.memory_gb = _number(row.get("memory_gb") or "")
        rec.metrics = {
            k: _number(v) for k, v in row.items() if k not in TABLE_COLUMNS and k not in params
        }
        out[num] = rec
    return out


def record_from_result(num: int, overrides: list[str], job_dir: str | Path) -> JobRecord | None:
    """A job's record rebuilt from its ``result.json`` (None if unreadable)."""
    import json

    try:
        body = json.loads((Path(job_dir) / "result.json").read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    rec = JobRecord(job_num=num, overrides=list(overrides))
    rec.status = str(body.get("status"))
    rec.reason = body.get("error")
    rec.experiment_id = body.get("experiment_id")
    rec.start_time = body.get("started_at")
    rec.end_time = body.get("ended_at")
    rec.duration_seconds = body.get("duration_seconds")
    node = body.get("node")
    if isinstance(node, dict):
        rec.node = node.get("ray_node_id") or node.get("hostname")
    metrics = body.get("metrics") or {}
    rec.metrics = {
        k: v for k, v in metrics.items() if isinstance(v, (int, float, str, bool)) or v is None
    }
    rec.metrics["status"] = rec.status
    return rec


def rebuild_sweep_files(
    sweep_dir: str | Path, sweep_id: str, jobs: list[list[str]], job_dirs: dict[int, Path]
) -> None:
    """Rewrite the sweep files from the jobs' own ``result.json`` files.

    A resume with nothing left to run calls it, so that a truncated or damaged
    ``sweep_results.json`` or ``sweep_table.csv`` is repaired from what the jobs wrote.
    Jobs without a readable result are listed as pending.
    """
    records = []
    for num, overrides in enumerate(jobs):
        rec = None
        if num in job_dirs:
            rec = record_from_result(num, overrides, job_dirs[num])
        records.append(rec or JobRecord(job_num=num, overrides=list(overrides)))
    write_sweep_files(sweep_dir, sweep_id, records)
