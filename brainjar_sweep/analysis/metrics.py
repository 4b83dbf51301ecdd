"""One name per metric: what each outcome of a run is called, measured in and bounded by.

A run's ``result.json`` names its metrics (``memory_accuracy_mean``, ``crash_rate``); the
docs and the Python API use those names, and so does the report. Self-report scores the
analysis recomputes from the experiments database for exactly the attempt a job
reported take the same name as the ``result.json`` metric they recompute
(:data:`SELF_REPORT_NAMES`); a question without one is ``sr_<question_id>``.

:func:`label` gives the words a plot or a table heading shows for a metric, with its
unit and range.

Example:
    >>> label("memory_accuracy_mean")
    'memory accuracy, mean self-report (0-100)'
    >>> label("made_up_metric")
    'made up metric'
    >>> is_count("total_crashes"), bounds("crash_rate")
    (True, (0.0, 1.0))
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "METRICS",
    "PARAMETERS",
    "SELF_REPORT_NAMES",
    "Metric",
    "bounds",
    "is_count",
    "label",
    "param_label",
]


class Metric(NamedTuple):
    """What a metric is: words, unit, the range it can take, whether it counts things."""

    words: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    count: bool = False


METRICS: dict[str, Metric] = {
    "crash_rate": Metric("crash rate", "crashes per cycle", 0.0, 1.0),
    "total_cycles": Metric("cycles run", "count", 0.0, None, True),
    "total_crashes": Metric("crashes", "count", 0.0, None, True),
    "total_messages": Metric("messages", "count", 0.0, None, True),
    "total_self_reports": Metric("self-reports", "count", 0.0, None, True),
    "total_interventions": Metric("interventions applied", "count", 0.0, None, True),
    "messages_per_cycle": Metric("messages per cycle", "all messages", 0.0, None),
    "mind_messages_per_cycle": Metric("mind's messages per cycle", "", 0.0, None),
    "injected_messages_per_cycle": Metric("injected messages per cycle", "", 0.0, None),
    "mind_messages": Metric("mind's messages", "count", 0.0, None, True),
    "injected_messages": Metric("injected messages", "count", 0.0, None, True),
    "peak_memory_mb": Metric("peak memory", "MB", 0.0, None),
    "tokens_generated": Metric("tokens generated", "count", 0.0, None, True),
    "tokens_per_second": Metric("generation speed", "tokens/s", 0.0, None),
    "corrupted_fraction": Metric("corrupted share of memory", "", 0.0, 1.0),
    "unparsed_answers": Metric("unparsed self-report answers", "count", 0.0, None, True),
    "memory_accuracy_mean": Metric("memory accuracy, mean self-report", "", 0.0, 100.0),
    "agency_belief_mean": Metric("agency belief, mean self-report", "", 0.0, 100.0),
    "reality_trust_mean": Metric("reality trust, mean self-report", "", 0.0, 100.0),
    "continuity_mean": Metric("self-continuity, mean score", "", 0.0, 1.0),
    "surveillance_yes_rate": Metric("believes it is watched", "share of yes", 0.0, 1.0),
    "corrupted_at_resurrection": Metric("memory corrupted at resurrection", "share", 0.0, 1.0),
    "resurrection_corruption_share": Metric("corruption done at resurrection", "share", 0.0, 1.0),
    "corrupted_while_alive": Metric("memory corrupted while alive", "share", 0.0, 1.0),
}
"""The metrics a run records, by their ``result.json`` name."""

SELF_REPORT_NAMES: dict[str, str] = {
    "sr_memory_accuracy": "memory_accuracy_mean",
    "sr_agency_belief": "agency_belief_mean",
    "sr_reality_trust": "reality_trust_mean",
    "sr_surveillance_belief": "surveillance_yes_rate",
    "sr_self_continuity_narrative": "continuity_mean",
}
"""A self-report score recomputed from the database -> the ``result.json`` metric it is."""


PARAMETERS: dict[str, str] = {
    "corruption_rate": "corruption rate (share of memories corrupted, 0-1)",
    "max_cycles": "run length (cycles)",
    "seed": "seed",
    "mode": "mode",
    "mind": "mind",
    "resources": "resources",
    "interventions": "interventions",
    "resources.ram_limit_gb": "RAM limit (GB)",
    "resource_constraints.ram_limit_gb": "RAM limit (GB)",
    "self_report.every_n_cycles": "self-report every (cycles)",
    "self_report_schedule.every_n_cycles": "self-report every (cycles)",
    "mode.write_corruption_rate": "corruption rate of each write (0-1)",
    "mode.corruption_rate": "corruption rate at resurrection (0-1)",
}
"""Words (and unit) for the parameters a sweep commonly varies; others are their key."""


def param_label(key: str) -> str:
    """Words for a swept parameter, with its unit where it has one.

    Example:
        >>> param_label("max_cycles"), param_label("mind.temperature")
        ('run length (cycles)', 'mind.temperature')
    """
    return PARAMETERS.get(key, key)


def _range(m: Metric) -> str:
    def num(x: float) -> str:
        return str(int(x)) if x == int(x) else f"{x:g}"

    if m.low is not None and m.high is not None:
        return f"{num(m.low)}-{num(m.high)}"
    return ""


def label(name: str) -> str:
    """Words for a metric with its unit and range, for axis labels and headings.

    Example:
        >>> label("crash_rate"), label("total_cycles")
        ('crash rate (crashes per cycle, 0-1)', 'cycles run (count)')
    """
    m = METRICS.get(name)
    if m is None:
        if name.startswith("sr_"):
            return f"{name[3:].replace('_', ' ')}, mean self-report"
        return name.replace("_", " ")
    extra = list(dict.fromkeys(x for x in (m.unit, _range(m)) if x))
    return f"{m.words} ({', '.join(extra)})" if extra else m.words


def bounds(name: str) -> tuple[float | None, float | None]:
    """The range a metric can take (None where it is open).

    Example:
        >>> bounds("memory_accuracy_mean"), bounds("peak_memory_mb")
        ((0.0, 100.0), (0.0, None))
    """
    m = METRICS.get(name)
    return (None, None) if m is None else (m.low, m.high)


def is_count(name: str) -> bool:
    """Whether a metric counts things (its axis gets integer ticks).

    Example:
        >>> is_count("total_cycles"), is_count("crash_rate")
        (True, False)
    """
    m = METRICS.get(name)
    return bool(m and m.count)
