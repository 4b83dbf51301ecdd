"""The current time as the project writes it: an ISO-8601 UTC string."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

__all__ = ["utc_now"]


def utc_now(timespec: Literal["seconds", "milliseconds", "microseconds"] = "microseconds") -> str:
    """The current UTC time as ISO-8601, to ``timespec`` precision.

    >>> stamp = utc_now("seconds")
    >>> stamp.endswith("+00:00") and stamp[10] == "T" and len(stamp) == 25
    True
    """
    return datetime.now(timezone.utc).isoformat(timespec=timespec)
