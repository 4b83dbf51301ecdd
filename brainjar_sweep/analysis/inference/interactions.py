"""Interactions of two parameters: two-way ANOVA (statsmodels), with seed as block when blocked."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd
from scipy import stats as sps

from brainjar_sweep.analysis.design import UNIT, Design
from brainjar_sweep.analysis.inference.results import HypothesisTest


def interaction_tests(design: Design, metrics: Sequence[str] | None = None) -> list[HypothesisTest]:
    """Two-way ANOVA interaction test for each pair of analysed parameters and metric.

    Blocked designs average the other parameters within (a, b, seed) and fit
    ``y ~ C(a) * C(b) + C(seed)``; independent designs fit ``y ~ C(a) * C(b)`` plus the
    other parameters as main effects, on the jobs. ``effect`` is partial eta² of a:b.

    Example:
        >>> from brainjar_sweep.analysis.design import detect_design
        >>> from brainjar_sweep.analysis.load import SweepData
        >>> rng = np.random.default_rng(1)
        >>> jobs = pd.DataFrame([{"status": "completed", "a": a, "b": b, "seed": s}
        ...     for a in (0, 1) for b in (0, 1) for s in range(5)])
        >>> jobs["m"] = 4.0 * jobs["a"] * jobs["b"] + rng.normal(size=20)
        >>> d = detect_design(SweepData(jobs=jobs, params=["a", "b", "seed"], metrics=["m"]), ["m"])
        >>> [(t.param, t.p < 0.01) for t in interaction_tests(d)]
        [('a x b', True)]
    """
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    out: list[HypothesisTest] = []
    params = design.params
    rep = design.replicate or "job"
    name = f"two-way ANOVA ({rep} as block)" if design.blocked else "two-way ANOVA"
    for i, a in enumerate(params):
        for b in params[i + 1 :]:
            others = [p for p in params if p not in (a, b)]
            for metric in design.outcomes if metrics is None else metrics:
                work = _interaction_data(design, metric, a, b, others)
                k = work["a"].nunique() * work["b"].nunique()
                absorbed = max(0, work["u"].nunique() - 1) if design.blocked else 0

                make = partial(
                    HypothesisTest, "interaction", metric, f"{a} x {b}", "", name, len(work), k
                )
                if not design.replicated or len(work) <= k + absorbed:
                    out.append(make(math.nan, math.nan, note="no replication"))
                    continue
                if np.ptp(work["y"].to_numpy()) == 0:
                    out.append(make(0.0, 1.0, note="no variation"))
                    continue
                if design.blocked:
                    ss_ab, df_ab, ss_res, df_res = _balanced_interaction(work)
                else:
                    formula = "y ~ C(a) * C(b)" + "".join(f" + C(o{j})" for j in range(len(others)))
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            fit = smf.ols(formula, data=work).fit()
                            table = anova_lm(fit, typ=2)
                    except (ValueError, np.linalg.LinAlgError) as exc:
                        out.append(make(math.nan, math.nan, note=f"cannot fit: {exc}"))
                        continue
                    row = table.loc["C(a):C(b)"]
                    ss_ab, df_ab = float(row["sum_sq"]), float(row["df"])
                    ss_res, df_res = float(table.loc["Residual", "sum_sq"]), float(fit.df_resid)
                scale = float(np.sum((work["y"] - work["y"].mean()) ** 2))
                if ss_ab <= 1e-12 * scale:
                    out.append(make(0.0, 1.0, effect=0.0, note="additive: no interaction at all"))
                elif ss_res <= 1e-12 * scale:
                    out.append(
                        make(math.nan, math.nan, note="no residual variation to test against")
                    )
                else:
                    f_ab = (ss_ab / df_ab) / (ss_res / df_res)
                    p_ab = float(sps.f.sf(f_ab, df_ab, df_res))
                    out.append(
                        make(
                            f_ab,
                            p_ab,
                            effect=ss_ab / (ss_ab + ss_res),
                            note=f"F({int(df_ab)}, {int(df_res)})",
                        )
                    )
    return out


def _interaction_data(
    design: Design, metric: str, a: str, b: str, others: list[str]
) -> pd.DataFrame:
    """Columns a, b, y, u (and o0, o1... for the other parameters) of the jobs with a value.

    Blocked: one mean per (a, b, seed), only seeds with every (a, b) cell.
    """
    frame = design.frame
    work = pd.DataFrame(
        {
            "a": frame[a].astype(str),
            "b": frame[b].astype(str),
            "y": pd.to_numeric(frame[metric], errors="coerce"),
            "u": frame[UNIT],
        }
    )
    for j, o in enumerate(others):
        work[f"o{j}"] = frame[o].astype(str).to_numpy()
    work = work.dropna(subset=["y"])
    if not design.blocked:
        return work
    work = work.groupby(["a", "b", "u"], as_index=False)["y"].mean()
    full = work.groupby("u")["y"].transform("size") == work["a"].nunique() * work["b"].nunique()
    return work[full].reset_index(drop=True)


def _balanced_interaction(work: pd.DataFrame) -> tuple[float, float, float, float]:
    """(SS, df) of a x b and of the residual: one value per (a, b, seed), seed as block.

    The closed form of ``y ~ C(a) * C(b) + C(u)`` for a complete, balanced design.
    """
    a_code, a_lv = pd.factorize(work["a"])
    b_code, b_lv = pd.factorize(work["b"])
    u_code, u_lv = pd.factorize(work["u"])
    ka, kb, n = len(a_lv), len(b_lv), len(u_lv)
    y = np.zeros((n, ka, kb))
    y[u_code, a_code, b_code] = work["y"].to_numpy(dtype=float)
    y = y - y.mean(axis=(1, 2), keepdims=True)  # the seed block
    cell = y.mean(axis=0)
    grand = cell.mean()
    ra, rb = cell.mean(axis=1, keepdims=True), cell.mean(axis=0, keepdims=True)
    ss_ab = float(n * np.sum((cell - ra - rb + grand) ** 2))
    resid = y - cell[None, :, :]
    ss_res = float(np.sum(resid**2))
    df_res = float(n * ka * kb - ka * kb - (n - 1))
    return ss_ab, float((ka - 1) * (kb - 1)), ss_res, df_res
