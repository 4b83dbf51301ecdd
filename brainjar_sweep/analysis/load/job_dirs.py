"""Reading job dirs one by one: ``result.json``, ``.hydra/overrides.yaml`` and, when asked,
the resolved config (the fallback when a sweep has no sweep files, and for jobs they miss).

Example:
    >>> lookup({"mind": {"temperature": 0.7}}, "mind.temperature")
    (True, 0.7)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from brainjar_sweep._yaml import load_yaml_file as read_yaml
from brainjar_sweep.analysis.load.discover import KNOWN_ENTRIES, is_job_dir
from brainjar_sweep.analysis.load.model import NOT_METRICS, RAW_COLUMNS
from brainjar_sweep.analysis.load.values import parse_value, series_of, split_override
from brainjar_sweep.records import (
    ForeignResult,
    ResultUnreadable,
    read_result,
)

# pruned jobs (stopped early by a study's pruner) are read and shown with their own status;
# the statistics, which use completed jobs only, never include them
FINISHED = ("completed", "failed", "timeout", "pruned")


def _choices_from_text(text: str) -> dict[str, Any]:
    """Config-group choices (``hydra.runtime.choices``) without parsing all of hydra.yaml."""
    marker = "\n    choices:\n"
    start = text.find(marker)
    if start < 0:
        return {}
    out: dict[str, Any] = {}
    for line in text[start + len(marker) :].splitlines():
        if not line.startswith("      ") or line.startswith("       "):
            break
        key, sep, value = line.strip().partition(":")
        if not sep or key.startswith("hydra/"):
            continue
        out[key] = parse_value(value.strip())
    return out


def lookup(config: Any, dotted: str) -> tuple[bool, Any]:
    node = config
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    if isinstance(node, (dict, list)):
        return True, json.dumps(node, sort_keys=True)
    return True, node


@dataclass
class Job:
    """One job as read from its files (or from the sweep table)."""

    sweep_id: str | None
    job_num: int | None
    experiment_id: str | None
    status: str
    reason: str | None
    overrides: dict[str, str]
    choices: dict[str, Any]
    metrics: dict[str, Any]
    job_dir: Path | None
    attempt: int | None = None
    seed: Any = None
    config_hash: str | None = None
    stop_reason: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    duration_seconds: float | None = None
    job_seconds: float | None = None
    memory_gb: float | None = None
    db_url: str | None = None
    config: dict[str, Any] | None = None


def read_job(job_dir: Path, with_config: bool = False) -> tuple[Job | None, str | None]:
    """Read one job dir; return (job, None) or (None, why it is skipped)."""
    hydra_dir = job_dir / ".hydra"
    if not hydra_dir.is_dir():
        return None, "no .hydra/ dir (parameters unknown)"
    try:
        raw_overrides = read_yaml(hydra_dir / "overrides.yaml")
    except FileNotFoundError:
        return None, "no .hydra/overrides.yaml (parameters unknown)"
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, f"unreadable .hydra/overrides.yaml ({type(exc).__name__})"
    if raw_overrides is None:
        raw_overrides = []
    if not isinstance(raw_overrides, list) or not all(isinstance(o, str) for o in raw_overrides):
        return None, "malformed .hydra/overrides.yaml (not a list of overrides)"
    try:
        result = read_result(job_dir)
    except FileNotFoundError:
        return None, "unfinished: no result.json (interrupted, or still running)"
    except ForeignResult as exc:
        return None, f"result.json is not a brainjar result ({exc})"
    except ResultUnreadable:
        return None, "truncated or corrupt result.json"
    status = str(result.get("status"))
    if status not in FINISHED:
        return None, f"unfinished: result.json says {status!r}"
    overrides: dict[str, str] = {}
    for ov in raw_overrides:
        kv = split_override(ov)
        if kv is not None:
            overrides[kv[0]] = kv[1]
    choices: dict[str, Any] = {}
    try:
        choices = _choices_from_text((hydra_dir / "hydra.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        pass
    config = None
    if with_config:
        try:
            loaded = read_yaml(hydra_dir / "config.yaml")
            config = loaded if isinstance(loaded, dict) else None
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            config = None
    metrics = result.get("metrics") if isinstance(result.get("metrics"), dict) else {}
    error = result.get("error")
    job_num = result.get("job_num")
    if job_num is None and job_dir.name.isdigit():
        job_num = int(job_dir.name)
    return (
        Job(
            sweep_id=result.get("sweep_id"),
            job_num=int(job_num) if job_num is not None else None,
            experiment_id=str(result["experiment_id"]),
            status=status,
            reason=str(error).splitlines()[0] if error else None,
            overrides=overrides,
            choices=choices,
            metrics=dict(metrics),
            job_dir=job_dir,
            attempt=result.get("attempt"),
            seed=result.get("seed"),
            config_hash=result.get("config_hash"),
            stop_reason=result.get("stop_reason"),
            started_at=result.get("started_at"),
            ended_at=result.get("ended_at"),
            duration_seconds=result.get("duration_seconds"),
            db_url=result.get("db_url"),
            config=config,
        ),
        None,
    )


def scan_entries(sweep_dir: Path) -> tuple[dict[int, str], list[Path]]:
    """Numbered subdirs (job dir names by number) and the unexpected entries of a sweep dir."""
    try:
        names = os.listdir(sweep_dir)
    except OSError:
        return {}, []
    # a file with a numeric name fails the job checks later, with a warning
    numbered = {int(n): n for n in names if n.isdigit()}
    foreign = [
        sweep_dir / n
        for n in names
        if not n.isdigit()
        and n not in KNOWN_ENTRIES
        and not n.startswith(".")
        and not n.endswith(".log")
    ]
    return numbered, foreign


def note_foreign(foreign: list[Path], skipped: list[tuple[str, str]]) -> None:
    for path in sorted(foreign):
        if path.is_dir() and is_job_dir(path):
            skipped.append((str(path), "job dir not named by its job number (foreign)"))
        else:
            skipped.append((str(path), "foreign entry, not a job dir"))


def jobs_from_dirs(
    sweep_dir: Path, with_config: bool, skipped: list[tuple[str, str]]
) -> tuple[list[Job], int]:
    numbered, foreign = scan_entries(sweep_dir)
    note_foreign(foreign, skipped)
    jobs: list[Job] = []
    for num in sorted(numbered):
        path = sweep_dir / numbered[num]
        job, why = read_job(path, with_config)
        if job is None:
            skipped.append((str(path), str(why)))
        else:
            jobs.append(job)
    return jobs, len(numbered)


def jobs_frame(jobs: list[Job], sweep_dir: Path) -> pd.DataFrame:
    """Per-sweep raw frame (see :func:`_table_frame`) from jobs read one by one."""
    records = []
    for j in jobs:
        rec: dict[str, Any] = {
            "sweep_id": j.sweep_id,
            "job_num": j.job_num,
            "experiment_id": j.experiment_id,
            "status": j.status,
            "reason": j.reason,
            "attempt": j.attempt,
            "seed_result": j.seed,
            "config_hash": j.config_hash,
            "stop_reason": j.stop_reason,
            "started_at": j.started_at,
            "ended_at": j.ended_at,
            "duration_seconds": j.duration_seconds,
            "job_seconds": j.job_seconds,
            "memory_gb": j.memory_gb,
            "sweep_dir": str(sweep_dir),
            "job_dir": None if j.job_dir is None else str(j.job_dir),
            "_db_url": j.db_url,
        }
        for k, v in j.metrics.items():
            if k not in NOT_METRICS and isinstance(v, (int, float)):
                rec[f"m:{k}"] = float(v)
        for k, v in j.overrides.items():
            rec[f"p:{k}"] = v
        for k, v in j.choices.items():
            rec[f"c:{k}"] = v
        if j.config is not None:
            rec["_config"] = j.config
        records.append(rec)
    if not records:
        return pd.DataFrame(columns=list(RAW_COLUMNS))
    return pd.DataFrame.from_records(records)


def job_config(job_dir: Path) -> dict[str, Any] | None:
    try:
        loaded = read_yaml(job_dir / ".hydra" / "config.yaml")
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _flatten(config: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(config, dict):
        for k, v in config.items():
            yield from _flatten(v, f"{prefix}{k}.")
    elif isinstance(config, list):
        yield prefix[:-1], json.dumps(config, sort_keys=True, default=str)
    else:
        yield prefix[:-1], config


def config_columns(configs: list[Any]) -> dict[str, pd.Series]:
    """``cfg.<key>`` columns for resolved config values that differ between jobs."""
    flat = [dict(_flatten(c)) if isinstance(c, dict) else {} for c in configs]
    keys: dict[str, None] = {}
    for f in flat:
        keys.update(dict.fromkeys(f))
    out: dict[str, pd.Series] = {}
    for key in keys:
        if key in ("seed", "experiment_id", "sweep_id") or key.startswith("db."):
            continue
        values = [f.get(key) for f in flat]
        if len({json.dumps(v, sort_keys=True, default=str) for v in values}) > 1:
            out[f"cfg.{key}"] = series_of(values)
    return out
