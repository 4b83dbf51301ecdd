"""A small Hydra app whose jobs misbehave on demand: the launcher tests' workload.

Each job records its pid and start/end times in ``times.json`` in its output dir.
``crash_on`` makes that job segfault for real, ``fail_on`` raise, ``hang_on`` sleep past
any timeout, ``deaf_on`` sleep past any timeout deaf to SIGTERM (once deaf, it leaves a file
``deaf`` in its output dir); ``mem_gb`` is the memory the job declares to the launcher (see
``needs``). ``meet=k`` with ``meet_dir`` makes jobs wait for each other in groups of ``k`` (jobs
``x // k``): each group's jobs are then running at the same time however slowly they start,
which shows concurrency without a race against the clock. With ``meet_dir``, every job also
leaves ``started-<job number>`` there as it starts; ``wait_in=n`` with ``wait_for=m`` makes job
number ``n`` wait until job number ``m`` has started (an order of starts, not of times).
``duration`` is the launcher's ``job_duration`` hook for it (job ``x`` is predicted to run ``x`` seconds, job 0 unpredicted),
``needs_seen`` a ``job_resources`` hook that notes what it was given,
``preload`` its ``job_preload`` hook (``colorsys``, which nothing else imports; each job
records whether it started with it loaded). ``times.json`` also holds the command line
of the job's parent process (``parent``).
"""

import ctypes
import json
import os
import signal
import sys
import time
from dataclasses import dataclass

import hydra
from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig


@dataclass
class ChaosConfig:
    x: int = 0
    sleep: float = 0.0
    crash_on: int = -1
    fail_on: int = -1
    hang_on: int = -1
    deaf_on: int = -1
    mem_gb: float | None = None
    threads: int = 1
    meet: int = 0
    meet_dir: str = ""
    wait_in: int = -1
    wait_for: int = -1


ConfigStore.instance().store(name="chaos", node=ChaosConfig)


def needs(cfg):  # the launcher's job_resources hook for this app
    return cfg.mem_gb, cfg.threads


def duration(cfg):  # the launcher's job_duration hook for this app
    return None if cfg.x == 0 else float(cfg.x)


def needs_seen(cfg):  # a job_resources hook that reads a config or a plain experiment
    """As ``needs``, and leaves ``seen-<x>-plan`` (a plain dict: the sweeper's plan) or
    ``seen-<x>-config`` (a composed config) in ``meet_dir``: what the launcher gave it."""
    kind = "plan" if isinstance(cfg, dict) else "config"
    with open(os.path.join(cfg["meet_dir"], f"seen-{cfg['x']}-{kind}"), "a") as f:
        f.write("seen\n")
    return cfg["mem_gb"], cfg["threads"]


def preload():  # the launcher's job_preload hook for this app
    return ["colorsys"]


def _meet(where: str, x: int, k: int) -> None:
    """Wait until every job of ``x``'s group of ``k`` has started (10 minutes at most)."""
    os.makedirs(where, exist_ok=True)
    open(os.path.join(where, f"{x}"), "w").close()
    group = range(x - x % k, x - x % k + k)
    deadline = time.monotonic() + 600
    while not all(os.path.exists(os.path.join(where, f"{y}")) for y in group):
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {x}: its group {list(group)} never ran together")
        time.sleep(0.05)


def _wait_for(path: str) -> None:
    """Wait until ``path`` exists (10 minutes at most)."""
    deadline = time.monotonic() + 600
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.05)


def _parent_command() -> list[str]:
    """The command line of this job's parent process (the job-process server, say)."""
    with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
        return [a.decode() for a in f.read().split(b"\0") if a]


@hydra.main(version_base="1.3", config_path=None, config_name="chaos")
def main(cfg: ChaosConfig) -> dict:
    out = HydraConfig.get().runtime.output_dir
    start = time.time()
    preloaded = "colorsys" in sys.modules
    if cfg.x == cfg.crash_on:
        ctypes.string_at(0)  # a real segmentation fault
    if cfg.x == cfg.fail_on:
        raise ValueError(f"boom at x={cfg.x}")
    if cfg.x == cfg.hang_on:
        time.sleep(3600)
    if cfg.x == cfg.deaf_on:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        open(os.path.join(out, "deaf"), "w").close()  # says it is deaf now
        time.sleep(3600)
    if cfg.meet_dir:
        num = HydraConfig.get().job.num
        os.makedirs(cfg.meet_dir, exist_ok=True)
        open(os.path.join(cfg.meet_dir, f"started-{num}"), "w").close()
        if num == cfg.wait_in:
            _wait_for(os.path.join(cfg.meet_dir, f"started-{cfg.wait_for}"))
    if cfg.meet:
        _meet(cfg.meet_dir, cfg.x, cfg.meet)
    time.sleep(cfg.sleep)
    with open(os.path.join(out, "times.json"), "w") as f:
        span = {"pid": os.getpid(), "start": start, "end": time.time(), "x": cfg.x}
        json.dump(dict(span, preloaded=preloaded, parent=_parent_command()), f)
    return {"x": cfg.x, "square": cfg.x * cfg.x}


if __name__ == "__main__":
    main()
