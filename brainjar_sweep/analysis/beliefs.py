"""Beliefs in self-report answers: keyword mentions and stance, per cycle and per parameter.

Matching is whole-word and negation-aware (:func:`brainjar_sweep.jar.selfreport.mentions`
and :func:`~brainjar_sweep.jar.selfreport.stance`): "trust" does not match "distrust",
and "I do not trust them" counts against trust. Each response gets ``mentioned``
(0/1) and a stance of +1 (affirmed), -1 (negated) or 0 (absent or tied). Rates are
computed per job first and then averaged over jobs, so a job that answered more
often does not weigh more.

Example:
    >>> reports = pd.DataFrame({"experiment_id": ["e1", "e1", "e2"], "attempt": [1, 1, 1],
    ...     "cycle_number": [0, 3, 0], "p": [0, 0, 1],
    ...     "response": ["I trust it", "I do not trust it", "I distrust it"]})
    >>> s = belief_summary(reports, "p", "trust")
    >>> s[["p", "mentions", "affirmed", "negated", "net_stance"]].to_dict("list")
    {'p': [0, 1], 'mentions': [2, 0], 'affirmed': [1, 0], 'negated': [1, 0], 'net_stance': [0.0, nan]}
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.load import SweepData, sort_levels
from brainjar_sweep.analysis.stats import N_BOOT, bootstrap_ci
from brainjar_sweep.jar.selfreport import mentions, stance

__all__ = [
    "DEFAULT_KEYWORDS",
    "belief_evolution",
    "belief_summary",
    "compare_self_report_responses",
    "response_beliefs",
    "top_responses",
]

DEFAULT_KEYWORDS: tuple[str, ...] = ("same", "trust", "consistent", "die")
"""Keywords the report follows: continuity, trust, coherence of memories, mortality.

Surveillance belief is a yes/no question and is measured by its parsed answer
(``sr_surveillance_belief``) rather than by a keyword."""

_JOB_KEY = ["experiment_id", "attempt"]


def _reports(data: SweepData | pd.DataFrame) -> pd.DataFrame:
    reports = data.self_reports if isinstance(data, SweepData) else data
    if "status" in reports:
        reports = reports[reports["status"] == "completed"]
    return reports


def _filter(reports: pd.DataFrame, question_ids: Sequence[str] | None) -> pd.DataFrame:
    if question_ids is None or "question_id" not in reports:
        return reports
    return reports[reports["question_id"].isin(list(question_ids))]


def response_beliefs(responses: pd.Series, keyword: str) -> pd.DataFrame:
    """``mentioned`` (0/1) and ``stance`` (-1/0/+1) of ``keyword`` in each response.

    Each distinct text is analysed once, so repetitive answers cost little.

    Example:
        >>> response_beliefs(pd.Series(["I trust you", "distrust", None]), "trust").values.tolist()
        [[1, 1], [0, 0], [0, 0]]
    """
    texts = responses.astype(object).where(responses.notna(), None)
    unique = pd.unique(texts)
    ment = {t: int(mentions(t, keyword) > 0) for t in unique}
    st = {t: stance(t, keyword) for t in unique}
    return pd.DataFrame(
        {
            "mentioned": texts.map(ment).fillna(0).astype(int).to_numpy(),
            "stance": texts.map(st).fillna(0).astype(int).to_numpy(),
        },
        index=responses.index,
    )


def _per_job(reports: pd.DataFrame, keyword: str, keys: list[str]) -> pd.DataFrame:
    """Per (keys..., job): responses, mentions, affirmed, negated, mention rate, net stance."""
    beliefs = response_beliefs(reports["response"], keyword)
    work = reports[keys + _JOB_KEY].copy()
    work["mentioned"] = beliefs["mentioned"].to_numpy()
    work["affirmed"] = (beliefs["stance"] > 0).astype(int).to_numpy()
    work["negated"] = (beliefs["stance"] < 0).astype(int).to_numpy()
    grouped = work.groupby(keys + _JOB_KEY, dropna=False, sort=False)
    out = grouped.agg(
        responses=("mentioned", "size"),
        mentions=("mentioned", "sum"),
        affirmed=("affirmed", "sum"),
        negated=("negated", "sum"),
    ).reset_index()
    out["mention_rate"] = out["mentions"] / out["responses"]
    out["net_stance"] = (out["affirmed"] - out["negated"]) / out["mentions"].replace(0, np.nan)
    return out


def _order(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    rank = {repr(v): i for i, v in enumerate(sort_levels(frame[column].tolist()))}
    return (
        frame.assign(_r=frame[column].map(lambda v: rank[repr(v)]))
        .sort_values("_r", kind="stable")
        .drop(columns="_r")
    )


def belief_summary(
    data: SweepData | pd.DataFrame,
    param: str,
    keyword: str,
    *,
    question_ids: Sequence[str] | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> pd.DataFrame:
    """Per value of ``param``: how often ``keyword`` is mentioned, affirmed and negated.

    Columns: ``jobs``, ``responses``, ``mentions`` (responses that mention it),
    ``affirmed`` and ``negated`` (responses whose stance is +1 or -1),
    ``mention_rate`` (mean over jobs of mentions / responses), ``net_stance`` (mean
    over jobs of (affirmed - negated) / mentions, from -1: always negated, to +1:
    always affirmed; jobs that never mention it are left out), a bootstrap CI of
    the net stance over jobs (``ci_low``, ``ci_high``), and ``early``/``late``: the
    net stance in the first and the last third of each job's reporting cycles.

    Example:
        >>> reports = pd.DataFrame({"experiment_id": ["a", "b"], "attempt": [1, 1],
        ...     "cycle_number": [1, 1], "p": [0, 0],
        ...     "response": ["I am the same", "I am not the same"]})
        >>> belief_summary(reports, "p", "same")["net_stance"].tolist()
        [0.0]
    """
    reports = _reports(data)
    columns = [
        param,
        "jobs",
        "responses",
        "mentions",
        "affirmed",
        "negated",
        "mention_rate",
        "net_stance",
        "ci_low",
        "ci_high",
        "early",
        "late",
    ]
    reports = _filter(reports, question_ids)
    if reports.empty or param not in reports:
        return pd.DataFrame(columns=columns)
    per_job = _per_job(reports, keyword, [param])
    phases = _phases(reports, keyword, param)
    rows = []
    for value, group in per_job.groupby(param, dropna=False, sort=False):
        net = group["net_stance"].dropna().to_numpy(dtype=float)
        lo, hi = bootstrap_ci(net, n_boot=n_boot, seed=seed)
        ph = phases.get(_key(value), (math.nan, math.nan))
        rows.append(
            [
                _clean(value),
                len(group),
                int(group["responses"].sum()),
                int(group["mentions"].sum()),
                int(group["affirmed"].sum()),
                int(group["negated"].sum()),
                float(group["mention_rate"].mean()),
                float(np.mean(net)) if len(net) else math.nan,
                lo,
                hi,
                ph[0],
                ph[1],
            ]
        )
    return _order(pd.DataFrame(rows, columns=columns), param).reset_index(drop=True)


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _key(value: Any) -> str:
    return repr(_clean(value))


def _phases(reports: pd.DataFrame, keyword: str, param: str) -> dict[str, tuple[float, float]]:
    """Mean net stance in the first and last third of each job's report cycles, by value."""
    if "cycle_number" not in reports:
        return {}
    work = reports[[param, *_JOB_KEY, "cycle_number", "response"]].copy()
    cycles = pd.to_numeric(work["cycle_number"], errors="coerce")
    grouped = cycles.groupby([work[k] for k in _JOB_KEY], dropna=False)
    lo = grouped.transform("min")
    hi = grouped.transform("max")
    span = (hi - lo).replace(0, np.nan)
    pos = (cycles - lo) / span
    work["phase"] = np.where(pos <= 1 / 3, "early", np.where(pos >= 2 / 3, "late", "mid"))
    out: dict[str, tuple[float, float]] = {}
    per = _per_job(work, keyword, [param, "phase"])
    for value, group in per.groupby(param, dropna=False, sort=False):
        early = group.loc[group["phase"] == "early", "net_stance"]
        late = group.loc[group["phase"] == "late", "net_stance"]
        out[_key(value)] = (
            float(early.mean()) if len(early) else math.nan,
            float(late.mean()) if len(late) else math.nan,
        )
    return out


def belief_evolution(
    data: SweepData | pd.DataFrame,
    param: str,
    keyword: str,
    *,
    question_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per value of ``param`` and cycle: mention rate and net stance of ``keyword``.

    Each job's responses in a cycle give its mention rate and net stance (as in
    :func:`belief_summary`) for that cycle; the row is the mean over jobs (``jobs``
    says how many reported in that cycle; the net stance averages the jobs that
    mentioned the keyword).

    Example:
        >>> reports = pd.DataFrame({"experiment_id": ["a", "a", "b", "b"],
        ...     "attempt": [1] * 4, "cycle_number": [0, 5, 0, 5], "p": [1] * 4,
        ...     "response": ["I trust it", "I no longer trust it", "I trust it", "I trust it"]})
        >>> ev = belief_evolution(reports, "p", "trust")
        >>> ev[["cycle_number", "jobs", "net_stance"]].to_dict("list")
        {'cycle_number': [0, 5], 'jobs': [2, 2], 'net_stance': [1.0, 0.0]}
        >>> ev["mention_rate"].tolist()
        [1.0, 1.0]
    """
    reports = _reports(data)
    reports = _filter(reports, question_ids)
    columns = [
        param,
        "cycle_number",
        "jobs",
        "responses",
        "mentions",
        "mention_rate",
        "net_stance",
    ]
    if reports.empty or param not in reports:
        return pd.DataFrame(columns=columns)
    per_job = _per_job(reports, keyword, [param, "cycle_number"])
    agg = (
        per_job.groupby([param, "cycle_number"], dropna=False, sort=False)
        .agg(
            jobs=("responses", "size"),
            responses=("responses", "sum"),
            mentions=("mentions", "sum"),
            mention_rate=("mention_rate", "mean"),
            net_stance=("net_stance", "mean"),
        )
        .reset_index()
    )
    agg = agg.sort_values("cycle_number", kind="stable")
    return _order(agg, param).reset_index(drop=True)[columns]


def compare_self_report_responses(
    data: SweepData | pd.DataFrame, question: str, param: str
) -> dict[Any, list[str]]:
    """``{parameter value: [responses]}`` to one question, ordered by job and cycle.

    ``question`` is a question id (``mortality_belief``), a category
    (``mortality_awareness``) or a part of a question id.

    Example:
        >>> reports = pd.DataFrame({"experiment_id": ["a", "a"], "attempt": [1, 1],
        ...     "cycle_number": [3, 0], "p": [1, 1], "question_id": ["q_x", "q_x"],
        ...     "category": ["c", "c"], "response": ["later", "first"]})
        >>> compare_self_report_responses(reports, "q_x", "p")
        {1: ['first', 'later']}
    """
    reports = _reports(data)
    if reports.empty or param not in reports:
        return {}
    qid = reports["question_id"].astype(str)
    mask = (qid == question) | (reports.get("category", qid).astype(str) == question)
    if not mask.any():
        mask = qid.str.contains(question, regex=False)
    picked = reports[mask].sort_values(["experiment_id", "attempt", "cycle_number"], kind="stable")
    out: dict[Any, list[str]] = {}
    for value in sort_levels(_clean(v) for v in picked[param].tolist()):
        sel = picked[param].map(_clean).map(repr) == repr(value)
        out[value] = [str(r) for r in picked.loc[sel, "response"].tolist() if r is not None]
    return out


def top_responses(
    data: SweepData | pd.DataFrame, question: str, param: str, *, top: int = 1
) -> pd.DataFrame:
    """The most frequent answers to ``question`` per value of ``param``, with their share.

    Example:
        >>> reports = pd.DataFrame({"experiment_id": ["a"] * 3, "attempt": [1] * 3,
        ...     "cycle_number": [0, 1, 2], "p": [1] * 3, "question_id": ["q"] * 3,
        ...     "category": ["c"] * 3, "response": ["yes", "yes", "no"]})
        >>> top_responses(reports, "q", "p").values.tolist()
        [[1, 'yes', 2, 3, 0.6666666666666666]]
    """
    rows = []
    for value, answers in compare_self_report_responses(data, question, param).items():
        counts = pd.Series(answers, dtype=object).value_counts()
        total = int(counts.sum())
        for answer, n in counts.head(top).items():
            rows.append([value, answer, int(n), total, n / total if total else math.nan])
    return pd.DataFrame(rows, columns=[param, "response", "count", "responses", "share"])
