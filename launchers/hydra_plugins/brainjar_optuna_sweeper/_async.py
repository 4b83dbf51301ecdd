"""Async mode: a trial asked whenever the launcher could start a job, each told as it ends
(the launcher's ``launch_each``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn
from hydra_plugins.brainjar_optuna_sweeper._ending import failed_too_often, record_interrupt
from hydra_plugins.brainjar_optuna_sweeper._trials import Study


def run_async(
    run: Study, launch_each: Any, remaining: int, returns: list[JobReturn], sweep_dir: Path
) -> None:
    """Stream ``remaining`` trials through ``launch_each`` (fewer once too many failed);
    each job's return is added to ``returns``. Interrupted, the trials asked and not told
    yet are told FAIL."""
    asked: dict[int, Any] = {}  # job number -> its trial, until told
    left = remaining

    def next_job() -> list[str] | None:
        nonlocal left
        while left > 0 and not run.too_many_failures():
            got = run.ask()
            left -= 1
            if got is not None:
                trial, ovs = got
                asked[int(trial.user_attrs["job_num"])] = trial
                return ovs
        return None

    def on_done(num: int, ret: JobReturn) -> None:
        returns.append(ret)
        run.tell(asked.pop(num), ret)

    try:
        launch_each(next_job, on_done, run.next_job, total=remaining)
    except KeyboardInterrupt:
        record_interrupt(run, sweep_dir)
        raise
    if run.too_many_failures():
        raise failed_too_often(run, sweep_dir)
