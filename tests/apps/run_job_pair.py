"""Runs one job of the brainjar app's sweep with Hydra's ``run_job`` or with the launcher's
(``_run_job``), and writes as JSON what it produced; a test runs both, each in a fresh process,
into the same job dir, and compares.

``python run_job_pair.py OUT_DIR hydra|launcher MODE [override ...]``: the job's config is composed
by Hydra's own config loader for a sweep, as Hydra's launchers do; a callback and the task
record what they see. Printed per run: the ``.hydra`` files, the ``JobReturn`` (pickled, as
the launcher sends it back, and its effective flags), what the task and the callbacks saw,
and Hydra's state afterwards, into ``OUT_DIR/<runner>.json``. Modes: ``plain``; ``chdir``
(``hydra.job.chdir=true``); ``fail`` (the task raises); ``unset_base`` (no ``version_base``:
Hydra 1.1's defaults, the job runs in its dir after a deprecation warning); ``interpolated``
(the job's subdir, name and environment interpolate Hydra's and the app's keys); ``bad_dir``
(the job's subdir cannot be resolved: ``run_job`` raises before the job runs).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

from hydra import initialize_config_dir
from hydra._internal.callbacks import Callbacks
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import run_job, setup_globals
from hydra.types import HydraContext, RunMode
from omegaconf import OmegaConf, open_dict

from brainjar_sweep.config import conf_dir  # registers the app's schemas

CONF = conf_dir()
SEEN: dict[str, Any] = {}


class Record:
    """A Hydra callback recording what a job's start and end show it."""

    def on_job_start(self, config: Any, **kwargs: Any) -> None:
        SEEN["on_job_start"] = OmegaConf.to_yaml(config)

    def on_job_end(self, config: Any, job_return: Any, **kwargs: Any) -> None:
        SEEN["on_job_end"] = [
            OmegaConf.to_yaml(config),
            str(job_return.status),
            OmegaConf.to_yaml(job_return.hydra_cfg),
            HydraConfig.get().runtime.output_dir,
        ]


def task(cfg: Any) -> Any:
    """The job's task: record what it sees; fail if asked to."""
    hydra_cfg = HydraConfig.get()
    SEEN["task"] = {
        "cwd": os.getcwd(),
        "hydra": OmegaConf.to_yaml(hydra_cfg),
        "output_dir": hydra_cfg.runtime.output_dir,
        "job_num_resolved": OmegaConf.create({"n": "${hydra:job.num}"}).n,
        "env": os.environ.get("BRAINJAR_PAIR_ENV"),
        "cfg": OmegaConf.to_yaml(cfg),
        "readonly": OmegaConf.is_readonly(hydra_cfg),
    }
    logging.getLogger("pair").info("task ran")
    if cfg.seed == 13:
        raise ValueError("asked to fail")
    return {"cycles": cfg.max_cycles}


def flags(node: Any, path: str = "") -> dict[str, list[Any]]:
    """Every node's (containers, leaves, list items) effective struct, readonly and
    allow_objects flags, and its type."""
    out = {
        path: [
            node._get_flag("struct"),
            node._get_flag("readonly"),
            node._get_flag("allow_objects"),
            str(OmegaConf.get_type(node)) if OmegaConf.is_config(node) else type(node).__name__,
        ]
    }
    if OmegaConf.is_dict(node):
        keys: Any = list(node.keys())
    elif OmegaConf.is_list(node):
        keys = range(len(node))
    else:
        return out
    for key in keys:
        out.update(flags(node._get_node(key), f"{path}.{key}"))
    return out


def structure(node: Any, path: str = "") -> dict[str, str]:
    """Every node's own state (its metadata, its value if a leaf), and whether its parent is
    the node that holds it: what a ``JobReturn``'s configs are, beyond their YAML."""
    own = {k: v for k, v in vars(node).items() if k not in ("_content", "_parent", "_flags_cache")}
    # the resolvers' cache holds ${now:...}'s time of this process: which resolvers, not when
    cache = own["_metadata"].resolver_cache
    own["_metadata"] = dataclasses.replace(own["_metadata"], resolver_cache=sorted(cache))
    out = {path: repr(sorted(own.items()))}
    content = vars(node).get("_content")
    items = content.items() if isinstance(content, dict) else enumerate(content or [])
    if isinstance(content, (dict, list)):
        for key, child in items:
            out.update(structure(child, f"{path}.{key}"))
            out[f"{path}.{key}:parent"] = str(child._get_parent() is node)
    return out


def one_run(runner: Any, loader: Any, base: Any, overrides: list[str], job_dir: Path) -> dict:
    shutil.rmtree(job_dir.parent, ignore_errors=True)
    SEEN.clear()
    cfg = loader.load_sweep_config(base, overrides)
    with open_dict(cfg):
        cfg.hydra.sweep.dir = str(job_dir.parent)
        cfg.hydra.job.id = "brainjar_0"
        cfg.hydra.job.num = 0
    ctx = HydraContext(config_loader=loader, callbacks=Callbacks(cfg))
    before_cwd, before_hydra = os.getcwd(), HydraConfig.instance().cfg
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ret = runner(
                task_function=task,
                config=cfg,
                job_dir_key="hydra.sweep.dir",
                job_subdir_key="hydra.sweep.subdir",
                hydra_context=ctx,
            )
        except Exception as e:  # noqa: BLE001  the job could not start: what is left
            held = HydraConfig.instance().cfg
            return {
                "raised": f"{type(e).__name__}: {str(e).splitlines()[0]}",
                "hydra_config_keys": None if held is None else list(held.keys()),
                "hydra_config_values": None if held is None else OmegaConf.to_yaml(held.hydra.job),
                "callers_output_dir": OmegaConf.select(
                    cfg, "hydra.runtime.output_dir", default="?"
                ),
                "cwd_restored": os.getcwd() == before_cwd,
            }
    warned = [f"{w.category.__name__}: {w.message}" for w in caught]
    ran_in = Path(cfg.hydra.runtime.output_dir)
    files = {
        str(p.relative_to(ran_in)): p.read_text()
        for p in sorted(ran_in.rglob("*"))
        if p.is_file() and p.suffix != ".log"
    }
    back = pickle.loads(pickle.dumps(ret))
    return {
        "files": files,
        "status": str(ret.status),
        "return_value": repr(ret._return_value),
        "overrides": list(ret.overrides),
        "working_dir": ret.working_dir,
        "task_name": ret.task_name,
        "structure_sent": [structure(back.cfg), structure(back.hydra_cfg)],
        "structure_here": [structure(ret.cfg), structure(ret.hydra_cfg)],
        "parents_here": [ret.cfg._get_parent() is None, ret.hydra_cfg._get_parent() is None],
        "pickled_size": [len(pickle.dumps(ret.cfg)), len(pickle.dumps(ret.hydra_cfg))],
        "cfg_yaml": OmegaConf.to_yaml(ret.cfg),
        "hydra_cfg_yaml": OmegaConf.to_yaml(ret.hydra_cfg),
        "flags_here": [flags(ret.cfg), flags(ret.hydra_cfg)],
        "flags_sent": [flags(back.cfg), flags(back.hydra_cfg)],
        "seen": dict(SEEN),
        "cwd_restored": os.getcwd() == before_cwd,
        "hydra_config_restored": HydraConfig.instance().cfg is before_hydra,
        "job_dir": cfg.hydra.runtime.output_dir,
        "warned": warned,
    }


def main() -> None:
    from hydra_plugins.brainjar_jetson_launcher._run_job import run_job as launcher_run_job

    out, runner, mode, *overrides = sys.argv[1:]
    # the command line's own overrides (Hydra's, kept for every job) and the job's
    command = [
        "+hydra.callbacks.record._target_=__main__.Record",
        "+hydra.job.env_set.BRAINJAR_PAIR_ENV=set",
    ]
    if mode == "chdir":
        command.append("hydra.job.chdir=true")
    if mode == "fail":
        overrides.append("seed=13")
    if mode == "interpolated":
        command += [
            "hydra.sweep.subdir=${hydra:job.num}-${hydra.job.name}-${name}",
            "hydra.job.name=${name}_job",
            "++hydra.job.env_set.BRAINJAR_PAIR_ENV=${hydra:job.num}",
        ]
    if mode == "unset_base":  # unset: Hydra decides by version_base
        command.append("hydra.job.chdir=null")
    if mode == "bad_dir":
        command.append("hydra.sweep.subdir=${oc.env:BRAINJAR_PAIR_UNSET}")
    setup_globals()
    job_dir = Path(out) / "sweep" / "0"
    # version_base left out (not None): Hydra 1.1's defaults, with Hydra's warning
    version = {} if mode == "unset_base" else {"version_base": "1.3"}
    with initialize_config_dir(config_dir=str(CONF), **version):
        loader = GlobalHydra.instance().config_loader()
        base = loader.load_configuration("config", command, run_mode=RunMode.MULTIRUN)
        run = {"hydra": run_job, "launcher": launcher_run_job}[runner]
        result = one_run(run, loader, base, overrides, job_dir)
    (Path(out) / f"{runner}.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main()
