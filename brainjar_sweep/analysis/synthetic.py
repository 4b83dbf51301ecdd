"""Synthetic sweeps with a known answer, to check the analysis (calibration and power).

:func:`synthetic_sweep` builds the jobs table of a full grid as the loader would give
it: every cell run with replicate seeds, an outcome ``m`` = a per-seed component
(shared by every cell of the seed: common random numbers) + a planted effect of the
cell + independent noise. With ``effect=None`` nothing changes with anything, so
every "changes" in a report on it is a false positive.

Example:
    >>> data = synthetic_sweep({"a": [0, 1, 2]}, seeds=4, effect=lambda c: 10.0 * c["a"])
    >>> len(data.jobs), data.swept, sorted(data.jobs["seed"].unique().tolist())
    (12, ['a'], [0, 1, 2, 3])
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.load import SweepData

__all__ = ["synthetic_sweep"]

Cell = Mapping[str, Any]


def synthetic_sweep(
    params: Mapping[str, Sequence[Any]],
    *,
    seeds: int = 5,
    effect: Callable[[Cell], float] | None = None,
    noise: float = 1.0,
    seed_sd: float = 1.0,
    shared_seeds: bool = True,
    design: Mapping[str, Callable[[Cell], float]] | None = None,
    random_state: int = 0,
) -> SweepData:
    """A full grid of ``params`` x ``seeds`` replicates with outcome ``m``.

    Args:
        params: swept parameter -> its values.
        seeds: replicates per cell.
        effect: the planted mean of ``m`` in a cell (None: no effect at all).
        noise: standard deviation of the per-job noise.
        seed_sd: standard deviation of the per-seed component.
        shared_seeds: the same seeds 0..seeds-1 in every cell (common random numbers);
            otherwise every job has a seed of its own (independent cells).
        design: extra metrics that are functions of the cell alone (design quantities).
        random_state: seed of the generator.

    Example:
        >>> d = synthetic_sweep({"a": [0, 1]}, seeds=2, shared_seeds=False,
        ...                     design={"cycles": lambda c: 10 + 10 * c["a"]})
        >>> d.jobs["seed"].tolist(), d.jobs["cycles"].tolist()
        ([0, 1, 2, 3], [10, 10, 20, 20])
    """
    rng = np.random.default_rng(random_state)
    names = list(params)
    cells = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*params.values())]
    n_seed_values = seeds if shared_seeds else seeds * len(cells)
    seed_part = rng.normal(0.0, seed_sd, size=n_seed_values)
    rows = []
    for c_i, cell in enumerate(cells):
        for r in range(seeds):
            s = r if shared_seeds else c_i * seeds + r
            mean = float(effect(cell)) if effect is not None else 0.0
            row: dict[str, Any] = {
                "status": "completed",
                "experiment_id": f"syn{len(rows):05d}",
                "seed": s,
                **cell,
                "m": mean + seed_part[s] + rng.normal(0.0, noise),
            }
            for name, fn in (design or {}).items():
                row[name] = fn(cell)
            rows.append(row)
    metrics = ["m", *(design or {})]
    return SweepData(pd.DataFrame(rows), params=[*names, "seed"], metrics=metrics)
