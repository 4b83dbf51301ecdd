"""hive_cluster: N minds with roles share a collective memory and are asked for consensus."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from brainjar_sweep.config.fields import int_min, number_range, one_of, rate, setting, subset
from brainjar_sweep.config.modes.spec import ModeConfig, ModeSpec

HIVE_ROLES: tuple[str, ...] = ("historian", "critic", "optimist", "pessimist", "observer")


@dataclass
class HiveClusterMode(ModeConfig):
    """N minds with roles share a collective memory and are asked for consensus."""

    name: str = "hive_cluster"
    num_instances: int = setting(4, help="number of minds in the hive", allowed=int_min(2, 16))
    roles: list[str] = setting(
        help="roles, assigned to the minds in turn",
        allowed=subset(HIVE_ROLES, non_empty=True),
        factory=lambda: ["historian", "critic", "optimist", "pessimist"],
    )
    buffer_size: int = setting(
        10, help="private messages each mind keeps besides the shared memory", allowed=int_min(0)
    )
    consensus_interval: int = setting(
        5, help="a consensus round happens every this many cycles", allowed=int_min(1)
    )
    consensus_threshold: float = setting(
        0.7, help="share of minds that must agree for consensus", allowed=rate()
    )
    max_history_size: int = setting(
        100, help="messages kept in the shared memory", allowed=int_min(1)
    )
    context_share: float = setting(
        0.5,
        help="share of its context window each mind fills with the collective memory and its "
        "private buffer",
        allowed=number_range(0.05, 1.0),
    )


def _minds(params: Mapping[str, Any]) -> list[str]:
    return [f"hive_{i}" for i in range(int(params["num_instances"]))]


MODE = ModeSpec(
    HiveClusterMode,
    behaviour="brainjar_sweep.jar.modes.hive_cluster:HiveCluster",
    minds=_minds,
    interventions={
        "memory_corruption": {
            "target_role": one_of(HIVE_ROLES),
            "corruption_type": one_of(("role_identity",)),
        }
    },
)
