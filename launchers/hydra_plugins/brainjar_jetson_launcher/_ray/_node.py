"""The node task: on a Ray node, run one job in its own supervised process and send its files back.

It waits while the board is too hot, runs the job exactly as the local backend does (same
worker, same timeout, same words for a signal or a kill) inside a scratch directory, and
returns how the job ended with its files; the launching machine writes them into the sweep dir.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import tempfile
from pathlib import Path, PurePath
from typing import Any

import cloudpickle
from hydra.core.utils import setup_globals
from hydra_plugins.brainjar_jetson_launcher._admission import ThermalGate
from hydra_plugins.brainjar_jetson_launcher._worker import (
    job_context,
    pickled_modules,
    run_job_in_process,
    server_payload,
)
from omegaconf import DictConfig, OmegaConf, open_dict

from brainjar_sweep._supervisor import Supervised, interrupt_on

NODE_ENV = "BRAINJAR_RAY_NODE_ID"
"""Set in a job's environment on a Ray node: the id of the node that runs it."""


def _collect_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _scratch_job(cfg: DictConfig, scratch_root: str | None) -> tuple[Path, Path, Path]:
    """The job's scratch dir, its sweep dir inside it (set in ``cfg``) and its output dir."""
    if scratch_root:
        Path(scratch_root).mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"brainjar-job{cfg.hydra.job.num}-", dir=scratch_root))
    original = PurePath(str(cfg.hydra.sweep.dir))
    # the sweep dir's last parts are kept (never its root: the job stays in its scratch dir)
    sweep_dir = scratch.joinpath(*original.parts[1 if original.is_absolute() else 0 :][-2:])
    with open_dict(cfg):
        cfg.hydra.sweep.dir = str(sweep_dir)
    return scratch, sweep_dir, sweep_dir / str(OmegaConf.select(cfg, "hydra.sweep.subdir"))


# the modules each payload names (by its digest), read once per Ray worker
_PAYLOAD_MODULES: dict[str, tuple[str, ...]] = {}


def _preload(payload: bytes, opts: dict[str, Any]) -> tuple[str, ...]:
    """What the node's job-process server imports once, as the local backend's does: ray,
    the modules of the ``job_preload`` hook and those the jobs' payload names."""
    from hydra_plugins.brainjar_jetson_launcher._warm import payload_digest

    digest = payload_digest(payload)
    named = _PAYLOAD_MODULES.get(digest)
    if named is None:
        named = _PAYLOAD_MODULES[digest] = pickled_modules(payload)
    return ("ray", "brainjar_sweep._supervisor", *(opts.get("preload") or ()), *named)


def _node() -> dict[str, str]:
    import ray

    return {
        "ray_node_id": ray.get_runtime_context().get_node_id(),
        "hostname": socket.gethostname(),
        "ip": ray.util.get_node_ip_address(),
    }


def node_job(
    payload: bytes, job: bytes, env: dict[str, str], opts: dict[str, Any]
) -> dict[str, Any]:
    """The Ray task: run one job in its own process on this node and send back its files.

    Returns how the job ended (its pickled ``JobReturn`` or failure, the process's exit
    code, whether it timed out or was stopped), its files and the node that ran it.
    """
    # ray.cancel stops a running task with Python's interrupt_main (a Ctrl-C), which does
    # nothing where SIGINT is ignored: a node started in the background of a script
    # (`ray start ... &`, nohup) hands that to every worker it starts, and the sweep's stop
    # would never reach the job
    with interrupt_on(signal.SIGINT):
        return _run_job(payload, job, env, opts)


def _run_job(
    payload: bytes, job: bytes, env: dict[str, str], opts: dict[str, Any]
) -> dict[str, Any]:
    node = _node()
    setup_globals()  # Hydra's resolvers, for the job config's interpolations
    cfg = cloudpickle.loads(job)
    ThermalGate(
        opts.get("thermal_pause_c"),
        opts.get("thermal_resume_c"),
        float(opts.get("thermal_poll_s", 2.0)),
        read=lambda: _hottest(opts.get("device_root", "/")),
    ).wait_until_open("node")
    scratch, sweep_dir, out_dir = _scratch_job(cfg, opts.get("scratch_dir"))
    job_env = {**os.environ, **env, NODE_ENV: node["ray_node_id"]}
    # as the local backend: jobs fork from a preloaded server (ray, the app's modules, the
    # payload unpickled once); each job process runs the Ray worker's main script again
    # (multiprocessing's "main module" fix-up), so ray is imported once in the server
    method = opts.get("start_method") or "forkserver"
    ctx = job_context(method, opts.get("task_module"), _preload(payload, opts))
    # this node task owns the job: the job dies with it, as a local job with its sweep
    args = (payload, cloudpickle.dumps(cfg), str(scratch), job_env, os.getpid())
    proc = Supervised(ctx, run_job_in_process, args, name=f"jetson-job-{cfg.hydra.job.num}")
    timed_out = stopped = False
    try:
        # the first job of this Ray worker starts its server, which reads the payload once
        served = server_payload(payload) if method == "forkserver" else None
        try:
            proc.start()
        finally:
            _drop(served)
        if not proc.wait(timeout=opts.get("timeout_s")):
            timed_out = True
            proc.stop(5.0)
    except KeyboardInterrupt:  # ray.cancel: the sweep is being stopped
        stopped = True
        proc.stop(float(opts.get("stop_grace_s", 10.0)))  # the job records itself as interrupted
    except BaseException:  # the worker is going away: take the job with it, leave nothing
        if proc.pid is not None:
            proc.kill()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    files = _collect_files(out_dir) if out_dir.is_dir() else {}
    if not opts.get("keep_scratch"):
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "data": proc.result,
        "exitcode": proc.exitcode,
        "timed_out": timed_out,
        "stopped": stopped,
        "files": files,
        "node": node,
        "node_sweep_dir": str(sweep_dir),
    }


def _drop(path: str | None) -> None:
    """The payload file the server read (or did not): gone, and its name from the env."""
    from hydra_plugins.brainjar_jetson_launcher._warm import PAYLOAD_ENV

    if path is not None:
        os.environ.pop(PAYLOAD_ENV, None)
        with contextlib.suppress(OSError):
            os.unlink(path)


def _hottest(root: str) -> float | None:
    from brainjar_sweep.device import hottest_zone_c

    return hottest_zone_c(root)
