"""A Hydra app whose jobs do nothing (``noop``) or sleep (``sleep``): the launcher benchmarks' workload.

``mem_gb`` is the memory a job declares to the jetson launcher (see ``needs``); nothing is allocated.
"""

import json
import os
import random
import time
from dataclasses import dataclass

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig


@dataclass
class NoopConfig:
    x: int = 0
    sleep: float = 0.0
    mem_gb: float = 1.0
    # mixed workload: each job's memory (1-8 GB) and duration come from a seeded draw on x
    mixed: bool = False
    # seconds of the longest mixed job
    max_sleep: float = 4.0


ConfigStore.instance().store(name="noop", node=NoopConfig)


def mixed_job(x: int, max_sleep: float) -> tuple[float, float]:
    """Declared memory (GB) and duration (s) of mixed job ``x``."""
    rng = random.Random(f"mixed:{x}")
    return round(1 + 7 * rng.random(), 2), round(max_sleep * (0.125 + 0.875 * rng.random()), 3)


def duration(cfg):  # the jetson launcher's job_duration hook: the mixed job's own seconds
    return mixed_job(cfg.x, cfg.max_sleep)[1] if cfg.mixed else None


def needs(cfg):  # the jetson launcher's job_resources hook (a config or a plain dict)
    if cfg["mixed"]:
        return mixed_job(cfg["x"], cfg["max_sleep"])[0], 1
    return cfg["mem_gb"], 1


@hydra.main(version_base="1.3", config_path=None, config_name="noop")
def main(cfg: NoopConfig) -> int:
    if cfg.mixed:
        start = time.time()
        time.sleep(mixed_job(cfg.x, cfg.max_sleep)[1])
        out = HydraConfig.get().runtime.output_dir
        with open(os.path.join(out, "span.json"), "w") as f:
            json.dump({"start": start, "end": time.time()}, f)
    elif cfg.sleep:
        time.sleep(cfg.sleep)
    return cfg.x


if __name__ == "__main__":
    main()
