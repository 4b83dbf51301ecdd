"""A Hydra callback that holds each job of a sweep at a gate until the test lets it through.

With this folder on ``PYTHONPATH``, ``+hydra.callbacks.gate._target_=job_gate.JobGate`` and
``+hydra.callbacks.gate.gate_dir=<dir>`` make every job, before its task runs, leave
``<dir>/waiting-<job number>`` and wait while ``<dir>/closed`` exists, until the test leaves
``<dir>/open-<job number>`` (that job may go on) or removes ``closed`` (all may). A held job
is running as far as its sweep knows (an Optuna trial stays RUNNING), for as long as the test
needs, so a test kills or watches a sweep at a known point without racing the clock.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

SAFETY_S = 1800.0  # a test that forgot its gate: the job goes on in the end


class JobGate(Callback):
    def __init__(self, gate_dir: str) -> None:
        self.gate_dir = Path(gate_dir)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        num = config.hydra.job.num
        (self.gate_dir / f"waiting-{num}").touch()
        closed, opened = self.gate_dir / "closed", self.gate_dir / f"open-{num}"
        deadline = time.monotonic() + SAFETY_S
        while closed.exists() and not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
