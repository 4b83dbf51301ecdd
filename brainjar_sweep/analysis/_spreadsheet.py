"""Making exported tables safe to open in a spreadsheet.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
as a formula by spreadsheet programs (``=HYPERLINK(...)`` from a tampered sweep table, say).
:func:`neutralise_formulas` prefixes such text cells with ``'``, which spreadsheets show as
text; numbers (``-0.5``) are left alone.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["neutralise_formulas"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _inert(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _is_number(value):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas.

    >>> frame = pd.DataFrame({"id": ['=HYPERLINK("http://x","y")', "e1"], "m": [-0.5, 1.0]})
    >>> neutralise_formulas(frame)["id"].tolist(), neutralise_formulas(frame)["m"].tolist()
    (['\\'=HYPERLINK("http://x","y")', 'e1'], [-0.5, 1.0])
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(_inert)
    out.columns = [_inert(c) for c in out.columns]
    return out
