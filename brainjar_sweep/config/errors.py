"""The one error type a bad experiment config raises."""

from __future__ import annotations

from typing import Any


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


class ConfigError(ValueError):
    """A config value that is not allowed, reported on one line.

    The message always names the key, the value and what is allowed:

    >>> str(ConfigError("max_cycles", 0, "an integer >= 1"))
    'max_cycles=0 is not allowed: an integer >= 1'
    """

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{key}={_show(value)} is not allowed: {allowed}")

    def __reduce__(self) -> tuple[type[ConfigError], tuple[str, Any, str]]:
        # crosses process boundaries (a sweep's jobs) intact
        return (type(self), (self.key, self.value, self.allowed))
