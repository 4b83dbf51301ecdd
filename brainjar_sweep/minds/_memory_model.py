"""The context-memory model of minds whose memory is not measured (the simulator, a remote server).

::

    resting = weights + compute buffers + runtime overhead
              + tokens * (kv_mb_per_token + growth_mb_per_token)
    peak    = resting(context + reply tokens) + |N(0, spike_sd_mb)|
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from brainjar_sweep._memory_defaults import MEMORY_DEFAULTS
from brainjar_sweep.minds.base import MindCrashed

MEMORY_KNOBS = (
    "model_size_gb",
    "kv_mb_per_token",
    "runtime_overhead_mb",
    "compute_buffer_mb",
    "growth_mb_per_token",
    "spike_sd_mb",
)
"""The options of a mind that set its memory model (:meth:`MemoryModel.of`)."""


@dataclass(frozen=True)
class MemoryModel:
    """Modelled memory of a mind, in MB.

    >>> m = MemoryModel.of(model_size_gb=1.0, kv_mb_per_token=0.0, runtime_overhead_mb=0.0,
    ...     compute_buffer_mb=0.0, growth_mb_per_token=1.0, spike_sd_mb=0.0)
    >>> m.resting(10), m.peak(10, random.Random(0))
    (1034.0, 1034.0)
    """

    base_mb: float
    per_token_mb: float
    spike_sd_mb: float

    @classmethod
    def of(
        cls,
        *,
        model_size_gb: float = MEMORY_DEFAULTS["model_size_gb"],
        kv_mb_per_token: float = MEMORY_DEFAULTS["kv_mb_per_token"],
        runtime_overhead_mb: float = MEMORY_DEFAULTS["runtime_overhead_mb"],
        compute_buffer_mb: float = MEMORY_DEFAULTS["compute_buffer_mb"],
        growth_mb_per_token: float = MEMORY_DEFAULTS["growth_mb_per_token"],
        spike_sd_mb: float = MEMORY_DEFAULTS["spike_sd_mb"],
    ) -> MemoryModel:
        """The model from its six knobs: weights (GB), KV cache, overhead, buffers (MB), growth
        per token and the spike's standard deviation (MB)."""
        return cls(
            base_mb=model_size_gb * 1024.0 + runtime_overhead_mb + compute_buffer_mb,
            per_token_mb=kv_mb_per_token + growth_mb_per_token,
            spike_sd_mb=spike_sd_mb,
        )

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> MemoryModel:
        """The model from a mind's keyword options: its knobs (see :meth:`of`) are taken out of
        ``options``, the rest left for the mind.

        >>> options = {"model_size_gb": 1.0, "temperature": 0.2}
        >>> MemoryModel.from_options(options).base_mb, options
        (1524.0, {'temperature': 0.2})
        """
        return cls.of(**{k: options.pop(k) for k in MEMORY_KNOBS if k in options})

    def resting(self, tokens: int) -> float:
        """Memory with ``tokens`` of context loaded."""
        return self.base_mb + tokens * self.per_token_mb

    def peak(self, tokens: int, rng: random.Random) -> float:
        """Memory while generating with ``tokens`` in context and reply: resting plus a spike."""
        return self.resting(tokens) + abs(rng.gauss(0.0, self.spike_sd_mb))

    @staticmethod
    def check(memory_mb: float, limit_mb: float | None, doing: str, note: str = "") -> None:
        """Raise :class:`MindCrashed` when ``memory_mb`` passes ``limit_mb``."""
        if limit_mb is not None and memory_mb > limit_mb:
            raise MindCrashed(
                f"out of memory while {doing} ({note}{memory_mb:.0f} MB > {limit_mb:.0f} MB)",
                memory_mb,
                limit_mb,
            )
