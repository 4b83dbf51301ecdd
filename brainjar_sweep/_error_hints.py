"""What to do about a config error: the fix that goes with an error line, when there is one.

:func:`brainjar_sweep._errors.one_line` says what is wrong; the functions here add how to put
it right, for the mistakes a researcher makes in a first hour (a sweep preset picked without
``+``, an Optuna setting given to the grid sweeper, an intervention's parameter set when no
intervention is configured).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

_DETAIL_LINE = re.compile(r"^\s*(full_key|object_type|reference_type)\s*[:=]")

# groups whose options are added with `+group=option` (no default to override)
_ADDED_GROUPS = {"sweep": "sweep presets are sweeps: run them with -m"}

OPTUNA_FIX = "add hydra/sweeper=brainjar_optuna to the command line (needs the [optuna] extra)"


def message_text(exc: BaseException) -> str:
    """An error's message on one line, without OmegaConf's ``full_key:``/``object_type=`` lines.

    >>> message_text(KeyError("no\\n    full_key: a.b\\n    object_type=dict"))
    "'no\\\\n    full_key: a.b\\\\n    object_type=dict'"
    >>> message_text(ValueError("Could not override 'x'.\\nTo append use +x=1"))
    "Could not override 'x'. To append use +x=1"
    """
    lines = [line.strip() for line in str(exc).splitlines()]
    return " ".join(line for line in lines if line and not _DETAIL_LINE.match(line))


def _optuna_fields() -> list[str]:
    try:
        from hydra_plugins.brainjar_optuna_sweeper.config import BrainjarOptunaSweeperConf
    except ImportError:  # pragma: no cover - the plugin ships with the package
        return []
    return [f.name for f in dataclasses.fields(BrainjarOptunaSweeperConf)]


def unknown_key_fix(key: str, object_type: object = None) -> str | None:
    """What is wrong with an unknown key and how to fix it, or None.

    >>> from hydra_plugins.brainjar_sweeper.config import BrainjarSweeperConf
    >>> unknown_key_fix("hydra.sweeper.sampler", BrainjarSweeperConf)  # doctest: +NORMALIZE_WHITESPACE
    'not a key of the grid sweeper (hydra/sweeper=brainjar) but an Optuna setting: add
     hydra/sweeper=brainjar_optuna to the command line (needs the [optuna] extra)'
    >>> unknown_key_fix("seed") is None
    True
    """
    if key.startswith("hydra.sweeper.") and key.split(".")[2] in _optuna_fields():
        sweeper = "this sweeper"
        if getattr(object_type, "__name__", "") == "BrainjarSweeperConf":
            sweeper = "the grid sweeper (hydra/sweeper=brainjar)"
        return f"not a key of {sweeper} but an Optuna setting: {OPTUNA_FIX}"
    return None


def multiple_values_fix(message: str, args: Sequence[str]) -> str | None:
    """The fix for Hydra's "Multiple values for group" (``+group=`` for a group already chosen).

    >>> multiple_values_fix("Multiple values for mode. To override a value use "
    ...                     "'override mode: split_brain'", ["+mode=split_brain"])
    '+mode=split_brain is not allowed: mode already has an option (a default); write mode=split_brain, without +'
    >>> multiple_values_fix("Multiple values for sweep. To override a value use "
    ...                     "'override sweep: b'", ["+sweep=a", "+sweep=b"])
    'sweep is chosen more than once (+sweep=a, +sweep=b): choose one'
    """
    match = re.match(r"Multiple values for ([\w/.]+)\.", message)
    if match is None:
        return None
    group = match.group(1)
    choices = [a for a in args if a.lstrip("+~").startswith(f"{group}=")]
    if len(choices) > 1:
        return f"{group} is chosen more than once ({', '.join(choices)}): choose one"
    given = next((a for a in args if a.startswith(f"+{group}=")), None)
    value = given.split("=", 1)[1] if given else "<option>"
    return (
        f"+{group}={value} is not allowed: {group} already has an option (a default); "
        f"write {group}={value}, without +"
    )


def override_fix(message: str) -> str | None:
    """The fix for Hydra's "Could not override 'group'" (a group that is not in the defaults).

    >>> override_fix("Could not override 'sweep'. No match in the defaults list. "
    ...              "To append to your default list use +sweep=memory_corruption")
    'sweep=memory_corruption is not allowed: no sweep is chosen by default, so there is nothing to override; write +sweep=memory_corruption (sweep presets are sweeps: run them with -m)'
    """
    match = re.match(r"Could not override '([\w/.]+)'", message)
    if match is None:
        return None
    group = match.group(1)
    plus = re.search(r"use (\+\S+)", message)
    value = plus.group(1)[1:].split("=", 1)[1] if plus and "=" in plus.group(1) else "<option>"
    note = f" ({_ADDED_GROUPS[group]})" if group in _ADDED_GROUPS else ""
    return (
        f"{group}={value} is not allowed: no {group} is chosen by default, so there is nothing "
        f"to override; write +{group}={value}{note}"
    )


def missing_list_item_fix(full_key: str, message: str, args: Sequence[str]) -> str | None:
    """The fix for a value set inside a list item that does not exist (``interventions.0.x=``).

    >>> missing_list_item_fix("interventions[0]", "dict is not a subclass of InterventionConfig",
    ...                       ["interventions.0.parameters.corruption_rate=0.5"])  # doctest: +ELLIPSIS
    'interventions.0.parameters.corruption_rate=0.5 is not allowed: there is no intervention 0 ...'
    """
    match = re.match(r"^(\w+)\[(\d+)\]$", full_key)
    if match is None or "is not a subclass of" not in message:
        return None
    group, index = match.groups()
    prefix = f"{group}.{index}."
    given = next((a.lstrip("+~") for a in args if a.lstrip("+~").startswith(prefix)), None)
    shown = given or f"{group}.{index}"
    if group == "interventions":
        from brainjar_sweep.config import conf_dir

        sets = sorted(f.stem for f in (conf_dir() / "interventions").glob("*.yaml"))
        example = f"interventions=corruption_on_crash {given or ''}".rstrip()
        return (
            f"{shown} is not allowed: there is no intervention {index} to set (interventions=none "
            f"by default); choose an intervention set first, e.g. {example} "
            f"(sets: {', '.join(sets)})"
        )
    return f"{shown} is not allowed: {group} has no item {index} to set"
