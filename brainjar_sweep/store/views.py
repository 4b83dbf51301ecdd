"""Views of the experiments database: the design and the answers as plain columns.

The swept values of an experiment live in its ``config_json`` and most metrics in its
``metrics_json``; :data:`VIEWS` turns them into columns, in SQL each dialect understands
(``json_extract`` on SQLite, ``jsonb`` paths on PostgreSQL), so that

.. code-block:: sql

    SELECT corruption_rate, avg(memory_accuracy_mean) FROM experiment_summary
    WHERE sweep_id = 'memory_corruption_comprehensive_001' GROUP BY corruption_rate;

needs no JSON functions. ``self_report_answers`` and ``intervention_events`` are the event
tables with ``trigger`` (an SQL keyword that must be quoted) also named ``trigger_event``.

Example:
    >>> print(view_sql("experiment_summary", "sqlite").splitlines()[0])
    CREATE VIEW experiment_summary AS
    >>> sorted(VIEWS)
    ['experiment_summary', 'intervention_events', 'self_report_answers']
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["SUMMARY_VIEW_COLUMNS", "VIEWS", "view_sql"]

# (column, JSON path in config_json, SQL type) of the values sweeps vary
_CONFIG_COLUMNS: tuple[tuple[str, tuple[str | int, ...], str], ...] = (
    ("corruption_rate", ("corruption_rate",), "double precision"),
    ("ram_limit_gb", ("resources", "ram_limit_gb"), "double precision"),
    ("max_cycles", ("max_cycles",), "integer"),
    ("self_report_every_n_cycles", ("self_report", "every_n_cycles"), "integer"),
    ("intervention_every_n_cycles", ("interventions", 0, "trigger_params", "n"), "integer"),
    ("first_intervention", ("interventions", 0, "intervention_id"), "text"),
    ("mind_kind", ("mind", "kind"), "text"),
)

# (column, key in metrics_json, SQL type) of the main answers
_METRIC_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("memory_accuracy_mean", "memory_accuracy_mean", "double precision"),
    ("agency_belief_mean", "agency_belief_mean", "double precision"),
    ("reality_trust_mean", "reality_trust_mean", "double precision"),
    ("continuity_mean", "continuity_mean", "double precision"),
    ("surveillance_yes_rate", "surveillance_yes_rate", "double precision"),
    ("corrupted_fraction", "corrupted_fraction", "double precision"),
    ("peak_memory_mb", "peak_memory_mb", "double precision"),
    ("tokens_per_second", "tokens_per_second", "double precision"),
)

_EXPERIMENT_COLUMNS = (
    "experiment_id",
    "sweep_id",
    "job_num",
    "name",
    "mode",
    "status",
    "seed",
    "attempts",
)
_COUNT_COLUMNS = (
    "total_cycles",
    "total_crashes",
    "crash_rate",
    "total_self_reports",
    "total_interventions",
    "duration_seconds",
)

SUMMARY_VIEW_COLUMNS: tuple[str, ...] = (
    *_EXPERIMENT_COLUMNS,
    *(c for c, _, _ in _CONFIG_COLUMNS),
    *_COUNT_COLUMNS,
    *(c for c, _, _ in _METRIC_COLUMNS),
    "sweep_description",
    "research_question",
)
"""Columns of ``experiment_summary``, in order."""


def _json_value(column: str, path: tuple[str | int, ...], sql_type: str, dialect: str) -> str:
    if dialect == "postgresql":
        keys = ",".join(str(p) for p in path)
        value = f"(CAST({column} AS jsonb) #>> '{{{keys}}}')"
        return value if sql_type == "text" else f"CAST({value} AS {sql_type})"
    steps = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)
    # a malformed document (never written by the jar) gives NULL, not a failed query
    return f"CASE WHEN json_valid({column}) THEN json_extract({column}, '${steps}') END"


def _summary(dialect: str) -> str:
    cols = [f"e.{c}" for c in _EXPERIMENT_COLUMNS]
    cols += [
        f"{_json_value('e.config_json', path, t, dialect)} AS {name}"
        for name, path, t in _CONFIG_COLUMNS
    ]
    cols += [f"e.{c}" for c in _COUNT_COLUMNS]
    cols += [
        f"{_json_value('e.metrics_json', (key,), t, dialect)} AS {name}"
        for name, key, t in _METRIC_COLUMNS
    ]
    cols += ["s.description AS sweep_description", "s.research_question"]
    body = ",\n  ".join(cols)
    return (
        f"CREATE VIEW experiment_summary AS\nSELECT\n  {body}\n"
        "FROM experiments e LEFT JOIN sweeps s ON s.sweep_id = e.sweep_id"
    )


def _with_trigger(view: str, table: str, columns: tuple[str, ...]) -> str:
    listed = ", ".join(columns)
    return f'CREATE VIEW {view} AS\nSELECT {listed}, "trigger" AS trigger_event FROM {table}'


_EVENT_KEYS = ("id", "experiment_id", "attempt", "cycle_number")

VIEWS: dict[str, Callable[[str], str]] = {
    "experiment_summary": _summary,
    "self_report_answers": lambda _d: _with_trigger(
        "self_report_answers",
        "self_reports",
        (*_EVENT_KEYS, "mind_id", "question_id", "question", "category", "response")
        + ("scale_value", "yes_no", '"timestamp"'),
    ),
    "intervention_events": lambda _d: _with_trigger(
        "intervention_events",
        "interventions",
        (*_EVENT_KEYS, "intervention_id", "intervention_type", "target", "parameters_json")
        + ("result", '"timestamp"'),
    ),
}
"""View name -> function(dialect name) -> its ``CREATE VIEW`` statement."""


def view_sql(name: str, dialect: str) -> str:
    """The ``CREATE VIEW`` statement of view ``name`` for ``dialect`` (``sqlite``, ``postgresql``).

    Raises:
        ValueError: an unknown view.

    Example:
        >>> "#>> '{resources,ram_limit_gb}'" in view_sql("experiment_summary", "postgresql")
        True
    """
    if name not in VIEWS:
        raise ValueError(f"unknown view {name!r}; allowed: {', '.join(sorted(VIEWS))}")
    return VIEWS[name](dialect)
