"""The design of a sweep, as the statistics must respect it.

:func:`detect_design` reads the completed jobs of a :class:`SweepData` and tells:

- the unit of replication (the replicate key, ``seed`` unless told otherwise) and
  whether the same replicate values recur across cells (common random numbers: the
  tests then pair, or block, on the replicate);
- re-runs of one cell and replicate with identical outcomes (collapsed to one job);
- inert parameters: every job is an exact copy of the job with the same replicate
  and other parameters at another value of the parameter (the parameter is collapsed
  and said to change nothing measured);
- nesting: a run length key (``max_cycles``) swept with the same replicates, whose
  shorter runs are prefixes of the longer ones; the other parameters are analysed at
  each of its values separately, never pooled over them;
- design quantities: metrics constant within every cell that vary between cells (they
  restate the design: shown, never tested);
- metrics carrying the same information (each a one-to-one function of the other over
  the jobs): shown once.

Example:
    >>> jobs = pd.DataFrame({"status": ["completed"] * 6, "p": [0, 0, 0, 1, 1, 1],
    ...     "seed": [0, 1, 2] * 2, "m": [1.0, 2.0, 3.0, 2.0, 4.0, 3.5],
    ...     "cycles": [10] * 3 + [20] * 3})
    >>> d = detect_design(SweepData(jobs=jobs, params=["p", "seed"], metrics=["m", "cycles"]),
    ...                   ["m", "cycles"])
    >>> d.blocked, d.units, d.outcomes, d.design_quantities
    (True, 3, ['m'], ['cycles'])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.load import REPLICATE_KEYS, SweepData, sort_levels
from brainjar_sweep.analysis.stats.groups import MAX_LEVELS, group_labels

__all__ = ["NESTING_KEYS", "Design", "detect_design"]

NESTING_KEYS: tuple[str, ...] = ("max_cycles",)
"""Run-length keys: with the same seed, a shorter run is a prefix of a longer one."""

UNIT = "_unit"
_TIMING = ("_seconds", "per_second", "_time")


@dataclass
class Design:
    """What :func:`detect_design` found; ``frame`` holds the jobs the tests use.

    ``frame`` is the completed jobs after collapsing re-runs and inert parameters,
    with a ``_unit`` column naming the replication unit of each job (its replicate
    value, or the job itself when there is no replicate key).
    """

    params: list[str]
    """Swept parameters that are analysed (inert ones removed)."""
    replicate: str | None
    """The replicate key (``seed``), None when the jobs carry none."""
    levels: dict[str, list[Any]]
    """Values of each analysed parameter, in natural order."""
    blocked: bool
    """Replicate values recur across cells: tests pair (block) on the replicate."""
    units: int
    """Distinct replication units (seeds, or jobs without a replicate key)."""
    per_cell: tuple[int, int]
    """Fewest and most jobs in a cell of the analysed parameters."""
    nested: str | None = None
    """The run-length key whose values nest (prefixes of one run per seed), if any."""
    inert: list[str] = field(default_factory=list)
    """Swept parameters whose jobs are exact copies across their values (collapsed)."""
    collapsed: int = 0
    """Jobs dropped as exact copies (re-runs and inert parameters)."""
    design_quantities: list[str] = field(default_factory=list)
    """Metrics fixed by the design: constant within every cell, varying between cells."""
    same_information: dict[str, list[str]] = field(default_factory=dict)
    """Kept metric -> metrics carrying the same information (shown once)."""
    outcomes: list[str] = field(default_factory=list)
    """Metrics that are tested."""
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    """Sentences for the report about what was detected and done."""
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    """Memo of derived tables (cell matrices) shared by the tests and the descriptives."""

    @property
    def replicated(self) -> bool:
        """True when anything can be tested: two units per compared value at least."""
        if self.blocked:
            return self.units >= 2
        return self.per_cell[1] >= 2

    def describe(self) -> str:
        """One sentence on levels, replicates and blocking.

        Example:
            >>> Design(["p"], "seed", {"p": [0, 1]}, True, 3, (3, 3)).describe()
            'p: 2 values (0, 1); 3 replicates per cell (seed 3 values, the same in every cell: tests are blocked on seed).'
        """
        parts = [
            f"{p}: {len(v)} values ({', '.join(_short(x) for x in v[:12])}"
            + (" ..." if len(v) > 12 else "")
            + ")"
            for p, v in self.levels.items()
        ]
        lo, hi = self.per_cell
        reps = str(lo) if lo == hi else f"{lo}-{hi}"
        if not self.replicated:
            unit = f"{self.replicate} the same in every cell" if self.replicate else "no seed"
            return "; ".join(parts + [f"one run per cell ({unit}): no replication."])
        if self.replicate is None:
            unit = "no replicate key: each job is its own unit"
        elif self.blocked:
            unit = (
                f"{self.replicate} {self.units} values, the same in every cell: tests are "
                f"blocked on {self.replicate}"
            )
        else:
            unit = f"{self.replicate} differs between cells: tests treat cells as independent"
        return "; ".join(parts + [f"{reps} replicates per cell ({unit})."])


def _short(v: Any) -> str:
    if isinstance(v, float) and v == int(v):
        return str(int(v)) if abs(v) < 1e12 else str(v)
    return str(v)


def cell_key(frame: pd.DataFrame, cols: Sequence[str]) -> pd.Series:
    """A hashable label per row for the combination of ``cols`` (one value when empty)."""
    if not cols:
        return pd.Series(0, index=frame.index)
    labels = frame[list(cols)].astype(str)
    return labels.groupby(list(cols), sort=False).ngroup()


def _outcome_columns(data: SweepData, frame: pd.DataFrame) -> list[str]:
    out = []
    for m in data.metrics:
        if m in frame and not any(t in m for t in _TIMING):
            if (
                pd.api.types.is_numeric_dtype(frame[m])
                or pd.to_numeric(frame[m], errors="coerce").notna().any()
            ):
                out.append(m)
    return out


def _values(frame: pd.DataFrame, cols: Sequence[str]) -> np.ndarray:
    return (
        frame[list(cols)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        if cols
        else np.empty((len(frame), 0))
    )


def _same_rows(block: np.ndarray) -> bool:
    """All rows of ``block`` equal (NaN equal to NaN)."""
    if len(block) < 2:
        return True
    first = block[0]
    return bool(np.all((block == first) | (np.isnan(block) & np.isnan(first))))


def detect_design(
    data: SweepData,
    metrics: Sequence[str],
    *,
    replicate: str | None = None,
) -> Design:
    """Detect replication, blocking, copies, nesting and design quantities of ``data``.

    ``replicate`` names the replicate key when it is not ``seed``; ``metrics`` are the
    ones the report covers (design quantities and repeats are taken out of them).

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "a": [0, 1, 0, 1],
        ...     "seed": [0, 0, 1, 1], "m": [1.0, 1.0, 2.0, 2.0]})
        >>> d = detect_design(SweepData(jobs=jobs, params=["a", "seed"], metrics=["m"]), ["m"])
        >>> d.inert, d.params, d.collapsed
        (['a'], [], 2)
    """
    done = data.completed.copy()
    keys = [replicate] if replicate else list(REPLICATE_KEYS)
    rep = next((k for k in keys if k in done.columns and done[k].notna().any()), None)
    swept = [p for p in data.swept if p != rep]
    notes: list[str] = []
    for p in swept:
        if done[p].nunique() > MAX_LEVELS and pd.api.types.is_numeric_dtype(done[p]):
            done[p] = group_labels(done[p]).to_numpy()
            notes.append(
                f"{p} takes more than {MAX_LEVELS} values (a search, not a grid): grouped into"
                " quantile bins; jobs in a bin are different configurations, not replicates."
            )
    if rep is not None:
        done[UNIT] = done[rep].astype(str)
    else:
        done[UNIT] = [f"job{i}" for i in range(len(done))]
    compare = _outcome_columns(data, done)
    vals = _values(done, compare)

    done, vals, collapsed = _collapse_reruns(done, vals, swept, rep, notes)

    done, vals, inert, copies = _collapse_inert(done, vals, swept, rep, notes)
    collapsed += copies
    params = [p for p in swept if p not in inert]

    cells = cell_key(done, params)
    per = done.groupby(cells.to_numpy(), sort=False).size()
    per_cell = (int(per.min()), int(per.max())) if len(per) else (0, 0)
    cells_per_unit = pd.Series(cells.to_numpy()).groupby(done[UNIT].to_numpy()).nunique()
    blocked = rep is not None and bool(len(cells_per_unit) and cells_per_unit.max() > 1)
    units = int(done[UNIT].nunique())

    nested = _nested_key(done, params, blocked, rep, notes)

    chosen = list(dict.fromkeys(m for m in metrics if m in done.columns))
    design_q = _design_quantities(done, chosen, cells, per_cell, params, notes)
    tested = [m for m in chosen if m not in design_q]
    same = _same_information(done, tested, design_q, notes)
    dropped = {b for bs in same.values() for b in bs}
    outcomes = [m for m in tested if m not in dropped]
    design_q = [m for m in design_q if m not in dropped]
    levels = {p: sort_levels(done[p].dropna().unique().tolist()) for p in params}
    return Design(
        params=params,
        replicate=rep,
        levels=levels,
        blocked=blocked,
        units=units,
        per_cell=per_cell,
        nested=nested,
        inert=inert,
        collapsed=collapsed,
        design_quantities=design_q,
        same_information=same,
        outcomes=outcomes,
        frame=done.reset_index(drop=True),
        notes=notes,
    )


def _collapse_reruns(
    done: pd.DataFrame, vals: np.ndarray, swept: list[str], rep: str | None, notes: list[str]
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Re-runs (same cell and unit, identical outcomes) counted once."""
    cell_unit = cell_key(done, [*swept, UNIT])
    dup = np.zeros(len(done), dtype=bool)
    for _, pos in done.groupby(cell_unit.to_numpy(), sort=False).indices.items():
        if len(pos) > 1 and _same_rows(vals[pos]):
            dup[pos[1:]] = True
    collapsed = int(dup.sum())
    if collapsed:
        notes.append(
            f"{collapsed} jobs repeat another job's cell and {rep or 'configuration'} with"
            " identical outcomes: counted once."
        )
        done, vals = done[~dup], vals[~dup]
    return done, vals, collapsed


def _collapse_inert(
    done: pd.DataFrame, vals: np.ndarray, swept: list[str], rep: str | None, notes: list[str]
) -> tuple[pd.DataFrame, np.ndarray, list[str], int]:
    """Inert parameters (every job an exact copy across their values, the other parameters
    and unit fixed) taken out, their copies collapsed: (jobs, values, inert, copies)."""
    # inert parameters: exact copies across their values, other parameters and unit fixed
    inert: list[str] = []
    copies = 0
    for p in list(swept):
        rest = [q for q in swept if q != p and q not in inert]
        groups = done.groupby(cell_key(done, [*rest, UNIT]).to_numpy(), sort=False).indices
        if len(done) and all(
            done[p].iloc[pos].nunique(dropna=False) == done[p].nunique(dropna=False)
            and _same_rows(vals[pos])
            for pos in groups.values()
        ):
            first = sort_levels(done[p].dropna().unique().tolist())[:1]
            keep = done[p].isin(first).to_numpy() if first else np.ones(len(done), bool)
            notes.append(
                f"{p} changes nothing measured: every job is an exact copy of the job with the"
                f" same {rep or 'configuration'} and other parameters at another value of {p}"
                f" ({int((~keep).sum())} copies collapsed; {p} is not tested)."
            )
            copies += int((~keep).sum())
            done, vals = done[keep], vals[keep]
            inert.append(p)
    return done, vals, inert, copies


def _nested_key(
    done: pd.DataFrame, params: list[str], blocked: bool, rep: str | None, notes: list[str]
) -> str | None:
    """The run-length key whose shorter runs are the start of longer ones (same seed), if any."""
    for key in NESTING_KEYS:
        if key in params and blocked:
            rest = [q for q in params if q != key]
            spread = done.groupby(cell_key(done, [*rest, UNIT]).to_numpy())[key].nunique()
            if (spread > 1).any():
                notes.append(
                    f"{key} is nested: with the same {rep}, a shorter run is the start of a longer"
                    f" one. Runs of different {key} are never pooled as replicates; the other"
                    f" parameters are tested at each {key} separately, and {key} itself within"
                    f" {rep} (repeated measures)."
                )
                return key
    return None


def _design_quantities(
    done: pd.DataFrame,
    chosen: list[str],
    cells: pd.Series,
    per_cell: tuple[int, int],
    params: list[str],
    notes: list[str],
) -> list[str]:
    """Metrics fixed by the design: the same in every replicate of a cell, or fixed by one
    parameter alone (shown, never tested)."""
    design_q: list[str] = []
    if per_cell[1] >= 2:
        for m in chosen:
            x = pd.to_numeric(done[m], errors="coerce")
            grouped = x.groupby(cells.to_numpy())
            within = grouped.max() - grouped.min()
            if x.notna().any() and (within.fillna(0) == 0).all() and x.nunique() > 1:
                design_q.append(m)
    if design_q:
        notes.append(
            "Design quantities (the same in every replicate of a cell, so fixed by the swept"
            " values; shown, never tested): " + ", ".join(design_q) + "."
        )
    determined = _determined(done, [m for m in chosen if m not in design_q], params, per_cell)
    for m, p in determined.items():
        design_q.append(m)
        notes.append(
            f"{m} is fixed by {p} alone (one value per value of {p}, whatever the other"
            " parameters and seeds): a design quantity, shown, never tested."
        )
    return design_q


def _same_information(
    done: pd.DataFrame, tested: list[str], design_q: list[str], notes: list[str]
) -> dict[str, list[str]]:
    """Metrics that are a monotone one-to-one function of an earlier one: shown once."""
    same: dict[str, list[str]] = {}
    for group, fixed in ((tested, False), (design_q, True)):
        taken: set[str] = set()
        for i, a in enumerate(group):
            if a in taken:
                continue
            for b in group[i + 1 :]:
                if b not in taken and _one_to_one(done, a, b, fixed):
                    same.setdefault(a, []).append(b)
                    taken.add(b)
    for a, bs in same.items():
        notes.append(
            f"{', '.join(bs)} carr{'y' if len(bs) > 1 else 'ies'} the same information as {a}"
            f" (a monotone one-to-one function of it over these jobs): shown and tested once, as {a}."
        )
    return same


def _determined(
    done: pd.DataFrame, metrics: list[str], params: list[str], per_cell: tuple[int, int]
) -> dict[str, str]:
    """Metrics that one parameter alone fixes: ``total_cycles`` is ``max_cycles`` when every
    run completes. A metric equal to a parameter's value is one; so is a count
    (``total_*``) with one value per run length, whatever the other parameters and
    replicates (which must vary for that to be told). Rates are outcomes: always tested."""
    out: dict[str, str] = {}
    for m in metrics:
        x = pd.to_numeric(done[m], errors="coerce")
        if x.isna().any() or x.nunique() < 2:
            continue
        for p in params:
            values = done[p]
            equal = pd.api.types.is_numeric_dtype(values) and bool(
                np.allclose(x.to_numpy(float), pd.to_numeric(values).to_numpy(float))
            )
            spread = (len(params) >= 2 or per_cell[0] >= 2) and p in NESTING_KEYS
            counted = spread and m.startswith("total_")
            if equal or (counted and (x.groupby(values.to_numpy()).nunique() == 1).all()):
                out[m] = p
                break
    return out


def _one_to_one(frame: pd.DataFrame, a: str, b: str, fixed: bool = False) -> bool:
    """``a`` and ``b`` are monotone one-to-one functions of each other over the jobs.

    Outcomes need three distinct values at least (two two-valued metrics line up by
    chance); design quantities, fixed by the cell, may have two.
    """
    x = pd.to_numeric(frame[a], errors="coerce").round(9)
    y = pd.to_numeric(frame[b], errors="coerce").round(9)
    ok = x.notna() & y.notna()
    if ok.sum() < 2 or x[ok].nunique() < (2 if fixed else 3) or (x.isna() != y.isna()).any():
        return False
    pair = pd.DataFrame({"x": x[ok], "y": y[ok]})
    if not (
        (pair.groupby("x")["y"].nunique() == 1).all()
        and (pair.groupby("y")["x"].nunique() == 1).all()
    ):
        return False
    rho = pair["x"].rank().corr(pair["y"].rank())
    return bool(abs(rho) >= 1 - 1e-9)
