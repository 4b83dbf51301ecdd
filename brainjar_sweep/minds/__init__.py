"""Minds that live in the jar: the boundary (:mod:`.base`) and its implementations."""

from __future__ import annotations

from typing import Any

from brainjar_sweep.minds.base import ChatMessage, Generation, Mind, MindCrashed, Prompt
from brainjar_sweep.minds.simulated import SimulatedMind

__all__ = [
    "ChatMessage",
    "Generation",
    "Mind",
    "MindCrashed",
    "Prompt",
    "SimulatedMind",
    "build_mind",
]


def build_mind(
    mind_id: str, mind_cfg: dict[str, Any], resources: dict[str, Any], seed: int
) -> Mind:
    """Create the mind an experiment's ``mind`` block asks for.

    >>> build_mind("m", {"kind": "simulated"}, {"model_size_gb": 1.0, "kv_mb_per_token": 0.03}, 0).mind_id
    'm'
    """
    kind = mind_cfg.get("kind")
    if kind == "simulated":
        from brainjar_sweep.minds.simulated import simulated_from_config

        return simulated_from_config(mind_id, mind_cfg, resources, seed)
    if kind == "llama_cpp":
        from brainjar_sweep.minds.llama_cpp import llama_cpp_from_config

        return llama_cpp_from_config(mind_id, mind_cfg, resources, seed)
    if kind == "openai":
        from brainjar_sweep.minds.openai_server import openai_from_config

        return openai_from_config(mind_id, mind_cfg, resources, seed)
    raise ValueError(f"mind.kind={kind!r} is not allowed: one of simulated, llama_cpp, openai")
