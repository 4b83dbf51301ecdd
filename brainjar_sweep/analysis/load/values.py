"""Values and levels: override text to typed values, the order levels are shown in,
and the typed columns the job table is made of.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

_INT_RE = re.compile(r"[+-]?\d+")


_FLOAT_RE = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", re.I)


def parse_value(text: Any) -> Any:
    """Turn an override value (text) into None, bool, int, float or str.

    Example:
        >>> [parse_value(v) for v in ("0", "0.5", "1e3", "true", "null", "'a b'", "none")]
        [0, 0.5, 1000.0, True, None, 'a b', 'none']
    """
    if not isinstance(text, str):
        return text
    s = text.strip()
    low = s.lower()
    if low in ("null", "~", ""):
        return None
    if low in ("true", "false"):
        return low == "true"
    if _INT_RE.fullmatch(s):
        return int(s)
    if _FLOAT_RE.fullmatch(s):
        return float(s)
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _level_key(value: Any) -> tuple[int, Any]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (0, 0)
    if isinstance(value, (bool, np.bool_)):
        return (1, int(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return (2, float(value))
    return (3, str(value))


def sort_levels(values: Iterable[Any]) -> list[Any]:
    """Sort parameter values of any mix of types: missing, booleans, numbers, then text.

    Unlike ``sorted()`` this never raises on mixed or unhashable values (lists are
    compared by their text).

    Example:
        >>> sort_levels([10, "b", None, 2.5, "a", True])
        [None, True, 2.5, 10, 'a', 'b']
    """
    unique: dict[Any, Any] = {}
    for v in values:
        key = _level_key(v)
        unique.setdefault(key, v)
    return [unique[k] for k in sorted(unique)]


def series_of(values: list[Any]) -> pd.Series:
    """A typed column from parsed values: numeric when every value is a number."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) for v in present) and len(present) == len(values):
            return pd.Series(values, dtype="int64")
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return pd.Series(values, dtype="bool")
    return pd.Series(
        [None if v is None else (v if isinstance(v, str) else _text(v)) for v in values],
        dtype="object",
    )


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def split_override(ov: str) -> tuple[str, str] | None:
    ov = ov.strip()
    if not ov or "=" not in ov:
        return None
    key, _, value = ov.partition("=")
    key = key.lstrip("+~")
    if not key:
        return None
    return key, value


def numeric(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    mapped = column.astype(object).replace({"True": 1, "False": 0, "true": 1, "false": 0})
    return pd.to_numeric(mapped, errors="coerce").to_numpy(dtype=np.float64)


def as_float(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return -1.0
    return -1.0 if math.isnan(v) else v


def typed_column(raw: pd.Series) -> pd.Series:
    """Parse override texts into a typed column (values already parsed pass through).

    Each distinct text is parsed once; the column is numeric when every value is a
    number, boolean when every value is a boolean, and text (object) otherwise.
    """
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
    parsed = [parse_value(u) if isinstance(u, str) else u for u in uniques.tolist()]
    kinds = series_of(parsed + ([None] if (codes < 0).any() else []))
    if kinds.dtype == object:
        table = np.array([None if v is None else v for v in kinds.tolist()] + [None], dtype=object)
    else:
        table = np.append(kinds.to_numpy(), np.nan if kinds.dtype.kind == "f" else None)
    if kinds.dtype.kind in "ib" and (codes < 0).any():
        table = table.astype(object)
    out = table[np.where(codes < 0, len(table) - 1, codes)]
    return pd.Series(out, dtype=kinds.dtype if kinds.dtype.kind in "fib" else object)
