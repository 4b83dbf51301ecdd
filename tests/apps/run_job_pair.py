"""Runs one job of the brainjar app's sweep twice, with Hydra's ``run_job`` and with the
launcher's (``_run_job``), into the same job dir, and prints as JSON what each produced.

``python run_job_pair.py OUT_DIR plain|chdir|fail [override ...]``: the job's config is composed
by Hydra's own config loader for a sweep, as Hydra's launchers do; a callback and the task
record what they see. Printed per run: the ``.hydra`` files, the ``JobReturn`` (pickled, as
the launcher sends it back, and its effective flags), what the task and the callbacks saw,
and Hydra's state afterwards, into ``OUT_DIR/pair.json``.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import sys
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
    """Every node's effective struct and readonly flags and type."""
    out = {
        path: [node._get_flag("struct"), node._get_flag("readonly"), str(OmegaConf.get_type(node))]
    }
    if OmegaConf.is_dict(node):
        for key in node.keys():
            child = node._get_node(key)
            if OmegaConf.is_config(child):
                out.update(flags(child, f"{path}.{key}"))
    return out


def structure(node: Any, path: str = "") -> dict[str, str]:
    """Every node's own state (its metadata, its value if a leaf), and whether its parent is
    the node that holds it: what a ``JobReturn``'s configs are, beyond their YAML."""
    own = {k: v for k, v in vars(node).items() if k not in ("_content", "_parent", "_flags_cache")}
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
    ret = runner(
        task_function=task,
        config=cfg,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
        hydra_context=ctx,
    )
    files = {
        str(p.relative_to(job_dir)): p.read_text()
        for p in sorted(job_dir.rglob("*"))
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
        "job_dir_is_set": str(job_dir) == cfg.hydra.runtime.output_dir,
    }


def main() -> None:
    from hydra_plugins.brainjar_jetson_launcher._run_job import run_job as launcher_run_job

    out, mode, *overrides = sys.argv[1:]
    # the command line's own overrides (Hydra's, kept for every job) and the job's
    command = [
        "+hydra.callbacks.record._target_=__main__.Record",
        "+hydra.job.env_set.BRAINJAR_PAIR_ENV=set",
    ]
    if mode == "chdir":
        command.append("hydra.job.chdir=true")
    if mode == "fail":
        overrides.append("seed=13")
    setup_globals()
    job_dir = Path(out) / "sweep" / "0"
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        base = loader.load_configuration("config", command, run_mode=RunMode.MULTIRUN)
        result = {
            "hydra": one_run(run_job, loader, base, overrides, job_dir),
            "launcher": one_run(launcher_run_job, loader, base, overrides, job_dir),
        }
    (Path(out) / "pair.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main()
