"""One attempt of an experiment: its status, its duration, and the summary counted from its events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from brainjar_sweep._clock import utc_now
from brainjar_sweep.store.schema import SUMMARY_COLUMNS, attempts, event_table, experiments

__all__ = [
    "COUNTED",
    "ExperimentNotFoundError",
    "check_status",
    "close_attempt",
    "count_events",
    "derived",
    "open_attempt",
    "seconds_between",
    "summarise",
]

COUNTED: tuple[tuple[str, str], ...] = (
    ("total_cycles", "cycles"),
    ("total_crashes", "crashes"),
    ("total_messages", "messages"),
    ("total_self_reports", "self_reports"),
    ("total_interventions", "interventions"),
)


class ExperimentNotFoundError(LookupError):
    """The experiment (or the attempt) asked for is not in the database.

    Example:
        >>> from brainjar_sweep.store import ExperimentStore
        >>> store = ExperimentStore("sqlite://")
        >>> try:
        ...     store.start_attempt("missing", hostname="h", pid=1)
        ... except ExperimentNotFoundError as exc:
        ...     print(exc)
        unknown experiment 'missing'
        >>> store.close()
    """


def check_status(status: str, allowed: Sequence[str]) -> None:
    """Refuse a status outside ``allowed`` in one line."""
    if status not in allowed:
        raise ValueError(f"invalid status {status!r}; allowed: {', '.join(allowed)}")


def seconds_between(start: str | None, end: str) -> float | None:
    """Seconds from ``start`` to ``end`` (ISO-8601), None without a start.

    >>> seconds_between("2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00")
    60.0
    """
    if start is None:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def count_events(conn: Connection, experiment_id: str, attempt: int) -> dict[str, int]:
    """The summary counts of one attempt's events (``total_cycles``, ...)."""
    columns = []
    for key, name in COUNTED:
        table = event_table(name)
        columns.append(
            select(func.count())
            .select_from(table)
            .where(table.c.experiment_id == experiment_id, table.c.attempt == attempt)
            .scalar_subquery()
            .label(key)
        )
    row = conn.execute(select(*columns)).one()
    return {key: int(row._mapping[key]) for key, _ in COUNTED}


def derived(counts: Mapping[str, int], duration: float | None) -> dict[str, Any]:
    """The summary columns from the counts and the duration: rates per cycle (0.0 without cycles).

    >>> derived({"total_cycles": 4, "total_crashes": 1, "total_messages": 8}, None)["crash_rate"]
    0.25
    """
    cycles = counts["total_cycles"]
    return {
        **counts,
        "crash_rate": counts["total_crashes"] / cycles if cycles else 0.0,
        "messages_per_cycle": counts["total_messages"] / cycles if cycles else 0.0,
        "duration_seconds": duration if duration is not None else 0.0,
    }


def close_attempt(
    conn: Connection,
    experiment_id: str,
    attempt: int,
    *,
    status: str,
    error: str | None,
    stop_reason: str | None,
    metrics_json: str | None,
    overrides: dict[str, Any],
) -> None:
    """Close one attempt (see ``ExperimentStore.finish_attempt``); the experiment too when the
    attempt is its latest: summary columns counted from the events, ``overrides`` winning."""
    started_at = conn.execute(
        select(attempts.c.started_at)
        .where(attempts.c.experiment_id == experiment_id, attempts.c.attempt == attempt)
        .with_for_update()
    ).one_or_none()
    if started_at is None:
        raise ExperimentNotFoundError(f"unknown attempt {attempt} of experiment {experiment_id!r}")
    now = utc_now()
    duration = seconds_between(started_at.started_at, now)
    conn.execute(
        update(attempts)
        .where(attempts.c.experiment_id == experiment_id, attempts.c.attempt == attempt)
        .values(status=status, error=error, ended_at=now, duration_seconds=duration)
    )
    latest = conn.execute(
        select(experiments.c.attempts).where(experiments.c.experiment_id == experiment_id)
    ).scalar()
    if latest != attempt:
        return
    values = derived(count_events(conn, experiment_id, attempt), duration)
    values.update(overrides)
    conn.execute(
        update(experiments)
        .where(experiments.c.experiment_id == experiment_id)
        .values(
            status=status,
            error=error,
            stop_reason=stop_reason,
            ended_at=now,
            metrics_json=metrics_json,
            **values,
        )
    )


def open_attempt(conn: Connection, experiment_id: str, *, hostname: str, pid: int) -> int:
    """Open the next attempt (see ``ExperimentStore.start_attempt``); its number."""
    previous = conn.execute(
        select(experiments.c.attempts)
        .where(experiments.c.experiment_id == experiment_id)
        .with_for_update()
    ).one_or_none()
    if previous is None:
        raise ExperimentNotFoundError(f"unknown experiment {experiment_id!r}")
    highest = conn.execute(
        select(func.max(attempts.c.attempt)).where(attempts.c.experiment_id == experiment_id)
    ).scalar()
    number = max(previous.attempts or 0, highest or 0) + 1
    now = utc_now()
    # one process runs an experiment at a time: an older attempt still marked
    # running belongs to a process that died (a killed sweep, a power cut)
    conn.execute(
        update(attempts)
        .where(attempts.c.experiment_id == experiment_id, attempts.c.status == "running")
        .values(status="interrupted", ended_at=now, error=f"superseded by attempt {number}")
    )
    conn.execute(
        insert(attempts).values(
            experiment_id=experiment_id,
            attempt=number,
            status="running",
            started_at=now,
            hostname=hostname,
            pid=pid,
        )
    )
    conn.execute(
        update(experiments)
        .where(experiments.c.experiment_id == experiment_id)
        .values(
            status="running",
            attempts=number,
            started_at=now,
            ended_at=None,
            error=None,
            stop_reason=None,
            metrics_json=None,
            **dict.fromkeys(SUMMARY_COLUMNS),
        )
    )
    return number


def summarise(conn: Connection, experiment_id: str, attempt: int | None) -> dict[str, Any]:
    """The summary of one attempt, the latest when ``attempt`` is None (see
    ``ExperimentStore.summary``)."""
    exp = conn.execute(
        select(experiments).where(experiments.c.experiment_id == experiment_id)
    ).one_or_none()
    if exp is None:
        raise ExperimentNotFoundError(f"unknown experiment {experiment_id!r}")
    number = attempt if attempt is not None else (exp.attempts or None)
    att = None
    if number is not None:
        att = conn.execute(
            select(attempts).where(
                attempts.c.experiment_id == experiment_id, attempts.c.attempt == number
            )
        ).one_or_none()
        if att is None:
            raise ExperimentNotFoundError(
                f"unknown attempt {number} of experiment {experiment_id!r}"
            )
    counts = (
        count_events(conn, experiment_id, number)
        if number is not None
        else dict.fromkeys((key for key, _ in COUNTED), 0)
    )
    duration = None
    if att is not None:
        duration = att.duration_seconds
        if duration is None and att.ended_at is None:
            duration = seconds_between(att.started_at, utc_now())
    return {
        "experiment_id": experiment_id,
        "attempt": number,
        "status": att.status if att is not None else exp.status,
        "attempts": exp.attempts,
        "seed": exp.seed,
        "config_hash": exp.config_hash,
        **derived(counts, duration),
    }
