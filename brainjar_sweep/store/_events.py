"""Event rows as the store writes them: checked against their table, completed, grouped."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from itertools import groupby
from typing import Any

from brainjar_sweep.store.schema import EVENT_TABLES, event_table

# Columns the store fills itself; callers never pass them in event rows.
KEY_COLUMNS = frozenset({"id", "experiment_id", "attempt"})
EVENT_COLUMNS: dict[str, frozenset[str]] = {
    name: frozenset(c.name for c in event_table(name).columns) - KEY_COLUMNS
    for name in EVENT_TABLES
}
_JSON_COLUMNS: dict[str, frozenset[str]] = {
    name: frozenset(c for c in columns if c.endswith("_json"))
    for name, columns in EVENT_COLUMNS.items()
}


def dumps(value: Any) -> str:
    """``value`` as the store's JSON text (keys sorted).

    >>> dumps({"b": 1, "a": [1]})
    '{"a": [1], "b": 1}'
    """
    return json.dumps(value, sort_keys=True, default=str)


def prepare_rows(
    name: str, rows: Iterable[Mapping[str, Any]], experiment_id: str, attempt: int, now: str
) -> list[list[dict[str, Any]]]:
    """Validate and complete the rows of one table.

    ``*_json`` values that are not strings are JSON-encoded, and a missing
    ``timestamp`` becomes ``now``. Returns runs of consecutive rows that share
    the same keys, so each run can go to the database as one executemany while
    insertion order is kept.
    """
    allowed = EVENT_COLUMNS[name]
    json_columns = _JSON_COLUMNS[name]
    stamped = "timestamp" in allowed
    prepared: list[dict[str, Any]] = []
    for row in rows:
        unknown = row.keys() - allowed
        if unknown:
            column = sorted(unknown)[0]
            hint = " (set by the store)" if column in KEY_COLUMNS else ""
            raise ValueError(f"unknown column {column!r} in event table {name!r}{hint}")
        values = dict(row)
        for column in json_columns.intersection(values):
            value = values[column]
            if value is not None and not isinstance(value, str):
                values[column] = dumps(value)
        if stamped and values.get("timestamp") is None:
            values["timestamp"] = now
        values["experiment_id"] = experiment_id
        values["attempt"] = attempt
        prepared.append(values)
    return [list(run) for _, run in groupby(prepared, key=lambda r: frozenset(r))]
