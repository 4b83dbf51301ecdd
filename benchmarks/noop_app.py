"""A Hydra app whose jobs do nothing (``noop``) or sleep (``sleep``): the launcher benchmarks' workload.

``mem_gb`` is the memory a job declares to the jetson launcher (see ``needs``); nothing is allocated.
"""

import time
from dataclasses import dataclass

import hydra
from hydra.core.config_store import ConfigStore


@dataclass
class NoopConfig:
    x: int = 0
    sleep: float = 0.0
    mem_gb: float = 1.0


ConfigStore.instance().store(name="noop", node=NoopConfig)


def needs(cfg):  # the jetson launcher's job_resources hook
    return cfg.mem_gb, 1


@hydra.main(version_base="1.3", config_path=None, config_name="noop")
def main(cfg: NoopConfig) -> int:
    if cfg.sleep:
        time.sleep(cfg.sleep)
    return cfg.x


if __name__ == "__main__":
    main()
