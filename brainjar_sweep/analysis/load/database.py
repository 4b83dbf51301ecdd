"""The experiments DB, read through the store's read API (:class:`~brainjar_sweep.store.StoreReader`,
one path for SQLite and PostgreSQL): ids, attempts and self-reports joined to the jobs, the
other event tables read when first used, and which recorded database URL may be opened.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.load.model import EVENT_COLUMNS, LAZY_TABLES, SweepData, empty_events
from brainjar_sweep.store import StoreReader, StoreUnreadable
from brainjar_sweep.store.reader import EXPERIMENT_COLUMNS

# the experiments table's columns as the jobs' frame takes them in
_DB_NAMES = {
    "seed": "db_seed",
    "config_hash": "db_config_hash",
    "stop_reason": "db_stop_reason",
    "duration_seconds": "db_duration",
}


def _connect(url: str) -> tuple[StoreReader | None, str | None]:
    """A read-only reader of the experiments DB at ``url``, or (None, why not)."""
    try:
        return StoreReader.open(url), None
    except StoreUnreadable as exc:
        return None, str(exc)


def _read_events(reader: StoreReader, table: str, ids: Sequence[str]) -> pd.DataFrame:
    columns = ["experiment_id", "attempt", *EVENT_COLUMNS[table]]
    frame = pd.DataFrame.from_records(reader.events(table, ids), columns=columns)
    frame["attempt"] = pd.to_numeric(frame["attempt"], errors="coerce")
    return frame


def _attach(frame: pd.DataFrame, keys: pd.DataFrame, carry: Sequence[str]) -> pd.DataFrame:
    """Rows of ``frame`` that belong to a job's own attempt, with the job's ``carry`` columns."""
    index = pd.Index(keys["experiment_id"])
    pos = index.get_indexer(frame["experiment_id"])
    ok = pos >= 0
    attempts = keys["attempt"].to_numpy(dtype=float)
    own = frame["attempt"].to_numpy(dtype=float)
    ok[ok] &= own[ok] == attempts[pos[ok]]
    out = frame.loc[ok].reset_index(drop=True)
    where = pos[ok]
    front = {c: keys[c].to_numpy()[where] for c in carry}
    return pd.concat([pd.DataFrame(front), out], axis=1)


def _pick_attempts(jobs: pd.DataFrame, attempts: pd.DataFrame) -> pd.Series:
    """The attempt each job's data belongs to: its own, else the latest matching its status."""
    known = pd.to_numeric(jobs["attempt"], errors="coerce")
    if attempts.empty:
        return known
    att = attempts.copy()
    att["attempt"] = pd.to_numeric(att["attempt"], errors="coerce")
    latest = att.groupby("experiment_id")["attempt"].max()
    done = att[att["status"] == "completed"].groupby("experiment_id")["attempt"].max()
    by_status = jobs["experiment_id"].map(done).where(jobs["status"] == "completed")
    fallback = by_status.fillna(jobs["experiment_id"].map(latest))
    return known.fillna(fallback)


def _self_report_scores(reports: pd.DataFrame, n_jobs: int, job_pos: np.ndarray) -> pd.DataFrame:
    """Per job (row position): mean scale value, or yes rate, of each question."""
    if reports.empty:
        return pd.DataFrame(index=range(n_jobs))
    value = pd.to_numeric(reports["scale_value"], errors="coerce")
    value = value.fillna(pd.to_numeric(reports["yes_no"], errors="coerce")).to_numpy(dtype=float)
    codes, questions = pd.factorize(reports["question_id"])
    ok = ~np.isnan(value) & (codes >= 0)
    out: dict[str, np.ndarray] = {}
    for q, name in sorted(enumerate(questions), key=lambda qn: str(qn[1])):
        sel = ok & (codes == q)
        if not sel.any():
            continue
        sums = np.bincount(job_pos[sel], weights=value[sel], minlength=n_jobs)
        counts = np.bincount(job_pos[sel], minlength=n_jobs)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"sr_{name}"] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return pd.DataFrame(out, index=range(n_jobs))


def _shown(url: str) -> str:
    from brainjar_sweep.store._engine import display_url

    return display_url(url)


def _db_for(url: str | None) -> str | None:
    if url is None:
        return None
    from brainjar_sweep.store._engine import normalize_url

    return normalize_url(url)


def _nearby_db(sweep_dir: str) -> str | None:
    """``logs/experiments.db`` of the dir a ``multirun/<date>/<time>`` sweep was run from."""
    path = Path(sweep_dir)
    for up in (path.parent.parent.parent, path.parent.parent, path.parent):
        candidate = up / "logs" / "experiments.db"
        if candidate.is_file():
            return f"sqlite:///{candidate}"
    return None


# the paths being analysed (resolved), for telling a recorded database URL the analyst trusts
ANALYSED: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "brainjar_analysed", default=()
)


def recorded_db_allowed(url: str, roots: Sequence[Path], sweep_dir: str | None = None) -> bool:
    """Whether a database URL a result file names may be opened without ``--db``.

    Only a local SQLite file inside the analysed paths, or the sweep's own
    ``logs/experiments.db`` next to its ``multirun/`` dir, is: a result file is data, and a
    server it names would receive the analyst's credentials (``PGPASSWORD``, ``~/.pgpass``).

    >>> recorded_db_allowed("postgresql://lab@evil.example/x", [Path("/data/multirun")])
    False
    >>> recorded_db_allowed("sqlite:////data/multirun/exp.db", [Path("/data/multirun")])
    True
    >>> recorded_db_allowed("sqlite:////etc/x.db", [Path("/data/multirun")])
    False
    """
    from brainjar_sweep.store._engine import sqlite_path

    try:
        path = sqlite_path(url)
    except Exception:  # noqa: BLE001 - not a URL at all
        return False
    if path is None or "://" not in url or not url.lower().startswith("sqlite"):
        return False
    path = Path(os.path.normpath(path.absolute()))
    if any(path.is_relative_to(root) for root in roots):
        return True
    near = _nearby_db(sweep_dir) if sweep_dir else None
    return near is not None and Path(near.removeprefix("sqlite:///")) == path


def join_db(data: SweepData, jobs: pd.DataFrame, db: str | os.PathLike[str] | None) -> None:
    """Fill ids, seeds and attempts from the DB; attach self-reports; defer other events."""
    _trusted_urls(data, jobs, db)
    carry = ["sweep_id", "job_num", "status", *data.params]
    urls = jobs["_db_url"].dropna().unique().tolist()
    if not urls:
        data.warnings.append(
            "no experiments DB recorded by these sweeps (use --db): no cycles or self-reports"
        )
        return
    sources: list[tuple[str, list[str]]] = []
    exps: list[pd.DataFrame] = []
    atts: list[pd.DataFrame] = []
    reports: list[pd.DataFrame] = []
    for url in urls:
        mask = (jobs["_db_url"] == url).to_numpy()
        ids = jobs.loc[mask, "experiment_id"].dropna().astype(str).unique().tolist()
        conn, why = _connect(url)
        used = url
        if conn is None and db is None:
            alt = _nearby_db(str(jobs.loc[mask, "sweep_dir"].iloc[0]))
            if alt is not None and alt != url:
                conn, why2 = _connect(alt)
                if conn is not None:
                    data.warnings.append(f"{why}; using {alt} found next to the sweep")
                    used = alt
        if conn is None:
            data.warnings.append(f"{why}: no cycles or self-reports for {int(mask.sum())} jobs")
            continue
        try:
            exp = pd.DataFrame.from_records(
                conn.experiments(ids), columns=[_DB_NAMES.get(c, c) for c in EXPERIMENT_COLUMNS]
            )
            att = pd.DataFrame.from_records(
                conn.attempts(ids), columns=["experiment_id", "attempt", "status"]
            )
            reports.append(_read_events(conn, "self_reports", ids))
        except Exception as exc:  # noqa: BLE001 - a damaged DB is a warning, not a crash
            # imported here: the error module loads Hydra and the config, which reading needs not
            from brainjar_sweep._errors import first_line

            data.warnings.append(f"cannot read experiments DB {_shown(used)}: {first_line(exc)}")
            continue
        finally:
            conn.close()
        data.db_urls.append(_shown(used))
        missing = len(set(ids) - set(exp["experiment_id"]))
        if missing:
            data.warnings.append(f"{missing} of {len(ids)} experiments are not in {_shown(used)}")
        sources.append((used, ids))
        exps.append(exp)
        atts.append(att)
    if not exps:
        return
    exp = pd.concat(exps, ignore_index=True).drop_duplicates("experiment_id")
    att = pd.concat(atts, ignore_index=True)
    _fill_from_experiments(jobs, exp)
    jobs["attempt"] = _pick_attempts(jobs, att).to_numpy()
    named = jobs[jobs["experiment_id"].notna()]
    keys = named[["experiment_id", "attempt", *carry]]
    frame = pd.concat(reports, ignore_index=True) if reports else empty_events("self_reports")
    attached = _attach(frame, keys, carry)
    data.self_reports = attached
    job_pos = pd.Index(jobs["experiment_id"]).get_indexer(attached["experiment_id"])
    scores = _self_report_scores(attached, len(jobs), job_pos)
    for c in scores.columns:
        jobs[c] = scores[c].to_numpy()
        if c not in data.metrics:
            data.metrics.append(c)
    for table in LAZY_TABLES:
        data.defer(table, _event_loader(table, sources, keys.copy(), carry))


def _trusted_urls(data: SweepData, jobs: pd.DataFrame, db: str | os.PathLike[str] | None) -> None:
    """Set each job's database URL: ``db`` when given, else the one its result file names if
    the analyst could have named it (else the sweep's own ``logs/experiments.db``, or none)."""
    if db is not None:
        jobs["_db_url"] = _db_for(os.fspath(db))
    else:  # a URL a result file names is used only if the analyst could have named it
        roots = ANALYSED.get()
        for url in jobs["_db_url"].dropna().unique().tolist():
            mask = (jobs["_db_url"] == url).to_numpy()
            sweep = jobs.loc[mask, "sweep_dir"].iloc[0]
            if not recorded_db_allowed(str(url), roots, None if pd.isna(sweep) else str(sweep)):
                near = None if pd.isna(sweep) else _nearby_db(str(sweep))
                data.warnings.append(
                    f"not reading the experiments DB {_shown(str(url))} that result files name "
                    "(not given with --db, not a SQLite file in the analysed tree); "
                    "pass --db to read it"
                )
                # a new column, not an assignment into the old one (read-only without pyarrow)
                jobs["_db_url"] = jobs["_db_url"].astype(object).where(~mask, near)


def _fill_from_experiments(jobs: pd.DataFrame, exp: pd.DataFrame) -> None:
    """Seeds, config hashes, stop reasons and durations the job table lacks, from the DB."""
    pos = pd.Index(exp["experiment_id"]).get_indexer(jobs["experiment_id"])
    found = pos >= 0
    for src, dst in (
        ("db_seed", "seed_result"),
        ("db_config_hash", "config_hash"),
        ("db_stop_reason", "stop_reason"),
        ("db_duration", "duration_seconds"),
    ):
        values = np.full(len(jobs), None, dtype=object)
        values[found] = exp[src].to_numpy(dtype=object)[pos[found]]
        jobs[dst] = jobs[dst].where(jobs[dst].notna(), pd.Series(values, index=jobs.index))


def _event_loader(
    table: str, sources: list[tuple[str, list[str]]], keys: pd.DataFrame, carry: list[str]
) -> Callable[[], pd.DataFrame]:
    def load_table() -> pd.DataFrame:
        parts = []
        for url, ids in sources:
            conn, _ = _connect(url)
            if conn is None:
                continue
            try:
                parts.append(_read_events(conn, table, ids))
            except Exception:  # noqa: BLE001 - same policy as the first read
                continue
            finally:
                conn.close()
        frame = pd.concat(parts, ignore_index=True) if parts else empty_events(table)
        return _attach(frame, keys, carry)

    return load_table
