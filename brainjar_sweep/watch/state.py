"""What the watch page shows, built from a sweep's files and the experiments database.

:class:`SweepView` answers two questions, each as a JSON-ready dict: how is the sweep doing
(:meth:`SweepView.overview`: progress, memory against the budget, temperature, one tile per
job, the Optuna study's trials), and what is one job doing (:meth:`SweepView.job`: its events
and a chart of its memory). Files are read again only when they change (their size and
modification time), so a watcher that polls costs the sweep almost nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brainjar_sweep.watch import _sources as src
from brainjar_sweep.watch.charts import memory_chart

__all__ = ["SweepView"]

_OPEN = ("pending", "running")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class _FileCache:
    """A file's parsed content, read again only when its size or modification time change."""

    def __init__(self) -> None:
        self._seen: dict[tuple[Path, str], tuple[Any, Any]] = {}

    def get(self, path: Path, kind: str, read: Callable[[], Any]) -> Any:
        stamp = _stamp(path)
        key = (path, kind)
        hit = self._seen.get(key)
        if hit is not None and hit[0] == stamp and stamp is not None:
            return hit[1]
        value = read()
        self._seen[key] = (stamp, value)
        return value


class SweepView:
    """A read-only view of one sweep directory.

    >>> import tempfile
    >>> view = SweepView(tempfile.mkdtemp())
    >>> snap = view.overview()
    >>> snap["progress"]["total"], snap["notes"][0]
    (0, 'multirun.yaml: not written yet (is this a sweep directory?)')
    """

    def __init__(self, sweep_dir: str | os.PathLike[str]) -> None:
        self.sweep_dir = Path(sweep_dir).resolve()
        self._cache = _FileCache()
        self._db: src.LiveReader | None = None
        self._ended: dict[str, tuple[str, src.JobProgress]] = {}
        self._optuna_seen: tuple[Any, Any] | None = None

    # -- reading -------------------------------------------------------------------

    def _saved(self) -> tuple[dict[str, Any] | None, str | None]:
        path = self.sweep_dir / "multirun.yaml"
        return self._cache.get(path, "saved", lambda: src.read_saved_config(self.sweep_dir))

    def _job_config(self, d: Path) -> tuple[dict[str, Any] | None, str | None]:
        path = d / ".hydra" / "config.yaml"
        return self._cache.get(path, "config", lambda: src.job_config(d))

    def _job_overrides(self, d: Path) -> tuple[list[str] | None, str | None]:
        path = d / ".hydra" / "overrides.yaml"
        return self._cache.get(path, "overrides", lambda: src.job_overrides(d))

    def _events_db(self, saved: dict[str, Any] | None) -> src.LiveReader | None:
        if self._db is None:
            url = src.db_url_of(saved, src.saved_cwd(saved))
            if url is None:
                return None
            self._db = src.LiveReader(url)
        return self._db

    def _records(
        self, saved: dict[str, Any] | None, notes: list[str]
    ) -> tuple[dict[int, src.JobRecord], dict[int, Path]]:
        plan, note = self._cache.get(
            self.sweep_dir / "multirun.yaml", "plan", lambda: src.plan_of(saved)
        )
        if note:
            notes.append(note)
        dirs = src.job_dirs(self.sweep_dir)
        overrides: dict[int, list[str]] = dict(plan)
        for num, d in dirs.items():
            ov, note = self._job_overrides(d)
            if note:
                notes.append(f"job {num}: {note}")
            if ov is not None:
                overrides[num] = ov
        table = self.sweep_dir / "sweep_table.csv"
        records = self._cache.get(
            table, "records", lambda: src.load_records(self.sweep_dir, overrides)
        )
        if table.is_file() and not records and overrides:
            notes.append("sweep_table.csv: could not be read (damaged or being written)")
        records = dict(records)
        for num, ov in overrides.items():
            if num in records:
                continue
            rec = None
            if num in dirs and (dirs[num] / src.RESULT_NAME).is_file():
                rec = self._cache.get(
                    dirs[num] / src.RESULT_NAME,
                    "result",
                    lambda n=num, o=ov: src.record_from_result(n, o, dirs[n]),
                )
                if rec is None:
                    notes.append(f"job {num}: result.json could not be read")
            if rec is None:
                rec = src.JobRecord(job_num=num, overrides=list(ov))
                if num in dirs:
                    rec.status = "running"
            records[num] = rec
        return records, dirs

    # -- the overview --------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        """The sweep's progress and one tile per job (a dict ready for JSON)."""
        notes: list[str] = []
        saved, note = self._saved()
        if note:
            notes.append(note)
        records, dirs = self._records(saved, notes)
        sweep_id = src.sweep_id_of(self.sweep_dir, saved)
        configs: dict[int, dict[str, Any] | None] = {}
        for num, d in dirs.items():
            cfg, note = self._job_config(d)
            if note:
                notes.append(note)
            configs[num] = cfg
        ids: dict[int, str] = {}
        for num, rec in records.items():
            base = (configs.get(num) or {}).get("experiment_id")
            ids[num] = rec.experiment_id or src.experiment_id_for(sweep_id, num, base)
        db = self._events_db(saved)
        progress = self._progress(db, {ids[n]: records[n].status for n in records if n in dirs})
        if db is not None and db.note:
            notes.append(db.note)
        elif db is None and saved is not None:
            notes.append("no experiments database named in multirun.yaml (db.url or db.path)")

        tiles = [
            _tile(num, records[num], configs.get(num) or {}, ids[num], progress, saved)
            for num in sorted(records)
        ]
        # pruned (stopped early by a study's pruner) is neither completed nor failed
        counts = {k: 0 for k in ("completed", "pruned", "running", "failed", "pending")}
        for t in tiles:
            s = t["status"]
            counts[s if s in counts else "failed"] += 1
        running = [t for t in tiles if t["status"] == "running"]
        reserved = 0.0
        for t in running:
            rec = records[t["num"]]
            need = src.job_memory_gb(configs.get(t["num"])) or rec.memory_gb
            reserved += need or 0.0
        optuna = self._optuna(saved, tiles, notes)
        total = len(tiles)
        if optuna and optuna.get("n_trials"):
            total = max(total, int(optuna["n_trials"]))
            counts["pending"] += total - len(tiles)
        left = counts["pending"] + counts["running"]
        eta = _eta(records, left, len(running))
        return {
            "sweep": {
                "dir": self.sweep_dir.name,
                "id": sweep_id,
                "kind": "optuna" if optuna is not None else "grid",
                "finished": bool(total) and not left,
            },
            "progress": {
                "total": total,
                "done": total - left,
                **counts,
                "eta_seconds": eta,
                "memory_reserved_gb": round(reserved, 2),
                "memory_budget_gb": self._budget(saved),
                "temperature_c": _temperature(),
            },
            "jobs": tiles,
            "swept": _swept(tiles),
            "optuna": optuna,
            "notes": sorted(set(notes)),
        }

    def _progress(
        self, db: src.LiveReader | None, statuses: dict[str, str]
    ) -> dict[str, src.JobProgress]:
        """Each started job's progress; a finished job's is read once, not at every poll."""
        if db is None:
            return {}
        ask = [e for e, s in statuses.items() if self._ended.get(e, (None,))[0] != s]
        fresh = db.progress(ask) if ask else {}
        out = {}
        for eid, status in statuses.items():
            if eid in fresh:
                out[eid] = fresh[eid]
                if status not in _OPEN and fresh[eid].status not in ("running", None):
                    self._ended[eid] = (status, fresh[eid])
                else:
                    self._ended.pop(eid, None)
            elif eid in self._ended:
                out[eid] = self._ended[eid][1]
        return out

    @staticmethod
    def _budget(saved: dict[str, Any] | None) -> float | None:
        import psutil

        from brainjar_sweep.device import memory_budget_gb

        fraction = ((saved or {}).get("hydra") or {}).get("launcher", {}) or {}
        reserve = fraction.get("reserve_fraction", 0.3) if isinstance(fraction, dict) else 0.3
        try:
            total = psutil.virtual_memory().total / 1024**3
            return round(memory_budget_gb(total, float(reserve)), 2)
        except (ValueError, TypeError):
            return None

    def _optuna(
        self, saved: dict[str, Any] | None, tiles: list[dict[str, Any]], notes: list[str]
    ) -> dict[str, Any] | None:
        sweeper = ((saved or {}).get("hydra") or {}).get("sweeper") or {}
        if not isinstance(sweeper, dict) or "optuna" not in str(sweeper.get("_target_", "")):
            return None
        results, note = self._cache.get(
            self.sweep_dir / "optimization_results.yaml",
            "optuna",
            lambda: src.optimization_results(self.sweep_dir),
        )
        if note:
            notes.append(note)
        objective = sweeper.get("objective")
        db = self.sweep_dir / "optuna.db"
        stamp = (
            _stamp(db),
            _stamp(db.with_name("optuna.db-wal")),
            _stamp(db.with_name("optuna.db-journal")),
        )
        if self._optuna_seen is None or self._optuna_seen[0] != stamp:
            name = sweeper.get("study_name") or src.sweep_id_of(self.sweep_dir, saved)
            self._optuna_seen = (
                stamp,
                src.optuna_trials(self.sweep_dir, sweeper.get("storage"), str(name)),
            )
        study, note = self._optuna_seen[1]
        if note:
            notes.append(note)
        by_job = {t["job_num"]: t for t in study or [] if t.get("job_num") is not None}
        trials = []
        for t in tiles:
            trial = by_job.get(t["num"], {})
            trials.append(
                {
                    "trial": trial.get("number", t["num"]),
                    "job": t["num"],
                    "params": t["params"],
                    "state": trial.get("state") or _trial_state(t["status"]),
                    "value": _value(trial.get("values")),
                }
            )
        return {
            "n_trials": sweeper.get("n_trials"),
            "direction": sweeper.get("direction"),
            "objective": objective,
            "trials": trials,
            "results": results,
        }

    # -- one job -------------------------------------------------------------------

    def job(self, num: int) -> dict[str, Any] | None:
        """Job ``num``'s tile, its events (newest last) and its memory chart; None if no such job."""
        snap = self.overview()
        tile = next((t for t in snap["jobs"] if t["num"] == num), None)
        if tile is None:
            return None
        saved, _ = self._saved()
        db = self._events_db(saved)
        ev = db.events(tile["experiment_id"]) if db is not None else {}
        stream = _event_stream(ev)
        mem = ev.get("memory", [])
        minds = sorted({m["mind"] for m in mem if m["mind"]})
        first = minds[0] if minds else None
        points = [(m["cycle"], m["usage_mb"]) for m in mem if m["mind"] == first]
        crash_cycles = [c["cycle"] for c in ev.get("crashes", []) if c["mind"] == first]
        return {
            "job": tile,
            "sweep": snap["sweep"],
            "events": stream[-400:],
            "chart": memory_chart(points, tile["limit_mb"], crash_cycles),
            "chart_mind": first,
            "notes": snap["notes"],
        }

    def close(self) -> None:
        """Let go of the database connection pool, if any."""
        if self._db is not None:
            self._db.close()


def _tile(
    num: int,
    rec: src.JobRecord,
    cfg: dict[str, Any],
    experiment_id: str,
    progress: dict[str, src.JobProgress],
    saved: dict[str, Any] | None,
) -> dict[str, Any]:
    """One job's tile of the overview."""
    prog = progress.get(experiment_id, src.JobProgress())
    limit = prog.limit_mb
    ram = (cfg.get("resources") or {}).get("ram_limit_gb") if cfg else None
    if limit is None and isinstance(ram, (int, float)):
        limit = float(ram) * 1024
    return {
        "num": num,
        "experiment_id": experiment_id,
        "params": rec.parameters,
        "status": rec.status,
        "reason": rec.reason,
        "cycle": prog.cycle,
        "max_cycles": _max_cycles(cfg, rec, saved),
        "crashes": _crashes(prog, rec),
        "memory_mb": None if prog.memory_mb is None else round(prog.memory_mb, 1),
        "limit_mb": None if limit is None else round(limit, 1),
        "gist": prog.gist,
        "duration_seconds": rec.duration_seconds,
    }


def _eta(records: dict[int, src.JobRecord], left: int, running: int) -> float | None:
    """Seconds until the sweep ends, from the completed jobs' mean duration; None unknown."""
    durations = [
        float(r.duration_seconds)
        for r in records.values()
        if r.status == "completed" and isinstance(r.duration_seconds, (int, float))
    ]
    if durations and left:
        return round(sum(durations) / len(durations) * left / max(running, 1), 1)
    return None if left else 0.0


def _event_stream(ev: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """A job's events as one stream for the page, by cycle (within a cycle: messages,
    interventions, self-reports, then crashes and resurrections)."""
    stream: list[dict[str, Any]] = []
    for m in ev.get("messages", []):
        stream.append(
            {
                "id": f"m{m['id']}",
                "kind": "message",
                "cycle": m["cycle"],
                "who": f"{m['mind']} ({m['role']})",
                "text": m["content"] or "",
                "flags": [f for f in ("corrupted", "injected") if m[f]],
            }
        )
    for c in ev.get("crashes", []):
        stream.append(
            {
                "id": f"d{c['id']}",
                "kind": "crash",
                "cycle": c["cycle"],
                "who": c["mind"],
                "text": f"crash {c['crash']}: {c['reason'] or ''}",
                "flags": [],
            }
        )
        stream.append(
            {
                "id": f"r{c['id']}",
                "kind": "resurrection",
                "cycle": c["cycle"],
                "who": c["mind"],
                "text": "resurrected "
                + ("remembering" if c["remembers"] else "without its memories"),
                "flags": [],
            }
        )
    for i in ev.get("interventions", []):
        stream.append(
            {
                "id": f"i{i['id']}",
                "kind": "intervention",
                "cycle": i["cycle"],
                "who": i["target"] or "",
                "text": f"{i['type']} ({i['trigger']}): {i['result'] or ''}",
                "flags": [],
            }
        )
    for s in ev.get("self_reports", []):
        score = s["value"] if s["value"] is not None else s["yes_no"]
        stream.append(
            {
                "id": f"s{s['id']}",
                "kind": "self_report",
                "cycle": s["cycle"],
                "who": s["mind"],
                "text": f"{s['question']}: {s['response'] or ''}",
                "score": score,
                "flags": [],
            }
        )
    order = {"message": 0, "intervention": 1, "self_report": 2, "crash": 3, "resurrection": 4}
    stream.sort(key=lambda e: (e["cycle"] or 0, order[e["kind"]]))
    return stream


def _max_cycles(
    cfg: dict[str, Any], rec: src.JobRecord, saved: dict[str, Any] | None
) -> int | None:
    """The job's ``max_cycles``: its own config's, else its override's, else the sweep's."""
    for value in (
        cfg.get("max_cycles"),
        rec.parameters.get("max_cycles"),
        (saved or {}).get("max_cycles"),
    ):
        try:
            if value is not None:
                return int(value)
        except (TypeError, ValueError):
            continue
    return None


def _crashes(prog: src.JobProgress, rec: src.JobRecord) -> int | None:
    """Crashes so far: the database's count, else the sweep files' total, else none yet."""
    if prog.attempt:
        return prog.crashes
    total = rec.metrics.get("total_crashes")
    if isinstance(total, int):
        return total
    return None if rec.status == "pending" else 0


def _swept(tiles: list[dict[str, Any]]) -> list[str]:
    """The parameters whose values differ between jobs (all of them for a single job).

    >>> _swept([{"params": {"seed": "0", "max_cycles": "4"}}, {"params": {"seed": "1", "max_cycles": "4"}}])
    ['seed']
    """
    keys: dict[str, set[str]] = {}
    for t in tiles:
        for k, v in t["params"].items():
            keys.setdefault(k, set()).add(v)
    if len(tiles) < 2:
        return list(keys)
    return [k for k, values in keys.items() if len(values) > 1]


def _trial_state(status: str) -> str:
    return {
        "completed": "COMPLETE",
        "pruned": "PRUNED",
        "running": "RUNNING",
        "pending": "WAITING",
    }.get(status, "FAIL")


def _value(values: list[float] | None) -> Any:
    """A trial's objective value (a list for several objectives), None while it runs."""
    if not values:
        return None
    return round(values[0], 6) if len(values) == 1 else [round(v, 6) for v in values]


def _temperature() -> float | None:
    from brainjar_sweep.device import hottest_zone_c

    try:
        t = hottest_zone_c()
    except Exception:  # noqa: BLE001  a sensor that cannot be read is no temperature
        return None
    return None if t is None else round(t, 1)
