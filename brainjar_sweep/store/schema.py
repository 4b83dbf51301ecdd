"""Tables of the experiments database, declared once with SQLAlchemy Core.

Every column uses a dialect-neutral type (``Text``, ``Integer``, ``Float``,
``Boolean``), so the same :data:`metadata` creates the schema on SQLite today
and on PostgreSQL later. Timestamps are ISO-8601 UTC strings made in Python by
:func:`utc_now`, never by the database.

Example:
    >>> from sqlalchemy import create_engine
    >>> engine = create_engine("sqlite://")
    >>> metadata.create_all(engine)
    >>> sorted(metadata.tables) == sorted(("experiments", "attempts", "sweeps", *EVENT_TABLES))
    True
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
)

from brainjar_sweep._clock import utc_now

__all__ = [
    "EVENT_TABLES",
    "FINAL_STATUSES",
    "PRUNED_STOP_REASON",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "attempts",
    "crashes",
    "cycles",
    "event_columns",
    "event_table",
    "experiments",
    "interventions",
    "memory_states",
    "messages",
    "metadata",
    "self_reports",
    "sweeps",
    "utc_now",
]

EVENT_TABLES: tuple[str, ...] = (
    "cycles",
    "messages",
    "crashes",
    "interventions",
    "self_reports",
    "memory_states",
)
"""Names of the per-event tables, in the order they are written."""

STATUSES: tuple[str, ...] = (
    "pending",
    "running",
    "completed",
    "failed",
    "interrupted",
    "pruned",
)
"""Every status an experiment or an attempt can have (``pruned``: stopped early by a study's
pruner; a database made before it existed stores it as ``interrupted`` with stop reason
``pruned``, see :data:`PRUNED_STOP_REASON`)."""

FINAL_STATUSES: tuple[str, ...] = ("completed", "failed", "interrupted", "pruned")
"""Statuses that end an attempt."""

PRUNED_STOP_REASON = "pruned"
"""The stop reason of a pruned experiment (in every database, old or new)."""

SUMMARY_COLUMNS: tuple[str, ...] = (
    "total_cycles",
    "total_crashes",
    "total_messages",
    "total_self_reports",
    "total_interventions",
    "crash_rate",
    "messages_per_cycle",
    "duration_seconds",
)
"""Summary columns of ``experiments``, filled when an attempt finishes."""

# Constraint names that are stable across dialects (useful for later migrations).
metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# 64-bit surrogate keys on servers; plain INTEGER on SQLite, where only
# "INTEGER PRIMARY KEY" aliases the auto-incrementing rowid.
_EventId = BigInteger().with_variant(Integer(), "sqlite")

_STATUS_SQL = ", ".join(f"'{s}'" for s in STATUSES)


experiments = Table(
    "experiments",
    metadata,
    Column("experiment_id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("mode", Text, nullable=False),
    Column("config_json", Text, nullable=False),
    Column("config_hash", Text, nullable=False),
    Column("sweep_id", Text, nullable=True),
    Column("job_num", Integer, nullable=True),
    Column("seed", Integer, nullable=False),
    Column("status", Text, nullable=False, default="pending"),
    Column("error", Text, nullable=True),
    Column("stop_reason", Text, nullable=True),
    Column("created_at", Text, nullable=False, default=utc_now),
    Column("started_at", Text, nullable=True),
    Column("ended_at", Text, nullable=True),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("total_cycles", Integer, nullable=True),
    Column("total_crashes", Integer, nullable=True),
    Column("total_messages", Integer, nullable=True),
    Column("total_self_reports", Integer, nullable=True),
    Column("total_interventions", Integer, nullable=True),
    Column("crash_rate", Float, nullable=True),
    Column("messages_per_cycle", Float, nullable=True),
    Column("duration_seconds", Float, nullable=True),
    Column("metrics_json", Text, nullable=True),
    CheckConstraint(f"status IN ({_STATUS_SQL})", name="status"),
    Index("ix_experiments_sweep_id", "sweep_id"),
    Index("ix_experiments_status", "status"),
)

sweeps = Table(
    "sweeps",
    metadata,
    Column("sweep_id", Text, primary_key=True),
    Column("description", Text, nullable=True),
    Column("research_question", Text, nullable=True),
    # what the sweep varies: key -> values as written ("0,0.5,1", "interval(0,1)")
    Column("grid_json", Text, nullable=True),
    Column("sweep_dir", Text, nullable=True),
    # when its first job started; when its latest job ended (null while the first runs)
    Column("started_at", Text, nullable=False, default=utc_now),
    Column("ended_at", Text, nullable=True),
)

attempts = Table(
    "attempts",
    metadata,
    Column("experiment_id", Text, ForeignKey("experiments.experiment_id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("error", Text, nullable=True),
    Column("started_at", Text, nullable=False),
    Column("ended_at", Text, nullable=True),
    Column("duration_seconds", Float, nullable=True),
    Column("hostname", Text, nullable=True),
    Column("pid", Integer, nullable=True),
    PrimaryKeyConstraint("experiment_id", "attempt"),
    CheckConstraint(f"status IN ({_STATUS_SQL})", name="status"),
)


# marks a column readers leave out by default: a text a key column already names, a timing
# the cycle's number already orders (see :func:`event_columns`)
_DETAIL = {"detail": True}


def _event_table(
    name: str, *columns: Column[Any], extra: tuple[Index | UniqueConstraint, ...] = ()
) -> Table:
    """Build an event table with the key columns and indexes all of them share."""
    return Table(
        name,
        metadata,
        Column("id", _EventId, primary_key=True, autoincrement=True),
        Column("experiment_id", Text, ForeignKey("experiments.experiment_id"), nullable=False),
        Column("attempt", Integer, nullable=False),
        *columns,
        Index(f"ix_{name}_experiment_attempt", "experiment_id", "attempt"),
        *extra,
    )


def _timestamp() -> Column[str]:
    return Column("timestamp", Text, nullable=False, default=utc_now)


cycles = _event_table(
    "cycles",
    Column("cycle_number", Integer, nullable=False),
    Column("started_at", Text, nullable=True, info=_DETAIL),
    Column("duration_seconds", Float, nullable=True),
    Column("memory_peak_mb", Float, nullable=True),
    Column("tokens_generated", Integer, nullable=True),
    Column("deaths", Integer, nullable=True),
    Column("metadata_json", Text, nullable=True),
    extra=(UniqueConstraint("experiment_id", "attempt", "cycle_number"),),
)

messages = _event_table(
    "messages",
    Column("cycle_number", Integer, nullable=True),
    Column("mind_id", Text, nullable=True),
    Column("role", Text, nullable=True),
    Column("content", Text, nullable=True),
    Column("corrupted", Boolean, nullable=False, default=False),
    Column("injected", Boolean, nullable=False, default=False),
    Column("tokens", Integer, nullable=True),
    _timestamp(),
    Column("metadata_json", Text, nullable=True),
)

crashes = _event_table(
    "crashes",
    Column("cycle_number", Integer, nullable=True),
    Column("mind_id", Text, nullable=True),
    Column("crash_number", Integer, nullable=True),
    Column("reason", Text, nullable=True),
    Column("memory_mb", Float, nullable=True),
    Column("limit_mb", Float, nullable=True),
    Column("tokens_generated", Integer, nullable=True),
    Column("remembers", Boolean, nullable=True),
    _timestamp(),
    Column("metadata_json", Text, nullable=True),
    extra=(Index("ix_crashes_experiment_mind", "experiment_id", "mind_id"),),
)

interventions = _event_table(
    "interventions",
    Column("cycle_number", Integer, nullable=True),
    Column("intervention_id", Text, nullable=True),
    Column("intervention_type", Text, nullable=True),
    Column("trigger", Text, nullable=True),
    Column("target", Text, nullable=True),
    Column("parameters_json", Text, nullable=True),
    Column("result", Text, nullable=True),
    _timestamp(),
)

self_reports = _event_table(
    "self_reports",
    Column("cycle_number", Integer, nullable=True),
    Column("mind_id", Text, nullable=True),
    Column("trigger", Text, nullable=True),
    Column("question_id", Text, nullable=True),
    Column("question", Text, nullable=True, info=_DETAIL),
    Column("category", Text, nullable=True),
    Column("response", Text, nullable=True),
    Column("scale_value", Float, nullable=True),
    Column("yes_no", Boolean, nullable=True),
    _timestamp(),
    extra=(Index("ix_self_reports_question_id", "question_id"),),
)

memory_states = _event_table(
    "memory_states",
    Column("cycle_number", Integer, nullable=True),
    Column("mind_id", Text, nullable=True),
    Column("memory_type", Text, nullable=True),
    Column("messages", Integer, nullable=True),
    Column("corrupted", Integer, nullable=True),
    Column("injected", Integer, nullable=True),
    Column("tokens", Integer, nullable=True),
    Column("usage_mb", Float, nullable=True),
    Column("corruption_level", Float, nullable=True),
    Column("snapshot_json", Text, nullable=True),
    _timestamp(),
)


def event_table(name: str) -> Table:
    """Return the event :class:`~sqlalchemy.Table` called ``name``.

    Raises:
        ValueError: ``name`` is not one of :data:`EVENT_TABLES`.

    Example:
        >>> event_table("crashes").name
        'crashes'
    """
    if name not in EVENT_TABLES:
        raise ValueError(f"unknown event table {name!r}; allowed: {', '.join(EVENT_TABLES)}")
    return metadata.tables[name]


def event_columns(name: str) -> tuple[str, ...]:
    """The columns of event table ``name`` that say what happened, in table order: not its
    keys (``id``, ``experiment_id``, ``attempt``), its ``timestamp``, its JSON blobs or its
    detail columns (the question's text beside its ``question_id``, a cycle's start time).

    Example:
        >>> event_columns("cycles")
        ('cycle_number', 'duration_seconds', 'memory_peak_mb', 'tokens_generated', 'deaths')
    """
    skip = {"id", "experiment_id", "attempt", "timestamp"}
    return tuple(
        c.name
        for c in event_table(name).columns
        if c.name not in skip and not c.name.endswith("_json") and not c.info.get("detail")
    )
