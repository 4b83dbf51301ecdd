"""The one error type a bad experiment config raises."""

from __future__ import annotations

from typing import Any

_LONGEST = 120


def _show(value: Any) -> str:
    """The value as the message shows it: one line, at most about 120 characters.

    >>> _show("x" * 500)[-5:], len(_show(list(range(1000)))) <= 125
    ("...'", True)
    """
    if isinstance(value, (str, float)):
        text = repr(value)
    else:
        try:
            text = str(value)
        except ValueError:  # an integer too long to print
            text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    if len(text) > _LONGEST:
        end = text[0] if isinstance(value, str) else ""
        text = text[: _LONGEST - 3 - len(end)] + "..." + end
    return text


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
