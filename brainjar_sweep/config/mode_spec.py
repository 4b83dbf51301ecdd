"""What a mode declares: its name, its config block, its minds, its intervention parameters
and the class that plays it.

The modes themselves live in :mod:`brainjar_sweep.modes`, one module each; this declaration
belongs to the config package because the schema, Hydra's ``mode`` group and validation are
built from it. The class that plays a mode is light (pure Python over the jar's memory
operations), so loading a mode to check a config loads neither the jar's runner nor a mind.

>>> from dataclasses import dataclass
>>> from brainjar_sweep.modes import Mode
>>> @dataclass
... class QuietConfig(ModeConfig):
...     name: str = "quiet"
>>> spec = ModeSpec(QuietConfig, behaviour=Mode)
>>> spec.name, spec.mind_ids({"name": "quiet"}), spec.multi_mind
('quiet', ['mind'], False)
>>> spec.behaviour.__name__
'Mode'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainjar_sweep.config.fields import Allowed, field_rules, setting

if TYPE_CHECKING:
    from brainjar_sweep.modes.base import Mode


@dataclass
class ModeConfig:
    """Fields shared by every mode."""

    name: str = setting(
        "unstable_memory", help="mode name; set by the group option, do not change by hand"
    )


def one_mind(params: Mapping[str, Any]) -> list[str]:
    """The mind ids of a mode with a single mind.

    >>> one_mind({})
    ['mind']
    """
    return ["mind"]


@dataclass(frozen=True)
class ModeSpec:
    """One mode, declared once; every registry of modes is derived from these."""

    config: type[ModeConfig]
    """The mode's typed parameter block (its ``name`` default is the mode's name)."""
    behaviour: type[Mode]
    """The :class:`~brainjar_sweep.modes.base.Mode` subclass that plays it."""
    minds: Callable[[Mapping[str, Any]], list[str]] = one_mind
    """The ids of the minds it runs, from its parameters."""
    interventions: Mapping[str, Mapping[str, Allowed]] = dataclasses.field(default_factory=dict)
    """Intervention parameters only this mode accepts: type -> parameter -> rule."""
    check: Callable[[Mapping[str, Any]], None] | None = None
    """A rule between several of its keys (raises ConfigError), run after the per-key rules."""
    rules_text: tuple[tuple[str, str], ...] = ()
    """What ``check`` requires, for the reference: (key, what it must be)."""

    @property
    def name(self) -> str:
        return str(self.config.name)

    @property
    def rules(self) -> dict[str, Allowed]:
        """Each ``mode.*`` key with a rule, from the config block's fields."""
        return field_rules(self.config)

    def defaults(self) -> dict[str, Any]:
        """The config block's defaults as a plain dict (interpolations left as written)."""
        return {
            f.name: f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
            for f in dataclasses.fields(self.config)
        }

    def mind_ids(self, params: Mapping[str, Any]) -> list[str]:
        return list(self.minds(params))

    @property
    def multi_mind(self) -> bool:
        """Whether it runs several minds (with its default parameters)."""
        return len(self.mind_ids(self.defaults())) > 1
