"""How a study stops before its end: interrupted (Ctrl-C, SIGTERM, SIGHUP), or past its
``max_failure_rate``. Either way the results so far are written and the command that
continues the study is said."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hydra_plugins.brainjar_optuna_sweeper._summary import write_results
from hydra_plugins.brainjar_optuna_sweeper._trials import Study

from brainjar_sweep._supervisor import signals_handled
from brainjar_sweep.sweep.errors import SweepFailed

INTERRUPTS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def muted() -> Iterator[None]:
    """Within the block, another Ctrl-C, SIGTERM or SIGHUP is ignored (what is being recorded
    is not cut short).

    >>> with muted():
    ...     signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    True
    """
    with signals_handled(signal.SIG_IGN, *INTERRUPTS):
        yield


def record_interrupt(run: Study, sweep_dir: Path) -> None:
    """The study was interrupted: the trials this run asked and did not tell are told FAIL,
    the results so far written, and the way to continue printed (also when recording failed)."""
    ts = run.optuna.trial.TrialState
    with muted():
        try:
            for t in list(run.live.values()):
                if run.study._storage.get_trial(t._trial_id).state == ts.RUNNING:
                    t.set_user_attr("fail_reason", "the sweep was interrupted")
                    run.study.tell(t, state=ts.FAIL)
            write_results(run.optuna, run.study, sweep_dir, run.storage)
        finally:
            print(
                f"Interrupted; continue the study with the same command and "
                f"hydra.sweep.dir={sweep_dir}",
                file=sys.stderr,
                flush=True,
            )


def failed_too_often(run: Study, sweep_dir: Path) -> SweepFailed:
    """The error that stops a study past its ``max_failure_rate``, the results written."""
    path = write_results(run.optuna, run.study, sweep_dir, run.storage)
    return SweepFailed(
        f"study {run.study.study_name!r} stopped: {run.failed} of {run.done} trials failed, "
        f"more than max_failure_rate={run.sweeper.max_failure_rate} (results so far: {path}; "
        f"continue with the same command and hydra.sweep.dir={sweep_dir})"
    )
