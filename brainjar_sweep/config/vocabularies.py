"""The words a config may use where a closed list applies (modes keep their own lists)."""

from __future__ import annotations

INTERVENTION_TYPES: tuple[str, ...] = (
    "memory_corruption",
    "memory_erasure",
    "false_injection",
    "prompt_injection",
    "resource_change",
    "network_disruption",
    "sensory_hallucination",
)
TRIGGERS: tuple[str, ...] = ("on_cycle", "every_n_cycles", "on_crash", "on_resurrection", "random")
MUTATION_TYPES: tuple[str, ...] = ("content_mutate", "delete", "timestamp_shift", "role_confusion")
MIND_KINDS: tuple[str, ...] = ("simulated", "llama_cpp", "openai")
