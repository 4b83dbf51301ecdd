"""How long a job will run, predicted before it starts; and how wrong the predictions were.

One estimator for the dry run's estimate (``lifecycle.estimate_seconds``) and the launcher's
admission order (``predict_seconds``, a hook: ``function(job_cfg) -> float | None``). It learns
from the experiments database's past runs (through ``store.reader``): for experiments of the
same mode, mind kind and model (else the same mind kind and model in any mode), the run's
seconds are fitted, with non-negative least squares, as

    seconds = a x cycles x minds + b x cycles x minds x context window (K tokens)
              + c x self-reports

so a longer context, more minds or more self-reports cost what they cost before; with too few
distinct runs to tell these apart, it is the mean seconds per cycle and mind. A job run again
(a retry, a resume) also knows its own earlier attempts: a completed one is its best guess,
and one that failed after some time says it takes at least that long. Every prediction adds
the job's start-up (its process and imports, :data:`STARTUP_SECONDS`).

With no past run of its kind, :func:`predict_seconds` says None (a launcher then keeps
sweep order); :func:`estimate_seconds` falls back to a default per mind kind.

>>> runs = [PastRun(("isolated", "simulated", ""), 100, 1, 2.0, 10, 5.0),
...         PastRun(("isolated", "simulated", ""), 200, 1, 2.0, 20, 10.0)]
>>> model = DurationModel(runs)
>>> job = JobFacts(("isolated", "simulated", ""), 300, 1, 2.0, 30)
>>> round(model.predict(job) - STARTUP_SECONDS, 3)
15.0
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# a job's start-up besides its experiment, as the jetson launcher pays it: its process forked
# from the preloaded server, Hydra's run_job, the result sent back (benchmarks/bench_real_sweep.py
# on a 2-core machine, two jobs at once: the launcher's seconds for each job minus the
# experiment's own, median 0.089 s of 80 jobs)
STARTUP_SECONDS = 0.09
# seconds per cycle and mind when nothing of the kind ran before
DEFAULT_CYCLE_SECONDS = {"simulated": 0.0005}
UNKNOWN_CYCLE_SECONDS = 1.0
REFRESH_SECONDS = 30.0  # a database is read again after this long (a sweep learns as it runs)

Kind = tuple[str, str, str]  # mode, mind kind, model


@dataclass(frozen=True)
class JobFacts:
    """What a job's duration depends on, read from its config."""

    kind: Kind
    cycles: int
    minds: int
    context_k: float  # context window, thousands of tokens
    self_reports: int  # expected number, all minds together


@dataclass(frozen=True)
class PastRun:
    """One experiment that ran: its facts and its seconds (the run, without start-up)."""

    kind: Kind
    cycles: int
    minds: int
    context_k: float
    self_reports: int
    seconds: float


def _is_config(cfg: Any) -> bool:
    from omegaconf import DictConfig

    return isinstance(cfg, DictConfig)


def _get(cfg: Any, dotted: str, default: Any = None) -> Any:
    if _is_config(cfg):
        from omegaconf import OmegaConf

        return OmegaConf.select(cfg, dotted, default=default)
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def _kind(cfg: Any) -> Kind:
    mind = str(_get(cfg, "mind.kind", ""))
    model = _get(cfg, "mind.model_path") or _get(cfg, "mind.model") or ""
    return str(_get(cfg, "mode.name", "")), mind, os.path.basename(str(model))


def job_facts(cfg: Any) -> JobFacts:
    """A job's facts, from its composed config or its plain experiment dict.

    >>> from brainjar_sweep.config import compose
    >>> job_facts(compose(["max_cycles=30", "mode=split_brain"]))
    JobFacts(kind=('split_brain', 'simulated', ''), cycles=30, minds=2, context_k=4.096, self_reports=22)
    """
    from brainjar_sweep.config.validate import mind_ids

    cycles = int(_get(cfg, "max_cycles", 0) or 0)
    mode = _get(cfg, "mode") or {}
    minds = max(1, len(mind_ids(mode))) if mode else 1
    sr = _get(cfg, "self_report") or {}
    every = sr.get("every_n_cycles")
    reports = (cycles // int(every)) if every else 0
    reports += sum(1 for c in (sr.get("on_cycles") or []) if int(c) <= cycles)
    reports += 1 if sr.get("on_startup") else 0
    context = float(_get(cfg, "resources.context_window", 0) or 0) / 1000
    return JobFacts(_kind(cfg), cycles, minds, context, reports * minds)


def _features(f: JobFacts | PastRun) -> tuple[float, float, float]:
    work = float(f.cycles * f.minds)
    return work, work * f.context_k, float(f.self_reports)


def _nonnegative_least_squares(
    rows: Sequence[tuple[float, float, float]], y: Sequence[float]
) -> tuple[float, float, float]:
    """Non-negative least squares for three columns: the least-squares fit on each subset of
    the columns whose coefficients all come out >= 0, the one with the smallest residual (the
    optimum is one of them). scipy's ``nnls`` gives the same, but importing scipy.optimize
    costs a dry run 0.4 s and 50 MB.

    >>> [round(c, 6) for c in _nonnegative_least_squares([(1, 0, 0), (0, 1, 0), (1, 1, 1)], [2, -1, 2])]
    [2.0, 0.0, 0.0]
    """
    import itertools

    import numpy as np

    a, b = np.array(rows, dtype=float), np.array(y, dtype=float)
    best: tuple[float, tuple[float, float, float]] = (float(np.dot(b, b)), (0.0, 0.0, 0.0))
    for size in (1, 2, 3):
        for cols in itertools.combinations(range(3), size):
            coef, *_ = np.linalg.lstsq(a[:, cols], b, rcond=None)
            if (coef < 0).any():
                continue
            full = [0.0, 0.0, 0.0]
            for c, v in zip(cols, coef, strict=True):
                full[c] = float(v)
            resid = b - a @ np.array(full)
            err = float(np.dot(resid, resid))
            if err < best[0] - 1e-12:
                best = (err, (full[0], full[1], full[2]))
    return best[1]


@dataclass
class _Fit:
    coef: tuple[float, float, float]


@dataclass
class DurationModel:
    """Predicted seconds of a job from past runs (see the module docstring)."""

    runs: Sequence[PastRun]
    startup_seconds: float = STARTUP_SECONDS
    _fits: dict[Any, _Fit | None] = field(default_factory=dict, repr=False)

    def _fit(self, key: Any) -> _Fit | None:
        if key in self._fits:
            return self._fits[key]
        same = [r for r in self.runs if (r.kind if len(key) == 3 else r.kind[1:]) == key]
        fit = None
        if same:
            rows = [_features(r) for r in same]
            secs = [r.seconds for r in same]
            if len({row for row in rows}) >= 3:
                fit = _Fit(_nonnegative_least_squares(rows, secs))
            if fit is None or not any(fit.coef):
                work = sum(row[0] for row in rows)
                fit = _Fit((sum(secs) / work, 0.0, 0.0)) if work else None
        self._fits[key] = fit
        return fit

    def run_seconds(self, job: JobFacts) -> float | None:
        """Predicted seconds of the run alone (no start-up); None: nothing of its kind ran."""
        fit = self._fit(job.kind) or self._fit(job.kind[1:])
        if fit is None:
            return None
        return sum(c * x for c, x in zip(fit.coef, _features(job), strict=True))

    def predict(self, job: JobFacts, attempts: Sequence[tuple[str, float]] = ()) -> float | None:
        """Predicted seconds of the job, start-up included; ``attempts`` are its own earlier
        ``(status, seconds)``. None: nothing of its kind ran and it never ran itself."""
        run = self.run_seconds(job)
        done = [s for status, s in attempts if status == "completed"]
        if done:
            run = done[-1]
        elif attempts:
            longest = max(s for _, s in attempts)
            run = longest if run is None else max(run, longest)
        return None if run is None else self.startup_seconds + run


def past_run_from_row(row: Sequence[Any]) -> PastRun | None:
    """A :class:`PastRun` from a row of ``store.reader.past_runs`` (None if unusable)."""
    _, _, _, _, config_json, cycles, reports, seconds = row
    try:
        cfg = json.loads(config_json)
        facts = job_facts(cfg)
    except Exception:  # noqa: BLE001 - an experiment of another schema teaches nothing
        return None
    return PastRun(
        facts.kind, int(cycles), facts.minds, facts.context_k, int(reports or 0), float(seconds)
    )


_MODELS: dict[tuple[str, frozenset[str]], tuple[float, Any, DurationModel]] = {}


def _version(url: str) -> Any:
    """What changes when a SQLite database is written (its files' sizes and times); None for
    a server's database, which is read again every :data:`REFRESH_SECONDS`."""
    if not url.lower().startswith("sqlite"):
        return None
    from brainjar_sweep.store._engine import sqlite_path

    path = sqlite_path(url)
    if path is None:
        return None
    out = []
    for file in (path, Path(f"{path}-wal")):
        try:
            stat = file.stat()
            out.append((stat.st_size, stat.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


def model_for(url: str, exclude_sweep: str | None = None) -> DurationModel:
    """The model learnt from the database at ``url`` (read again when a SQLite file changed,
    and every :data:`REFRESH_SECONDS`); ``exclude_sweep`` leaves one sweep's experiments out."""
    from brainjar_sweep.store.reader import past_runs

    key = (url, frozenset([exclude_sweep] if exclude_sweep else []))
    hit = _MODELS.get(key)
    version = _version(url)
    if hit is not None and hit[1] == version and time.monotonic() - hit[0] < REFRESH_SECONDS:
        return hit[2]
    runs = [
        run
        for row in past_runs(url)
        if exclude_sweep is None or row[1] != exclude_sweep
        if (run := past_run_from_row(row)) is not None
    ]
    model = DurationModel(runs)
    _MODELS[key] = (time.monotonic(), version, model)
    return model


def _db_url(cfg: Any) -> str | None:
    from brainjar_sweep.store import experiment_db_url

    db = _get(cfg, "db")
    if db is None:
        return None
    cwd = (_get(cfg, "hydra.runtime.cwd") if _is_config(cfg) else None) or "."
    return experiment_db_url({"url": db.get("url"), "path": db.get("path")}, cwd)


def _sweep_and_experiment(cfg: Any) -> tuple[str, str] | None:
    """The sweep id and experiment id a sweep's job records its experiment under (a
    composed job config only)."""
    if not _is_config(cfg):
        return None
    from brainjar_sweep.records import experiment_id_for, sweep_id_for

    try:
        num = _get(cfg, "hydra.job.num")
        sweep_dir = _get(cfg, "hydra.sweep.dir")
        if num is None or sweep_dir is None:
            return None
        cwd = _get(cfg, "hydra.runtime.cwd") or None
        sweep_id = sweep_id_for(str(sweep_dir), _get(cfg, "sweep_id"), cwd)
        return sweep_id, experiment_id_for(sweep_id, int(num), _get(cfg, "experiment_id"))
    except Exception:  # noqa: BLE001 - a dir that does not resolve yet: no own history
        return None


_ATTEMPTS: dict[tuple[str, str], tuple[float, Any, dict[str, list[tuple[str, float]]]]] = {}


def _attempts(url: str, sweep_id: str) -> dict[str, list[tuple[str, float]]]:
    """Each experiment's attempts of a sweep, read once (again when the database changed)."""
    from brainjar_sweep.store.reader import sweep_attempt_seconds

    hit = _ATTEMPTS.get((url, sweep_id))
    version = _version(url)
    if hit is not None and hit[1] == version and time.monotonic() - hit[0] < REFRESH_SECONDS:
        return hit[2]
    found = sweep_attempt_seconds(url, sweep_id)
    _ATTEMPTS[(url, sweep_id)] = (time.monotonic(), version, found)
    return found


def predict_seconds(job_cfg: Any) -> float | None:
    """Predicted wall seconds of a job (start-up included), from its config and the
    experiments database it writes to; None when nothing of its kind ran before. The
    launcher's hook; ``job_cfg`` is the job's composed config or its plain experiment.

    >>> from brainjar_sweep.config import compose
    >>> predict_seconds(compose(["db.path=/nonexistent/x.db"])) is None
    True
    """
    url = _db_url(job_cfg)
    if url is None:
        return None
    attempts: list[tuple[str, float]] = []
    ids = _sweep_and_experiment(job_cfg)
    if ids is not None:
        attempts = _attempts(url, ids[0]).get(ids[1], [])
    return model_for(url).predict(job_facts(job_cfg), attempts)


def estimate_seconds(job_cfg: Any) -> float:
    """:func:`predict_seconds`, else a default per mind kind (the dry run's estimate).

    >>> from brainjar_sweep.config import compose
    >>> 0 < estimate_seconds(compose(["max_cycles=10", "db.path=/nonexistent/x.db"])) < 60
    True
    """
    predicted = predict_seconds(job_cfg)
    if predicted is not None:
        return predicted
    facts = job_facts(job_cfg)
    per = DEFAULT_CYCLE_SECONDS.get(facts.kind[1], UNKNOWN_CYCLE_SECONDS)
    return STARTUP_SECONDS + per * facts.cycles * facts.minds


def format_duration(seconds: float) -> str:
    """``~1h 05m``, ``~3m 20s``, ``~12s``, or to a tenth under 10 s (``~2.4s``): a sweep of
    short jobs, estimated at "~2s" for 2.7 s, would look a quarter off when it is not.

    >>> format_duration(3900), format_duration(200), format_duration(12.4), format_duration(2.44)
    ('~1h 05m', '~3m 20s', '~12s', '~2.4s')
    """
    if seconds < 9.95:
        return f"~{seconds:.1f}s"
    s = int(round(seconds))
    if s >= 3600:
        return f"~{s // 3600}h {s % 3600 // 60:02d}m"
    if s >= 60:
        return f"~{s // 60}m {s % 60:02d}s"
    return f"~{s}s"


@dataclass
class PredictionCheck:
    """Predicted against actual seconds of a finished sweep's jobs."""

    sweep_id: str
    jobs: list[tuple[int, float, float]]  # (job_num, predicted, actual)
    unknown: int  # jobs nothing predicted (no past run of their kind)

    @property
    def predicted(self) -> float:
        return sum(p for _, p, _ in self.jobs)

    @property
    def actual(self) -> float:
        return sum(a for _, _, a in self.jobs)

    @property
    def median_error(self) -> float | None:
        """Median of |predicted - actual| / actual over the jobs."""
        errs = [abs(p - a) / a for _, p, a in self.jobs if a > 0]
        return statistics.median(errs) if errs else None

    def __str__(self) -> str:
        if not self.jobs:
            return f"no job of sweep {self.sweep_id} could be predicted"
        med = self.median_error
        text = (
            f"predicted {format_duration(self.predicted).lstrip('~')} of jobs, "
            f"took {format_duration(self.actual).lstrip('~')} ({len(self.jobs)} jobs"
        )
        if med is not None:
            text += f", each off by {med:.0%} at the median"
        if self.unknown:
            text += f"; {self.unknown} with no prediction"
        return text + ")"


def check_predictions(sweep_dir: str | Path, url: str) -> PredictionCheck:
    """How well the estimator would have predicted a finished sweep: each job's prediction
    from the database's runs *other* than this sweep's, against the wall time the launcher
    measured (``sweep_table.csv``). For the sweep's summary: ``str()`` of it reads
    "predicted 41m 00s of jobs, took 44m 10s (...)".

    >>> import tempfile
    >>> str(check_predictions(tempfile.mkdtemp(), "sqlite:////nonexistent/x.db"))
    'no job of sweep ? could be predicted'
    """
    from brainjar_sweep.records import read_sweep_results
    from brainjar_sweep.records.sweep_files import load_records
    from brainjar_sweep.store.reader import past_runs

    body = read_sweep_results(sweep_dir) or {}
    sweep_id = str(body.get("sweep_id") or "?")
    results = [r for r in body.get("results", []) if r.get("status") == "completed"]
    by_id = {r["experiment_id"]: int(r["job_num"]) for r in results}
    configs = {by_id[row[0]]: row[4] for row in past_runs(url, limit=1_000_000) if row[0] in by_id}
    records = load_records(sweep_dir, {num: [] for num in by_id.values()})
    model = model_for(url, exclude_sweep=sweep_id)
    jobs, unknown = [], 0
    for num in sorted(configs):
        rec = records.get(num)
        if rec is None or not rec.duration_seconds:
            continue
        predicted = model.predict(job_facts(json.loads(configs[num])))
        if predicted is None:
            unknown += 1
            continue
        jobs.append((num, predicted, float(rec.duration_seconds)))
    return PredictionCheck(sweep_id, jobs, unknown)
