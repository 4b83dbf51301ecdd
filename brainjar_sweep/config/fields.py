"""A config field declared once: its default, what it allows and its help text.

A field of the schema is written ``setting(default, help=..., allowed=...)``; the help and
the rule travel in the dataclass field's ``metadata``. Validation runs each field's rule,
and the configuration reference prints its help and what it allows, so neither repeats
what the field says.

>>> from dataclasses import dataclass, fields
>>> @dataclass
... class Box:
...     size: int = setting(3, help="how big", allowed=int_min(1))
>>> f = fields(Box)[0]
>>> help_of(f), allowed_of(f).text
('how big', 'an integer >= 1')
>>> allowed_of(f)("box.size", 0)
Traceback (most recent call last):
...
brainjar_sweep.config.errors.ConfigError: box.size=0 is not allowed: an integer >= 1
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from brainjar_sweep.config.errors import ConfigError

Check = Callable[[str, Any], None]
"""A rule: ``check(key, value)`` raises :class:`ConfigError` when ``value`` is not allowed."""

BIGGEST = 2**63 - 1
"""The largest integer the experiments database stores."""


@dataclass(frozen=True)
class Allowed:
    """What a field allows: the words the reference prints and the check validation runs.

    >>> rate()("mode.success_rate", 2)
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: mode.success_rate=2 is not allowed: a number in [0, 1]
    """

    text: str
    check: Check

    def __call__(self, key: str, value: Any) -> None:
        self.check(key, value)


def setting(
    default: Any = dataclasses.MISSING,
    *,
    help: str,  # noqa: A002 - the word the reference uses
    allowed: Allowed | None = None,
    factory: Callable[[], Any] | None = None,
) -> Any:
    """A dataclass field with its help text and rule in ``metadata`` (``factory`` for lists).

    >>> setting(0.5, help="a share", allowed=rate()).metadata["help"]
    'a share'
    """
    metadata: dict[str, Any] = {"help": " ".join(help.split())}
    if allowed is not None:
        metadata["allowed"] = allowed
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def help_of(f: dataclasses.Field[Any]) -> str:
    """A field's help text ("" when it has none).

    >>> help_of(dataclasses.field())
    ''
    """
    return str(f.metadata.get("help", ""))


def allowed_of(f: dataclasses.Field[Any]) -> Allowed | None:
    """A field's rule, or None when its type says all there is.

    >>> allowed_of(dataclasses.field()) is None
    True
    """
    return f.metadata.get("allowed")


def field_rules(cls: type) -> dict[str, Allowed]:
    """Each field of dataclass ``cls`` that has a rule, and the rule, in field order.

    >>> from brainjar_sweep.modes.hive_cluster import HiveClusterMode
    >>> field_rules(HiveClusterMode)["num_instances"].text
    'an integer in [2, 16]'
    """
    out = {}
    for f in dataclasses.fields(cls):
        rule = allowed_of(f)
        if rule is not None:
            out[f.name] = rule
    return out


# --- value tests ----------------------------------------------------------------------------


def is_int(v: Any) -> bool:
    """An integer, not a boolean.

    >>> is_int(3), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v: Any) -> bool:
    """A finite number a float (and the database) can hold.

    >>> is_num(0.5), is_num(float("nan")), is_num(10**400)
    (True, False, False)
    """
    if isinstance(v, int) and not isinstance(v, bool):
        return abs(v) <= BIGGEST  # a 400-digit integer is no float (and no DB value)
    return isinstance(v, float) and math.isfinite(v)


# --- rules ------------------------------------------------------------------------------------


def rate() -> Allowed:
    """A number in [0, 1].

    >>> rate().text
    'a number in [0, 1]'
    """

    def check(key: str, v: Any) -> None:
        if not is_num(v) or not 0.0 <= v <= 1.0:
            raise ConfigError(key, v, "a number in [0, 1]")

    return Allowed("a number in [0, 1]", check)


def number_range(lo: float, hi: float) -> Allowed:
    """A number in [lo, hi].

    >>> number_range(0.0, 2.0).text
    'a number in [0.0, 2.0]'
    """
    text = f"a number in [{lo}, {hi}]"

    def check(key: str, v: Any) -> None:
        if not is_num(v) or not lo <= v <= hi:
            raise ConfigError(key, v, text)

    return Allowed(text, check)


def int_min(lo: int, hi: int | None = None) -> Allowed:
    """An integer >= lo (and <= hi), never above what the database stores.

    >>> int_min(2, 16).text
    'an integer in [2, 16]'
    >>> int_min(0)("seed", 2**64)
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: seed=18446744073709551616 is not allowed: an integer in [0, 9223372036854775807]
    """
    text = f"an integer >= {lo}" if hi is None else f"an integer in [{lo}, {hi}]"

    def check(key: str, v: Any) -> None:
        if not is_int(v) or v < lo or (hi is not None and v > hi):
            raise ConfigError(key, v, text)
        if v > BIGGEST:
            raise ConfigError(key, v, f"an integer in [{lo}, {BIGGEST}]")

    return Allowed(text, check)


def positive(*, allow_none: bool = False) -> Allowed:
    """A number > 0 (or null).

    >>> positive(allow_none=True).text
    'a number > 0 or null'
    """
    text = "a number > 0" + (" or null" if allow_none else "")

    def check(key: str, v: Any) -> None:
        if v is None and allow_none:
            return
        if not is_num(v) or v <= 0:
            raise ConfigError(key, v, text)

    return Allowed(text, check)


def non_negative(*, allow_none: bool = False) -> Allowed:
    """A number >= 0 (or null).

    >>> non_negative().text
    'a number >= 0'
    """
    text = "a number >= 0" + (" or null" if allow_none else "")

    def check(key: str, v: Any) -> None:
        if v is None and allow_none:
            return
        if not is_num(v) or v < 0:
            raise ConfigError(key, v, text)

    return Allowed(text, check)


def one_of(allowed: Sequence[str]) -> Allowed:
    """One of a vocabulary.

    >>> one_of(("low", "high")).text
    'one of low, high'
    """
    text = "one of " + ", ".join(allowed)

    def check(key: str, v: Any) -> None:
        if v not in allowed:
            raise ConfigError(key, v, text)

    return Allowed(text, check)


def subset(allowed: Sequence[str], *, non_empty: bool = False) -> Allowed:
    """A list whose items are each one of a vocabulary (the bad item is named by its index).

    >>> subset(("a", "b"))("roles", ["a", "c"])
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: roles.1='c' is not allowed: one of a, b
    """
    item = one_of(allowed)

    def check(key: str, v: Any) -> None:
        if not isinstance(v, list) or (non_empty and not v):
            raise ConfigError(key, v, "a list of " + ", ".join(allowed))
        for i, x in enumerate(v):
            item(f"{key}.{i}", x)

    return Allowed("a list of " + ", ".join(allowed), check)


def text() -> Allowed:
    """Any text.

    >>> text().text
    'a text'
    """

    def check(key: str, v: Any) -> None:
        if not isinstance(v, str):
            raise ConfigError(key, v, "a text")

    return Allowed("a text", check)


def boolean() -> Allowed:
    """true or false.

    >>> boolean().text
    'true or false'
    """

    def check(key: str, v: Any) -> None:
        if not isinstance(v, bool):
            raise ConfigError(key, v, "true or false")

    return Allowed("true or false", check)


def optional(rule: Allowed) -> Allowed:
    """``rule``, or null.

    >>> optional(int_min(1)).text
    'an integer >= 1, or null'
    """

    def check(key: str, v: Any) -> None:
        if v is not None:
            rule(key, v)

    return Allowed(rule.text + ", or null", check)


def non_empty_text() -> Allowed:
    """A text with something in it.

    >>> non_empty_text().text
    'a non-empty text'
    """

    def check(key: str, v: Any) -> None:
        if not isinstance(v, str) or not v.strip():
            raise ConfigError(key, v, "a non-empty text")

    return Allowed("a non-empty text", check)


def optional_text() -> Allowed:
    """A text or null.

    >>> optional_text().text
    'a text or null'
    """

    def check(key: str, v: Any) -> None:
        if v is not None and not isinstance(v, str):
            raise ConfigError(key, v, "a text or null")

    return Allowed("a text or null", check)


def each(rule: Allowed) -> Allowed:
    """A list whose every item ``rule`` allows (the bad item is named by its index).

    >>> each(int_min(0))("self_report.on_cycles", [2, -1])
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: self_report.on_cycles.1=-1 is not allowed: an integer >= 0
    """

    def check(key: str, v: Any) -> None:
        for i, item in enumerate(v or []):
            rule(f"{key}.{i}", item)

    return Allowed(f"each item: {rule.text}", check)
