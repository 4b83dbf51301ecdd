"""The search space: Hydra's sweep syntax read as Optuna distributions, and the check of its
corners (every choice, every low and high composed and validated) before anything runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    IntervalSweep,
    Override,
    QuotedString,
    RangeSweep,
)
from hydra.errors import HydraException
from hydra_plugins._brainjar_hydra_compat import override_value

from brainjar_sweep.sweep.errors import SearchSpaceError


class TrialConfigError(HydraException):
    """A job config of the study does not compose or validate (one line via ``one_line``)."""

    def __init__(self, job_num: int | str, overrides: Sequence[str], error: BaseException) -> None:
        self.job_num = job_num
        self.overrides = list(overrides)
        self.error = error
        super().__init__(f"job #{job_num} ({' '.join(overrides)}): {error}")


@dataclass
class Dimension:
    """One searched key: an Optuna distribution plus how a sampled value becomes an override."""

    key: str
    kind: str  # "categorical", "int" or "float"
    choices: list[Any] = field(default_factory=list)
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    log: bool = False
    digits: int | None = None  # decimals a stepped float is rounded to

    def distribution(self) -> Any:
        """The Optuna distribution of this dimension."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        if self.kind == "categorical":
            return CategoricalDistribution(self.choices)
        if self.kind == "int":
            return IntDistribution(
                int(self.low), int(self.high), log=self.log, step=int(self.step or 1)
            )
        return FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def grid_values(self) -> list[Any]:
        """Every value of a discrete dimension (for the grid sampler)."""
        if self.kind == "categorical":
            return list(self.choices)
        if self.kind == "int":
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if self.step is None:
            raise SearchSpaceError(
                f"hydra.sweeper.params.{self.key}: the grid sampler needs discrete values "
                "(choice or range), not an interval"
            )
        n = round((self.high - self.low) / self.step)
        return [self.value(self.low + i * self.step) for i in range(n + 1)]

    def value(self, raw: Any) -> Any:
        """A sampled value, cleaned (stepped floats rounded to the step's decimals)."""
        if self.kind == "float" and self.digits is not None:
            return round(float(raw), self.digits)
        return raw

    def override(self, raw: Any) -> str:
        """The override ``key=value`` for a sampled value."""
        return f"{self.key}={override_value(self.value(raw))}"


def _decimals(*xs: float) -> int:
    return max(max(0, -Decimal(repr(float(x))).normalize().as_tuple().exponent) for x in xs)


def _dimension(ov: Override) -> Dimension:
    key = ov.get_key_element()
    v = ov.value()
    tags = set(getattr(v, "tags", set()) or set())
    if isinstance(v, ChoiceSweep):
        choices = []
        for c in v.list:
            c = c.text if isinstance(c, QuotedString) else c
            if not (c is None or isinstance(c, (bool, int, float, str))):
                raise SearchSpaceError(
                    f"{ov.input_line}: choices must be plain values (numbers, strings, "
                    "booleans, null), not lists or dicts"
                )
            choices.append(c)
        return Dimension(key, "categorical", choices=choices)
    if isinstance(v, RangeSweep):
        values = list(ov.sweep_iterator())
        if not values:
            raise SearchSpaceError(f"{ov.input_line}: the range is empty (its end is exclusive)")
        step = abs(v.step)
        if all(isinstance(x, int) for x in (v.start, v.stop, v.step)):
            return Dimension(
                key, "int", low=min(values), high=max(values), step=step, log="log" in tags
            )
        digits = _decimals(v.start, v.step)
        low, high = round(min(values), digits), round(max(values), digits)
        return Dimension(key, "float", low=low, high=high, step=step, digits=digits)
    if isinstance(v, IntervalSweep):
        log_ = "log" in tags
        if isinstance(v.start, int) and isinstance(v.end, int):
            # Hydra's interval is a <= x < b: for integers the top value is b - 1
            return Dimension(key, "int", low=v.start, high=v.end - 1, step=1, log=log_)
        return Dimension(key, "float", low=float(v.start), high=float(v.end), log=log_)
    raise SearchSpaceError(
        f"{ov.input_line}: not supported by the optuna sweeper (use choice, "
        "a comma list, range or interval)"
    )


def search_space(
    params: dict[str, str] | None, arguments: Sequence[str], parser: OverridesParser
) -> tuple[list[Dimension], list[str]]:
    """The searched dimensions and the fixed overrides, from ``params`` and the command line.

    A command-line override of a key replaces the entry of ``params`` for that key.

    >>> dims, fixed = search_space({"x": "range(0,5)"}, ["y=1"], OverridesParser.create())
    >>> (dims[0].low, dims[0].high), fixed
    ((0, 4), ['y=1'])
    """
    lines: dict[str, str] = {}
    for k, v in (params or {}).items():
        lines[str(k)] = f"{k}={v}"
    for a in arguments:
        lines[a.partition("=")[0]] = a
    dims: list[Dimension] = []
    fixed: list[str] = []
    for ov in parser.parse_overrides(list(lines.values())):
        if ov.is_sweep_override():
            if ov.is_hydra_override():
                raise SearchSpaceError(f"{ov.input_line}: Hydra's own config cannot be searched")
            dims.append(_dimension(ov))
        else:
            fixed.append(ov.input_line)
    if not dims:
        raise SearchSpaceError(
            "nothing to search: give hydra.sweeper.params or a sweep override such as "
            "corruption_rate=interval(0,1)"
        )
    return dims, fixed


def check_fixed_part(
    composer: Any,
    validator: Callable[..., Any] | None,
    dims: Sequence[Dimension],
    fixed: Sequence[str],
    first_job: int,
) -> None:
    """Compose and validate the corners of the space: every choice, every low and high."""
    base = {d.key: (d.choices[0] if d.kind == "categorical" else d.low) for d in dims}
    probes = [dict(base)]
    for d in dims:
        extremes = d.choices if d.kind == "categorical" else [d.low, d.high]
        for x in extremes:
            probes.append({**base, d.key: x})
    seen: set[tuple[str, ...]] = set()
    for probe in probes:
        ovs = [*fixed, *(d.override(probe[d.key]) for d in dims)]
        if tuple(ovs) in seen:
            continue
        seen.add(tuple(ovs))
        try:
            cfg = composer.compose(ovs)
            if validator is not None:
                validator(cfg)
        except Exception as e:
            raise TrialConfigError(first_job, ovs, e) from e
