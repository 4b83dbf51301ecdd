"""File names made from metric, parameter and sweep names (one rule for every plot file).

Example:
    >>> safe_name("mind.temperature / 2")
    'mind.temperature_2'
"""

from __future__ import annotations

import re


def safe_name(name: str) -> str:
    """``name`` with every run of characters unsafe in a file name replaced by ``_``.

    Example:
        >>> safe_name("///")
        'x'
    """
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name).strip("_") or "x"
