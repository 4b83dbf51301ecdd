"""What a run of the jar gives back: its result, its metrics, and how it can stop early."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from brainjar_sweep._clock import utc_now

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar

__all__ = [
    "CycleWatcher",
    "Interrupted",
    "Pruned",
    "RunResult",
    "now_iso",
    "run_metrics",
]


class Interrupted(Exception):
    """The experiment was stopped by Ctrl-C or SIGTERM; its status is ``interrupted``."""


class Pruned(Exception):
    """The experiment was stopped early by its cycle watcher; its status is ``pruned``."""


CycleWatcher = Callable[[int, Callable[[], dict[str, Any]]], bool]
"""Called at the end of every cycle with the cycle's number and a function that gives the
metrics so far; returning True stops the experiment there, as ``pruned``."""


def now_iso() -> str:
    """The current UTC time as an ISO-8601 string.

    >>> now_iso().endswith("+00:00")
    True
    """
    return utc_now("milliseconds")


@dataclass
class RunResult:
    """What one experiment produced (also the body of ``result.json``)."""

    experiment_id: str
    attempt: int
    status: str
    seed: int
    config_hash: str
    metrics: dict[str, Any]
    started_at: str
    ended_at: str
    duration_seconds: float
    stop_reason: str | None = None
    error: str | None = None
    traceback: str | None = None
    sweep_id: str | None = None
    job_num: int | None = None
    timings: dict[str, float] = field(default_factory=dict)


def run_metrics(jar: Jar, duration: float) -> dict[str, Any]:
    """A jar's flat metrics after ``duration`` seconds: counts, rates, self-report scores and
    its mode's observables."""
    c = jar.counts
    cycles = c["cycles"]
    m: dict[str, Any] = {
        "total_cycles": cycles,
        "total_crashes": c["crashes"],
        "total_messages": c["messages"],
        "total_self_reports": c["self_reports"],
        "total_interventions": c["interventions"],
        "crash_rate": c["crashes"] / cycles if cycles else 0.0,
        "messages_per_cycle": c["messages"] / cycles if cycles else 0.0,
        "mind_messages": c["mind_messages"],
        "injected_messages": c["injected_messages"],
        "mind_messages_per_cycle": c["mind_messages"] / cycles if cycles else 0.0,
        "injected_messages_per_cycle": c["injected_messages"] / cycles if cycles else 0.0,
        "duration_seconds": duration,
        "peak_memory_mb": jar._peak,
        "tokens_generated": jar._tokens,
        "corrupted_fraction": sum(s.corrupted_fraction() for s in jar.states.values())
        / len(jar.states),
        "unparsed_answers": jar._unparsed,
        "tokens_per_second": jar._tokens / jar._gen_s if jar._gen_s > 0 else None,
        "model_load_seconds": jar._load_s,
    }
    for qid in ("memory_accuracy", "agency_belief", "reality_trust", "continuity"):
        vals = jar._scale.get(qid)
        m[f"{qid}_mean"] = sum(vals) / len(vals) if vals else None
    yes = jar._yes.get("surveillance_belief")
    m["surveillance_yes_rate"] = sum(yes) / len(yes) if yes else None
    if len(jar.states) > 1:
        for st in jar.states.values():
            m[f"deaths_{st.mind_id}"] = st.crashes
    m.update(jar.mode.observables(jar))
    return m
