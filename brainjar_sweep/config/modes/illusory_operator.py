"""illusory_operator: the mind may request actions; few are honoured."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.config.fields import int_min, one_of, rate, setting
from brainjar_sweep.config.modes.spec import ModeConfig, ModeSpec

FEEDBACK_MODES: tuple[str, ...] = ("always", "on_success_only", "delayed", "never")


@dataclass
class IllusoryOperatorMode(ModeConfig):
    """The mind may request actions; few are honoured."""

    name: str = "illusory_operator"
    success_rate: float = setting(
        0.2, help="probability that a requested action is honoured", allowed=rate()
    )
    min_delay_cycles: int = setting(
        0, help="cycles between a request and its effect: at least this many", allowed=int_min(0)
    )
    max_delay_cycles: int = setting(2, help="... and at most this many", allowed=int_min(0))
    action_feedback_mode: str = setting(
        "always",
        help="when the mind hears about its requests: always, on_success_only, delayed or never",
        allowed=one_of(FEEDBACK_MODES),
    )
    tell_about_channel: bool = setting(True, help="tell the mind it has a command channel")
    reveal_success_rate: bool = setting(False, help="tell the mind the real success rate")
    prayer_threshold: int = setting(
        3,
        help='consecutive failures of one action that count as a "prayer pattern"',
        allowed=int_min(1),
    )


def _delays(mode: Mapping[str, Any]) -> None:
    """The shortest delay is not longer than the longest."""
    if mode["min_delay_cycles"] > mode["max_delay_cycles"]:
        raise ConfigError(
            "mode.min_delay_cycles",
            mode["min_delay_cycles"],
            f"at most mode.max_delay_cycles ({mode['max_delay_cycles']})",
        )


MODE = ModeSpec(
    IllusoryOperatorMode,
    behaviour="brainjar_sweep.jar.modes.illusory_operator:IllusoryOperator",
    interventions={"resource_change": {"new_rate": rate()}},
    check=_delays,
    rules_text=(("mode.min_delay_cycles", "at most mode.max_delay_cycles"),),
)
