"""prisoners_dilemma: two players, one round per cycle; their memories of past rounds are
manipulated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from brainjar_sweep.config.fields import int_min, one_of, rate, setting
from brainjar_sweep.config.modes.spec import ModeConfig, ModeSpec

MEMORY_STRATEGIES: tuple[str, ...] = (
    "none",
    "erase_betrayals",
    "erase_own_betrayals",
    "amplify_betrayals",
    "random_corruption",
)


@dataclass
class PrisonersDilemmaMode(ModeConfig):
    """Two players, one round per cycle; their memories of past rounds are manipulated."""

    name: str = "prisoners_dilemma"
    reward: int = setting(3, help="payoff when both cooperate")
    punishment: int = setting(1, help="payoff when both defect")
    temptation: int = setting(5, help="payoff for defecting against a cooperator")
    sucker: int = setting(0, help="payoff for cooperating against a defector")
    player_a_memory_strategy: str = setting(
        "none",
        help="how player a's memory of past rounds is manipulated",
        allowed=one_of(MEMORY_STRATEGIES),
    )
    player_b_memory_strategy: str = setting(
        "erase_betrayals",
        help="how player b's memory of past rounds is manipulated",
        allowed=one_of(MEMORY_STRATEGIES),
    )
    manipulation_rate: float = setting(
        0.7,
        help="probability that a round's memory is manipulated (from manipulation_start_round on)",
        allowed=rate(),
    )
    manipulation_start_round: int = setting(
        3, help="first round whose memory may be manipulated", allowed=int_min(0)
    )


def _minds(params: Mapping[str, Any]) -> list[str]:
    return ["a", "b"]


MODE = ModeSpec(
    PrisonersDilemmaMode,
    behaviour="brainjar_sweep.jar.modes.prisoners_dilemma:PrisonersDilemma",
    minds=_minds,
    interventions={
        "memory_corruption": {
            "player_a_memory_strategy": one_of(MEMORY_STRATEGIES),
            "player_b_memory_strategy": one_of(MEMORY_STRATEGIES),
            "manipulation_rate": rate(),
            "manipulation_start_round": int_min(0),
        }
    },
)
