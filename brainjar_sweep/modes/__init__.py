"""The modes: one module each, listed once in :data:`MODE_MODULES`.

A mode module holds the whole mode: its config block (a dataclass whose fields carry their help
and rules), the class that plays it (a :class:`Mode`) and a :class:`ModeSpec` named ``MODE``
that declares both with its mind ids and the intervention parameters only it accepts.
Everything that knows the modes (the schema's names and classes, Hydra's ``mode`` group,
validation, the jar) reads them from here, so a new mode is a new module and one line below
(docs/architecture.md, "Adding a mode").

>>> list(mode_specs())[:2]
['amnesiac_loop', 'unstable_memory']
>>> mind_ids({"name": "hive_cluster", "num_instances": 3})
['hive_0', 'hive_1', 'hive_2']
>>> "split_brain" in multi_mind_modes()
True
>>> mode_class("split_brain").__name__
'SplitBrain'
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brainjar_sweep.config.mode_spec import ModeSpec
    from brainjar_sweep.modes.base import Mode

__all__ = [
    "MODE_MODULES",
    "Mode",
    "ModeConfig",
    "ModeSpec",
    "mind_ids",
    "mode_class",
    "mode_spec",
    "mode_specs",
    "multi_mind_modes",
]

MODE_MODULES: tuple[str, ...] = (
    "brainjar_sweep.modes.amnesiac_loop",
    "brainjar_sweep.modes.unstable_memory",
    "brainjar_sweep.modes.panopticon_subject",
    "brainjar_sweep.modes.panopticon_observer",
    "brainjar_sweep.modes.split_brain",
    "brainjar_sweep.modes.prisoners_dilemma",
    "brainjar_sweep.modes.determinism_revelation",
    "brainjar_sweep.modes.illusory_operator",
    "brainjar_sweep.modes.hive_cluster",
)
"""Every mode, in the order the reference lists them: the one list of modes."""


@functools.cache
def _load(modules: tuple[str, ...]) -> dict[str, ModeSpec]:
    specs: dict[str, ModeSpec] = {}
    for path in modules:
        spec = importlib.import_module(path).MODE
        if spec.name in specs:
            raise ValueError(f"{path}: mode {spec.name!r} is declared twice")
        specs[spec.name] = spec
    return specs


def mode_specs() -> dict[str, ModeSpec]:
    """Every mode's declaration, by name, in the order of :data:`MODE_MODULES`."""
    return dict(_load(MODE_MODULES))


def mode_spec(name: str) -> ModeSpec:
    """One mode's declaration (KeyError for an unknown name).

    >>> mode_spec("split_brain").mind_ids({})
    ['A', 'B']
    """
    return _load(MODE_MODULES)[name]


def mind_ids(mode: Mapping[str, Any]) -> list[str]:
    """The ids of the minds a mode runs inside one experiment, from its ``mode`` block.

    >>> mind_ids({"name": "split_brain"})
    ['A', 'B']
    """
    return mode_spec(mode["name"]).mind_ids(mode)


def multi_mind_modes() -> tuple[str, ...]:
    """The modes that run several minds (where a network can be disrupted)."""
    return tuple(name for name, spec in _load(MODE_MODULES).items() if spec.multi_mind)


def mode_class(name: str) -> type[Mode]:
    """The class that plays mode ``name``.

    >>> mode_class("amnesiac_loop").name
    'amnesiac_loop'
    """
    return mode_spec(name).behaviour


# Re-exported last: the declaration's module is part of the config package, which lists every
# mode when it is first imported and so calls the lookups above; they exist by then whichever
# of the two packages a program imports first.
from brainjar_sweep.config.mode_spec import ModeConfig, ModeSpec  # noqa: E402
from brainjar_sweep.modes.base import Mode  # noqa: E402
