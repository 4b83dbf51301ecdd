"""The memory model's default knobs, owned here once: the config's mind schemas declare them as
defaults and :class:`brainjar_sweep.minds._memory_model.MemoryModel` falls back to them
(the config must not import the minds, so neither side can own them for the other).

>>> MEMORY_DEFAULTS["runtime_overhead_mb"]
200.0
"""

from __future__ import annotations

MEMORY_DEFAULTS: dict[str, float] = {
    "model_size_gb": 0.94,
    "kv_mb_per_token": 0.027,
    "runtime_overhead_mb": 200.0,
    "compute_buffer_mb": 300.0,
    "growth_mb_per_token": 0.15,
    "spike_sd_mb": 60.0,
}
