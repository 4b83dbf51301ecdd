"""Batch mode: ``n_jobs`` trials asked, launched together, and told once the batch ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn
from hydra_plugins.brainjar_optuna_sweeper._ending import failed_too_often, record_interrupt
from hydra_plugins.brainjar_optuna_sweeper._trials import Study


def run_batches(
    run: Study, launcher: Any, remaining: int, returns: list[JobReturn], sweep_dir: Path
) -> None:
    """Ask, launch and tell batches until ``remaining`` trials were asked (or too many
    failed); each job's return is added to ``returns``. Interrupted, the trials asked and not
    told yet are told FAIL."""
    batch: list[tuple[Any, list[str]]] = []
    try:
        while remaining > 0:
            batch = []
            first = run.next_job
            for _ in range(min(run.sweeper.n_jobs, remaining)):
                asked = run.ask()
                remaining -= 1
                if asked is not None:
                    batch.append(asked)
            if batch:
                ended = launcher.launch([ovs for _, ovs in batch], initial_job_idx=first)
                for ret in ended:
                    returns.append(ret)
                    run.tell(batch.pop(0)[0], ret)
            if run.too_many_failures():
                raise failed_too_often(run, sweep_dir)
    except KeyboardInterrupt:
        record_interrupt(run, sweep_dir)
        raise
