"""Names of metrics, parameters and sweeps made safe as parts of a file name."""

from __future__ import annotations

import re

__all__ = ["file_part"]


def file_part(name: str) -> str:
    """``name`` with every run of characters unsafe in a file name replaced by ``_``.

    >>> file_part("crash_rate / memory.size"), file_part("///")
    ('crash_rate_memory.size', 'x')
    """
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name).strip("_") or "x"
