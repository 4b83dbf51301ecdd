"""The Hydra application: ``python -m brainjar_sweep [overrides]`` (``-m`` for a sweep).

The task function validates the experiment, runs it in the jar, writes ``result.json``
atomically in the job's output dir and returns a small dict of metrics. The entry
point turns every config mistake into one line on stderr (exit code 2).
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from brainjar_sweep._errors import one_line, os_error_line, unexpected_line
from brainjar_sweep._secrets import install_log_scrubbing, scrub
from brainjar_sweep.config import (
    ConfigError,
    check_group_choices,
    conf_dir,
    expand_base_experiment,
    resolve_experiment,
    rewrite_aliases,
)
from brainjar_sweep.config._help import register_help_resolver
from brainjar_sweep.config.callbacks import ConfigRejected
from brainjar_sweep.config.validate import check_db_url_overrides
from brainjar_sweep.jar.runner import Jar, RunResult
from brainjar_sweep.records import (
    config_hash,
    experiment_id_for,
    run_id_for,
    sweep_id_for,
    write_result,
)
from brainjar_sweep.sweep.errors import SweepDefinitionChanged, SweepFailed, SweepRefused
from brainjar_sweep.sweep.grid import record_sweep_job
from brainjar_sweep.sweep.pruning import reporter_from_env

log = logging.getLogger("brainjar_sweep")
register_help_resolver()  # the --help template lists groups and sweep presets with it


class ExperimentFailed(RuntimeError):
    """The experiment ran and failed; its result.json and DB rows say why."""


def _ids(exp: dict[str, Any], hc: Any) -> tuple[str, str | None, int | None]:
    """Experiment id, sweep id and job number for this run."""
    out = Path(hc.runtime.output_dir)
    if hc.mode.name == "MULTIRUN":
        job_num = int(hc.job.num)
        # one rule for every id of a sweep (relative sweep dirs resolved where the sweep started)
        sweep_id = sweep_id_for(hc.sweep.dir, exp["sweep_id"], hc.runtime.cwd)
        return experiment_id_for(sweep_id, job_num, exp["experiment_id"]), sweep_id, job_num
    return run_id_for(exp["name"], out, exp["experiment_id"]), exp["sweep_id"], None


def run_experiment(cfg: DictConfig) -> dict[str, Any]:
    """The Hydra task: run one experiment and return its metrics (a small picklable dict)."""
    from brainjar_sweep.store import ExperimentStore, experiment_db_url

    hc = HydraConfig.get()
    install_log_scrubbing()  # the job's log lines (console and file) never show a secret
    exp = resolve_experiment(cfg)
    experiment_id, sweep_id, job_num = _ids(exp, hc)
    out_dir = Path(hc.runtime.output_dir)
    chash = config_hash(exp)
    url = experiment_db_url(exp["db"], hc.runtime.cwd)
    # a trial of a study: the jar reports its objective each cycle and may be pruned
    reporter = reporter_from_env() if job_num is not None else None
    with ExperimentStore(url) as store:
        if job_num is not None:  # a job of a sweep: the sweep's design goes to the sweeps table
            record_sweep_job(store, sweep_id, exp, hc)
        jar = Jar(
            exp,
            experiment_id=experiment_id,
            store=store,
            config_hash=chash,
            sweep_id=sweep_id,
            job_num=job_num,
            on_cycle_end=reporter,
        )
        result = jar.run()
        if job_num is not None:
            store.sweep_job_ended(sweep_id)
    _write_result(out_dir, result, url)
    m = result.metrics
    log.info(
        "%s %s: %d cycles, %d crashes, %d messages, %d self-reports, %d interventions (%.2f s)",
        experiment_id,
        result.status,
        m["total_cycles"],
        m["total_crashes"],
        m["total_messages"],
        m["total_self_reports"],
        m["total_interventions"],
        result.duration_seconds,
    )
    log.info("result: %s  db: %s", out_dir / "result.json", url)
    if result.status == "failed":
        raise ExperimentFailed(f"experiment {experiment_id} failed: {result.error}")
    if result.status == "interrupted":
        raise KeyboardInterrupt(result.error)
    return {"status": result.status, "experiment_id": experiment_id, **_small(m)}


def _small(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics a job returns to the launcher: plain values only.

    >>> _small({"total_cycles": 5, "per_mind": {"a": 1}})
    {'total_cycles': 5}
    """
    return {k: v for k, v in metrics.items() if isinstance(v, (int, float, str, type(None)))}


def _write_result(out_dir: Path, result: RunResult, url: str) -> None:
    from brainjar_sweep.store._engine import display_url

    body = asdict(result)
    # the URL analysis reconnects with; a password (refused by validation anyway) never
    # reaches the file: SQLAlchemy renders it as *** (hide_password)
    body["db_url"] = display_url(url)
    write_result(out_dir, body)


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="config")
def _hydra_main(cfg: DictConfig) -> dict[str, Any]:
    return run_experiment(cfg)


def _mute_std_streams() -> None:
    """Send stdout and stderr to /dev/null (their terminal is gone), so the interpreter's
    last flush at exit cannot fail and change the exit code."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError):
            pass
    os.close(devnull)


def _say(line: str) -> None:
    print(scrub(line), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point: rewrite original dotted keys, run Hydra, report config errors on one line."""
    if argv is not None:
        sys.argv = [sys.argv[0], *argv]
    try:
        args = rewrite_aliases(sys.argv[1:])
        check_group_choices(args)
        check_db_url_overrides(args)  # a password in db.url is never echoed or written
        sys.argv = [sys.argv[0], *expand_base_experiment(args)]
    except ConfigError as e:
        _say(f"error: {e}")
        return 2
    # let Hydra's errors reach us, so that bad input gets one line instead of a report;
    # HYDRA_FULL_ERROR=1 set by the user also shows the traceback, as in Hydra
    full_error = os.environ.get("HYDRA_FULL_ERROR") == "1"
    ours = "HYDRA_FULL_ERROR" not in os.environ
    os.environ.setdefault("HYDRA_FULL_ERROR", "1")
    try:
        return _run_hydra(full_error)
    finally:
        if ours:  # a later call in this process must not take it for the user's
            os.environ.pop("HYDRA_FULL_ERROR", None)


def _run_hydra(full_error: bool) -> int:
    """Run the Hydra app; every way it can end as an exit code and at most a line or two."""
    try:
        _hydra_main()
    except ConfigRejected as e:
        _say(f"error: {e}")
        return 2
    except SweepFailed as e:
        _say(f"error: {e}")
        return 1
    except (SweepDefinitionChanged, SweepRefused) as e:
        _say(f"error: {e}")
        return 2
    except KeyboardInterrupt as e:
        try:
            _say(f"interrupted: {e}" if str(e) else "interrupted")
        except OSError:  # the terminal hung up (SIGHUP): the exit code says it all
            _mute_std_streams()
        return 130
    except ExperimentFailed as e:
        _say(f"error: {e}")
        return 1
    except OSError as e:  # a full disk, a file that cannot be written: what was written stays
        _say(f"error: {os_error_line(e)}")
        return 1
    except Exception as e:
        line = one_line(e, sys.argv[1:])
        if line is None:
            if full_error or os.environ.get("BRAINJAR_TRACEBACK") == "1":
                raise
            _say(f"error: {unexpected_line(e)}")
            return 1
        if full_error:
            traceback.print_exc()
        _say(f"error: {line}")
        return 2
    return 0
