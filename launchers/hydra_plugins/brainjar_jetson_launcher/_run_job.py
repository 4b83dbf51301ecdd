"""Hydra's ``run_job`` for a job in its own process, with half the copies of the config.

A job's process runs one job and exits, so the steps of Hydra's ``run_job`` (hydra-core 1.3)
are kept, in its order and with its effects, but for its copies of the config: it makes four
of the ``hydra`` node (a masked copy for ``HydraConfig`` before and after the output dir is
known, one inside the task's copy of the whole config, which it then drops, and one more for
the ``JobReturn``); :func:`run_job` makes two, with the same results (the ``.hydra`` files,
``HydraConfig`` during the task, the ``JobReturn``, the callbacks; compared with Hydra's in
``tests/launchers/test_run_job.py``). For a short job that is a third of ``run_job``'s time
(docs/benchmarks.md). One difference is left, by design: while the output dir's keys are read,
``HydraConfig`` holds the job's own ``hydra`` node, not a copy of it (same keys, same values);
only a resolver that compared the node's identity could tell. An app on Hydra 1.1's defaults
(``version_base`` below 1.2) with ``hydra.job.chdir`` unset gets Hydra's own ``run_job``, which
decides where the job runs and gives its deprecation warning.
"""

from __future__ import annotations

import os
from pathlib import Path

from hydra import version
from hydra.conf import HydraConf
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import (
    JobReturn,
    JobRuntime,
    JobStatus,
    configure_log,
    env_override,
)
from hydra.core.utils import run_job as hydras_run_job
from hydra.types import HydraContext, TaskFunction
from hydra_plugins._brainjar_hydra_compat import (
    check_hydra_context,
    flush_loggers,
    hydra_view,
    save_config,
    task_and_hydra_copies,
)
from omegaconf import DictConfig, OmegaConf, open_dict, read_write


def _output_dir(config: DictConfig, job_dir_key: str, job_subdir_key: str | None) -> str:
    """The job's output dir, its keys read as Hydra's ``run_job`` reads them.

    Hydra's first ``HydraConfig.set_config`` makes the ``hydra`` node read-only and holds a
    masked copy of it, whose parent is ``config``, while the keys are read; here ``HydraConfig``
    holds a view of the node itself (:func:`hydra_view`): the same keys and values, no copy.
    """
    hydra_type = OmegaConf.get_type(config, "hydra")
    assert hydra_type is not None and issubclass(hydra_type, HydraConf)
    OmegaConf.set_readonly(config.hydra, True)
    HydraConfig.instance().cfg = hydra_view(config)  # type: ignore[assignment]
    output_dir = str(OmegaConf.select(config, job_dir_key))
    if job_subdir_key is not None:
        output_dir = os.path.join(output_dir, str(OmegaConf.select(config, job_subdir_key)))
    return output_dir


def run_job(
    task_function: TaskFunction,
    config: DictConfig,
    job_dir_key: str,
    job_subdir_key: str | None,
    hydra_context: HydraContext,
    configure_logging: bool = True,
) -> JobReturn:
    """Run one job as Hydra's ``run_job`` does (same arguments, same result), in fewer copies.

    >>> import tempfile
    >>> from hydra import compose, initialize
    >>> from hydra.core.utils import setup_globals
    >>> setup_globals()
    >>> with initialize(version_base="1.3"):
    ...     cfg = compose(overrides=["+x=1", "hydra/job_logging=none"], return_hydra_config=True)
    >>> with open_dict(cfg):
    ...     cfg.hydra.sweep.dir = tempfile.mkdtemp()
    ...     cfg.hydra.job.num = 0
    >>> from types import SimpleNamespace
    >>> quiet = SimpleNamespace(on_job_start=lambda **kw: None, on_job_end=lambda **kw: None)
    >>> ctx = HydraContext(config_loader=None, callbacks=quiet)
    >>> run_job(lambda c: c.x + 1, cfg, "hydra.sweep.dir", "hydra.sweep.subdir", ctx).return_value
    2
    """
    check_hydra_context(hydra_context)
    if config.hydra.job.chdir is None and not version.base_at_least("1.2"):
        return hydras_run_job(
            task_function, config, job_dir_key, job_subdir_key, hydra_context, configure_logging
        )
    callbacks = hydra_context.callbacks
    old_cwd = os.getcwd()
    orig_hydra_cfg = HydraConfig.instance().cfg
    output_dir = _output_dir(config, job_dir_key, job_subdir_key)
    with read_write(config.hydra.runtime):
        with open_dict(config.hydra.runtime):
            config.hydra.runtime.output_dir = os.path.abspath(output_dir)
    HydraConfig.instance().set_config(config)
    chdir = False
    try:
        ret = JobReturn()
        task_cfg, hydra_cfg = task_and_hydra_copies(config)
        ret.cfg = task_cfg
        ret.hydra_cfg = hydra_cfg
        overrides = OmegaConf.to_container(config.hydra.overrides.task)
        assert isinstance(overrides, list)
        ret.overrides = overrides
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        chdir = bool(hydra_cfg.hydra.job.chdir)
        if chdir:
            os.chdir(output_dir)
            ret.working_dir = output_dir
        else:
            ret.working_dir = os.getcwd()
        if configure_logging:
            configure_log(config.hydra.job_logging, config.hydra.verbose)
        if config.hydra.output_subdir is not None:
            hydra_output = Path(config.hydra.runtime.output_dir) / Path(config.hydra.output_subdir)
            save_config(task_cfg, "config.yaml", hydra_output)
            save_config(hydra_cfg, "hydra.yaml", hydra_output)
            save_config(config.hydra.overrides.task, "overrides.yaml", hydra_output)
        with env_override(hydra_cfg.hydra.job.env_set):
            callbacks.on_job_start(config=config, task_function=task_function)
            try:
                ret.return_value = task_function(task_cfg)
                ret.status = JobStatus.COMPLETED
            except Exception as e:
                ret.return_value = e
                ret.status = JobStatus.FAILED
        ret.task_name = JobRuntime.instance().get("name")
        flush_loggers()
        callbacks.on_job_end(config=config, job_return=ret)
        return ret
    finally:
        HydraConfig.instance().cfg = orig_hydra_cfg
        if chdir:
            os.chdir(old_cwd)
