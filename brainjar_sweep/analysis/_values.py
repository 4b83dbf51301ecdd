"""Table cells as plain Python values: numpy scalars unwrapped, NaN as None."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["plain_value"]


def plain_value(value: Any) -> Any:
    """``value`` as a plain Python value: a numpy scalar unwrapped, a missing one (NaN) None.

    >>> plain_value(np.int64(3)), plain_value(float("nan")), plain_value("a")
    (3, None, 'a')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
