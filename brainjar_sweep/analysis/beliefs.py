"""Beliefs in self-report answers: keyword mentions and stance, per cycle and per parameter.

Matching is whole-word and negation-aware (:func:`brainjar_sweep.selfreport.mentions`
and :func:`~brainjar_sweep.selfreport.stance`): "trust" does not match "distrust",
and "I do not trust them" counts against trust. Each response gets ``mentioned``
(0/1) and a stance of +1 (affirmed), -1 (negated) or 0 (absent or tied). Rates are
computed per job first and then averaged over jobs, so a job that answered more
often does not weigh more. Each distinct answer text is analysed once per keyword.

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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis._values import plain_value as _clean
from brainjar_sweep.analysis.load import SweepData, sort_levels
from brainjar_sweep.analysis.stats import N_BOOT, bootstrap_ci
from brainjar_sweep.selfreport import mentions, stance

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
(``surveillance_yes_rate``) rather than by a keyword."""

_MEMO_LIMIT = 200_000
_memo: dict[tuple[str, str], tuple[int, int]] = {}


def _match(text: str, keyword: str) -> tuple[int, int]:
    """(mentioned 0/1, stance -1/0/+1) of ``keyword`` in ``text``, memoised."""
    key = (keyword, text)
    hit = _memo.get(key)
    if hit is None:
        hit = (int(mentions(text, keyword) > 0), stance(text, keyword))
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        _memo[key] = hit
    return hit


def response_beliefs(responses: pd.Series, keyword: str) -> pd.DataFrame:
    """``mentioned`` (0/1) and ``stance`` (-1/0/+1) of ``keyword`` in each response.

    Example:
        >>> response_beliefs(pd.Series(["I trust you", "distrust", None]), "trust").values.tolist()
        [[1, 1], [0, 0], [0, 0]]
    """
    codes, uniques = pd.factorize(responses.to_numpy(dtype=object))
    m, s = _keyword_arrays(codes, uniques.tolist(), keyword)
    return pd.DataFrame({"mentioned": m, "stance": s}, index=responses.index)


def _keyword_arrays(
    codes: np.ndarray, uniques: list[Any], keyword: str
) -> tuple[np.ndarray, np.ndarray]:
    pairs = [_match(u, keyword) if isinstance(u, str) else (0, 0) for u in uniques]
    m_u = np.array([p[0] for p in pairs] + [0], dtype=np.int64)
    s_u = np.array([p[1] for p in pairs] + [0], dtype=np.int64)
    index = np.where(codes < 0, len(pairs), codes)
    return m_u[index], s_u[index]


@dataclass
class _Base:
    """Self-reports of completed jobs as arrays: job codes, cycles and answer codes."""

    reports: pd.DataFrame
    job: np.ndarray
    n_jobs: int
    first_row: np.ndarray
    cycle: np.ndarray
    text_codes: np.ndarray
    texts: list[Any]


def _base(data: SweepData | pd.DataFrame) -> _Base:
    def compute() -> _Base:
        reports = data.self_reports if isinstance(data, SweepData) else data
        if "status" in reports:
            reports = reports[reports["status"] == "completed"]
        reports = reports.reset_index(drop=True)
        if reports.empty:
            empty = np.zeros(0, dtype=np.int64)
            return _Base(reports, empty, 0, empty, np.zeros(0), empty, [])
        job = reports.groupby(["experiment_id", "attempt"], sort=False, dropna=False).ngroup()
        job_arr = job.to_numpy(dtype=np.int64)
        n_jobs = int(job_arr.max()) + 1
        _, first = np.unique(job_arr, return_index=True)
        cycle = (
            pd.to_numeric(reports["cycle_number"], errors="coerce").to_numpy(dtype=float)
            if "cycle_number" in reports
            else np.zeros(len(reports))
        )
        codes, uniques = pd.factorize(reports["response"].to_numpy(dtype=object))
        return _Base(reports, job_arr, n_jobs, first, cycle, codes, uniques.tolist())

    if isinstance(data, SweepData):
        return data._memo(("beliefs", "base"), compute)
    return compute()


def _keyword(
    data: SweepData | pd.DataFrame, base: _Base, keyword: str
) -> tuple[np.ndarray, np.ndarray]:
    def compute() -> tuple[np.ndarray, np.ndarray]:
        return _keyword_arrays(base.text_codes, base.texts, keyword)

    if isinstance(data, SweepData):
        return data._memo(("beliefs", "keyword", keyword), compute)
    return compute()


def _cached(data: SweepData | pd.DataFrame, key: tuple[Any, ...], compute: Any) -> Any:
    if isinstance(data, SweepData):
        return data._memo(("beliefs", *key), compute)
    return compute()


def _value_codes(
    data: SweepData | pd.DataFrame, base: _Base, param: str
) -> tuple[np.ndarray, list[Any]]:
    """Per job: the code of its value of ``param``; the values in natural order."""

    def compute() -> tuple[np.ndarray, list[Any]]:
        per_job = base.reports[param].to_numpy(dtype=object)[base.first_row]
        codes, uniques = pd.factorize(per_job, use_na_sentinel=True)
        cleaned = [_clean(u) for u in uniques.tolist()]
        if (codes < 0).any():
            cleaned.append(None)
            codes = np.where(codes < 0, len(cleaned) - 1, codes)
        ordered = sort_levels(cleaned)
        rank = {repr(v): i for i, v in enumerate(ordered)}
        remap = np.array([rank[repr(v)] for v in cleaned], dtype=np.int64)
        return remap[codes], ordered

    if isinstance(data, SweepData):
        return data._memo(("beliefs", "values", param), compute)
    return compute()


def _job_counts(key: np.ndarray, size: int, m: np.ndarray, s: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "responses": np.bincount(key, minlength=size).astype(float),
        "mentions": np.bincount(key, weights=m, minlength=size),
        "affirmed": np.bincount(key, weights=(s > 0), minlength=size),
        "negated": np.bincount(key, weights=(s < 0), minlength=size),
    }


def _net(c: dict[str, np.ndarray]) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c["mentions"] > 0, (c["affirmed"] - c["negated"]) / c["mentions"], np.nan)


def _mean_by(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Mean of ``values`` per code, NaNs left out (NaN where nothing is left)."""
    ok = ~np.isnan(values)
    sums = np.bincount(codes[ok], weights=values[ok], minlength=size)
    counts = np.bincount(codes[ok], minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


_SUMMARY_COLUMNS = [
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


def _select(base: _Base, question_ids: Sequence[str] | None) -> np.ndarray | None:
    if question_ids is None or "question_id" not in base.reports:
        return None
    return base.reports["question_id"].isin(list(question_ids)).to_numpy()


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
    base = _base(data)
    if base.n_jobs == 0 or param not in base.reports:
        return pd.DataFrame(columns=[param, *_SUMMARY_COLUMNS])
    qkey = None if question_ids is None else tuple(question_ids)

    def job_level() -> tuple[dict[str, np.ndarray], np.ndarray]:
        m, s = _keyword(data, base, keyword)
        sel = _select(base, question_ids)
        job, cycle = base.job, base.cycle
        if sel is not None:
            job, cycle, m, s = job[sel], cycle[sel], m[sel], s[sel]
        return _job_counts(job, base.n_jobs, m, s), _phase_net(base, job, cycle, m, s)

    counts, phase_net = _cached(data, ("jobs", keyword, qkey), job_level)
    answered = counts["responses"] > 0
    vcodes, values = _value_codes(data, base, param)
    k = len(values)
    net = _net(counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(answered, counts["mentions"] / counts["responses"], np.nan)
    early = _mean_by(vcodes, phase_net[:, 0], k)
    late = _mean_by(vcodes, phase_net[:, 2], k)
    rows = []
    for v in range(k):
        mine = (vcodes == v) & answered
        if not mine.any():
            continue
        nets = net[mine]
        nets = nets[~np.isnan(nets)]
        lo, hi = bootstrap_ci(nets, n_boot=n_boot, seed=seed)
        rows.append(
            [
                values[v],
                int(mine.sum()),
                int(counts["responses"][mine].sum()),
                int(counts["mentions"][mine].sum()),
                int(counts["affirmed"][mine].sum()),
                int(counts["negated"][mine].sum()),
                float(np.mean(rate[mine])),
                float(np.mean(nets)) if len(nets) else math.nan,
                lo,
                hi,
                float(early[v]),
                float(late[v]),
            ]
        )
    out = pd.DataFrame(rows, columns=["_v", *_SUMMARY_COLUMNS])
    out.insert(0, param, pd.Series([r[0] for r in rows], dtype=object))
    out = out.drop(columns="_v")
    if out[param].map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)).all():
        out[param] = pd.to_numeric(out[param])
    return out


def _phase_net(
    base: _Base, job: np.ndarray, cycle: np.ndarray, m: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """Net stance per job (rows) in the first, middle and last third of its cycles."""
    if len(job) == 0:
        return np.full((base.n_jobs, 3), np.nan)
    frame = pd.DataFrame({"job": job, "cycle": cycle})
    grouped = frame.groupby("job")["cycle"]
    lo = grouped.transform("min").to_numpy(dtype=float)
    hi = grouped.transform("max").to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        pos = (cycle - lo) / np.where(hi > lo, hi - lo, np.nan)
    phase = np.where(pos <= 1 / 3, 0, np.where(pos >= 2 / 3, 2, 1))
    counts = _job_counts(job * 3 + phase, base.n_jobs * 3, m, s)
    return _net(counts).reshape(base.n_jobs, 3)


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
    columns = [param, "cycle_number", "jobs", "responses", "mentions", "mention_rate", "net_stance"]
    base = _base(data)
    if base.n_jobs == 0 or param not in base.reports:
        return pd.DataFrame(columns=columns)
    qkey = None if question_ids is None else tuple(question_ids)
    keys, n_c, cycles, counts = _cached(
        data, ("cycles", keyword, qkey), lambda: _per_cycle(data, base, keyword, question_ids)
    )
    vcodes, values = _value_codes(data, base, param)
    frame = pd.DataFrame(
        {
            "v": vcodes[keys // n_c],
            "c": keys % n_c,
            "responses": counts["responses"],
            "mentions": counts["mentions"],
            "mention_rate": counts["mentions"] / counts["responses"],
            "net_stance": _net(counts),
        }
    )
    agg = (
        frame.groupby(["v", "c"], sort=True)
        .agg(
            jobs=("responses", "size"),
            responses=("responses", "sum"),
            mentions=("mentions", "sum"),
            mention_rate=("mention_rate", "mean"),
            net_stance=("net_stance", "mean"),
        )
        .reset_index()
    )
    cycle_values = np.asarray(cycles)
    out = pd.DataFrame(
        {
            param: pd.Series([values[v] for v in agg["v"].tolist()], dtype=object),
            "cycle_number": _whole(cycle_values[agg["c"].to_numpy()]),
            "jobs": agg["jobs"].astype(int),
            "responses": agg["responses"].astype(int),
            "mentions": agg["mentions"].astype(int),
            "mention_rate": agg["mention_rate"],
            "net_stance": agg["net_stance"],
        }
    )
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        out[param] = pd.to_numeric(out[param])
    return out[columns]


def _per_cycle(
    data: SweepData | pd.DataFrame,
    base: Any,
    keyword: str,
    question_ids: Sequence[str] | None,
) -> tuple[np.ndarray, int, Any, dict[str, np.ndarray]]:
    """(job x cycle keys, number of cycles, the cycles, counts per key) of ``keyword``."""
    m, s = _keyword(data, base, keyword)
    sel = _select(base, question_ids)
    job, cycle = base.job, base.cycle
    if sel is not None:
        job, cycle, m, s = job[sel], cycle[sel], m[sel], s[sel]
    ccodes, cycles = pd.factorize(cycle, sort=True)
    n_c = max(1, len(cycles))
    keys, inverse = np.unique(job * n_c + ccodes, return_inverse=True)
    return keys, n_c, cycles, _job_counts(inverse, len(keys), m, s)


def _whole(values: np.ndarray) -> np.ndarray:
    if len(values) and np.all(np.isfinite(values)) and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def _pick_question(reports: pd.DataFrame, question: str) -> pd.DataFrame:
    qid = reports["question_id"].astype(object)
    mask = (qid == question).to_numpy(dtype=bool, copy=True)
    if "category" in reports:
        mask = mask | (reports["category"].astype(object) == question).to_numpy(dtype=bool)
    if not mask.any():
        mask = qid.map(lambda q: isinstance(q, str) and question in q).to_numpy(dtype=bool)
    picked = reports[mask]
    order = [c for c in ("experiment_id", "attempt", "cycle_number") if c in picked]
    return picked.sort_values(order, kind="stable") if order else picked


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
    reports = _base(data).reports
    if reports.empty or param not in reports:
        return {}
    picked = _pick_question(reports, question)
    groups: dict[str, tuple[Any, list[str]]] = {}
    for value, texts in zip(
        picked[param].map(_clean).tolist(), picked["response"].tolist(), strict=True
    ):
        entry = groups.setdefault(repr(value), (value, []))
        if texts is not None:
            entry[1].append(str(texts))
    return {v: groups[repr(v)][1] for v in sort_levels(v for v, _ in groups.values())}


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
    columns = [param, "response", "count", "responses", "share"]
    reports = _base(data).reports
    if reports.empty or param not in reports:
        return pd.DataFrame(columns=columns)
    picked = _pick_question(reports, question)
    picked = picked[picked["response"].notna()]
    if picked.empty:
        return pd.DataFrame(columns=columns)
    pcodes, puniques = pd.factorize(picked[param].to_numpy(dtype=object), use_na_sentinel=True)
    cleaned = [_clean(u) for u in puniques.tolist()]
    if (pcodes < 0).any():
        cleaned.append(None)
        pcodes = np.where(pcodes < 0, len(cleaned) - 1, pcodes)
    tcodes, texts = pd.factorize(picked["response"].to_numpy(dtype=object))
    counts = pd.DataFrame({"v": pcodes, "t": tcodes}).groupby(["v", "t"]).size()
    rank = {repr(v): i for i, v in enumerate(cleaned)}
    rows = []
    for value in sort_levels(cleaned):
        per = counts.loc[rank[repr(value)]].sort_values(ascending=False, kind="stable")
        total = int(per.sum())
        for t, n in per.head(top).items():
            rows.append([value, texts[int(t)], int(n), total, n / total])
    return pd.DataFrame(rows, columns=columns)
