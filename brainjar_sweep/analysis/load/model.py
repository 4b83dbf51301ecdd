"""The loaded data: a sweep's identity (:class:`SweepInfo`), its tidy tables
(:class:`SweepData`), the columns they hold and the error a load fails with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.store import event_columns

REPLICATE_KEYS: tuple[str, ...] = ("seed",)
"""Swept keys that name replicates of the same condition, not a condition."""


ID_COLUMNS: tuple[str, ...] = (
    "sweep_id",
    "job_num",
    "experiment_id",
    "status",
    "reason",
    "attempt",
    "seed",
    "config_hash",
    "stop_reason",
    "started_at",
    "ended_at",
    "duration_seconds",
    "job_seconds",
    "memory_gb",
    "sweep_dir",
    "job_dir",
)
"""Bookkeeping columns of :attr:`SweepData.jobs` (never parameters or metrics)."""


# result metrics that are bookkeeping rather than outcomes
NOT_METRICS = frozenset({"duration_seconds", "job_num", "seed", "attempt", "status"})


# columns of a per-sweep frame before parameters, choices and metrics are typed
RAW_COLUMNS = (*ID_COLUMNS[:6], "seed_result", *ID_COLUMNS[7:], "_db_url")


EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    name: event_columns(name) for name in ("cycles", "crashes", "interventions", "self_reports")
}
"""Columns read from each event table (besides ``experiment_id`` and ``attempt``)."""


LAZY_TABLES = ("cycles", "crashes", "interventions")


class LoadError(Exception):
    """A path cannot be analysed at all (missing, or no job in it).

    Example:
        >>> str(LoadError("no such path: x"))
        'no such path: x'
    """


@dataclass
class SweepInfo:
    """What was found in one sweep dir.

    Example:
        >>> SweepInfo(path=Path("m/1"), sweep_id="s", source="job dirs").jobs_used
        0
    """

    path: Path
    sweep_id: str
    source: str
    """``"sweep files"``, ``"job dirs"`` or ``"sweep_results.json"``."""
    jobs_found: int = 0
    jobs_used: int = 0
    grid_size: int | None = None
    task_overrides: list[str] = field(default_factory=list)
    choices: dict[str, Any] = field(default_factory=dict)
    db_url: str | None = None
    optimization: dict[str, Any] | None = None
    question: str = ""
    """The sweep's ``research_question`` as recorded in ``multirun.yaml`` (empty if none)."""
    cross: dict[str, float] = field(default_factory=dict)
    """Levels the sweep declares for its metrics (``cross: {metric: level}`` in its config)."""
    grid_keys: list[str] = field(default_factory=list)
    """The keys its jobs override (the sweep's grid, ``seed`` included), in the order seen."""

    @property
    def name(self) -> str:
        """How a report names the sweep: its dir's name (``10-35-50``), or its id.

        Example:
            >>> SweepInfo(path=Path("multirun/2026-12-02/10-35-50"), sweep_id="s", source="").name
            '10-35-50'
        """
        return self.path.name if self.sweep_id != "single runs" else self.sweep_id


def empty_events(name: str) -> pd.DataFrame:
    return pd.DataFrame(columns=["experiment_id", "attempt", *EVENT_COLUMNS[name]])


class SweepData:
    """Everything loaded: a row per job plus long tables, and what was skipped.

    ``jobs`` has one row per usable job (status completed, failed or timeout) with
    the :data:`ID_COLUMNS`, one column per parameter (override keys and config-group
    choices) and one column per metric. ``cycles``, ``crashes``, ``interventions``
    and ``self_reports`` are long tables keyed by ``sweep_id``/``job_num``/
    ``experiment_id``/``attempt`` that carry the job's status and parameters; the
    first three are read from the DB when first used.

    Example:
        >>> d = SweepData(pd.DataFrame({"status": ["completed"], "x": [1]}), params=["x"])
        >>> d.swept, len(d.completed), d.cycles.empty
        ([], 1, True)
    """

    def __init__(
        self,
        jobs: pd.DataFrame,
        *,
        params: Sequence[str] = (),
        metrics: Sequence[str] = (),
        cycles: pd.DataFrame | None = None,
        crashes: pd.DataFrame | None = None,
        interventions: pd.DataFrame | None = None,
        self_reports: pd.DataFrame | None = None,
        sweeps: Sequence[SweepInfo] = (),
        warnings: Sequence[str] = (),
        skipped: Sequence[tuple[str, str]] = (),
        db_urls: Sequence[str] = (),
    ) -> None:
        self.jobs = jobs
        self.params: list[str] = list(params)
        self.metrics: list[str] = list(metrics)
        self.sweeps: list[SweepInfo] = list(sweeps)
        self.warnings: list[str] = list(warnings)
        self.skipped: list[tuple[str, str]] = list(skipped)
        self.db_urls: list[str] = list(db_urls)
        self._tables: dict[str, pd.DataFrame | None] = {
            "cycles": cycles,
            "crashes": crashes,
            "interventions": interventions,
            "self_reports": self_reports,
        }
        self._pending: dict[str, Callable[[], pd.DataFrame]] = {}
        self.cache: dict[Any, Any] = {}
        """Memo of derived values (groupings, keyword matches); cleared when ``jobs`` changes."""

    def __repr__(self) -> str:
        return (
            f"SweepData({len(self.jobs)} jobs, params={self.params}, "
            f"{len(self.metrics)} metrics, {len(self.sweeps)} sweeps)"
        )

    def defer(self, name: str, loader: Callable[[], pd.DataFrame]) -> None:
        """Read the long table ``name`` with ``loader`` when it is first used.

        Example:
            >>> data = SweepData(jobs=pd.DataFrame())
            >>> data.defer("cycles", lambda: pd.DataFrame({"cycle_number": [0, 1]}))
            >>> len(data.cycles)
            2
        """
        self._pending[name] = loader

    def _table(self, name: str) -> pd.DataFrame:
        frame = self._tables.get(name)
        if frame is None:
            loader = self._pending.pop(name, None)
            frame = loader() if loader is not None else empty_events(name)
            self._tables[name] = frame
        return frame

    @property
    def cycles(self) -> pd.DataFrame:
        """One row per cycle of each job's attempt (read from the DB when first used)."""
        return self._table("cycles")

    @cycles.setter
    def cycles(self, frame: pd.DataFrame) -> None:
        self._tables["cycles"] = frame

    @property
    def crashes(self) -> pd.DataFrame:
        """One row per crash of a mind (read from the DB when first used)."""
        return self._table("crashes")

    @crashes.setter
    def crashes(self, frame: pd.DataFrame) -> None:
        self._tables["crashes"] = frame

    @property
    def interventions(self) -> pd.DataFrame:
        """One row per applied intervention (read from the DB when first used)."""
        return self._table("interventions")

    @interventions.setter
    def interventions(self, frame: pd.DataFrame) -> None:
        self._tables["interventions"] = frame

    @property
    def self_reports(self) -> pd.DataFrame:
        """One row per self-report answer."""
        return self._table("self_reports")

    @self_reports.setter
    def self_reports(self, frame: pd.DataFrame) -> None:
        self._tables["self_reports"] = frame
        self.cache.clear()

    def _memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        stamp = (id(self.jobs), len(self.jobs), id(self._tables.get("self_reports")))
        if self.cache.get("_stamp") != stamp:
            self.cache.clear()
            self.cache["_stamp"] = stamp
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @property
    def completed(self) -> pd.DataFrame:
        """The rows of completed jobs (the ones statistics use)."""

        def compute() -> pd.DataFrame:
            if "status" not in self.jobs:
                return self.jobs
            return self.jobs[self.jobs["status"] == "completed"]

        return self._memo("completed", compute)

    @property
    def swept(self) -> list[str]:
        """Parameters with more than one value among completed jobs, replicate keys excluded."""

        def compute() -> list[str]:
            done = self.completed
            return [
                p
                for p in self.params
                if p not in REPLICATE_KEYS and p in done and done[p].nunique(dropna=False) > 1
            ]

        return list(self._memo("swept", compute))

    @property
    def replicate(self) -> str | None:
        """The replicate key (``seed``) when it varies among completed jobs, else None."""
        done = self.completed
        for key in REPLICATE_KEYS:
            if key in done and done[key].nunique() > 1:
                return key
        return None

    @property
    def fixed(self) -> dict[str, Any]:
        """Parameters with a single value among completed jobs."""
        done = self.completed
        out: dict[str, Any] = {}
        for p in self.params:
            if p in done and p not in REPLICATE_KEYS and done[p].nunique(dropna=False) == 1:
                v = done[p].iloc[0]
                out[p] = v.item() if isinstance(v, np.generic) else v
        return out
