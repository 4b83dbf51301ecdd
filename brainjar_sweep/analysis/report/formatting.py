"""How numbers, p values, intervals and levels are written in a report, and its shared limits.

Example:
    >>> num_text(0.123456), p_text(0.0001), ci_text(0.1, 0.25)
    ('0.1235', '<0.001', '[0.1, 0.25]')
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MAX_WARNINGS = 25


MAX_ROWS = 150


MAX_CYCLE_COLUMNS = 10


ALPHA = 0.05


def num_text(x: Any, digits: int = 4) -> str:
    if x is None:
        return "–"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e12:
        return str(int(v))
    return f"{v:.{digits}g}"


def p_text(p: float) -> str:
    if p is None or math.isnan(p):
        return "–"
    if p < 0.001:
        return "<0.001"
    return f"{p:.3f}"


def ci_text(lo: float, hi: float) -> str:
    if lo is None or math.isnan(lo):
        return "–"
    return f"[{num_text(lo)}, {num_text(hi)}]"


def value_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "(unset)"
    if isinstance(v, float):
        return num_text(v, 6)
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return str(v)
