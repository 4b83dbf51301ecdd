"""The Ray cluster: joining it, its live nodes, whether a job fits one, and a job's task options."""

from __future__ import annotations

import atexit
import fnmatch
import logging
import os
import shutil
import signal
import socket
import tempfile
import threading
from collections.abc import Sequence
from typing import Any

from hydra_plugins.brainjar_jetson_launcher._hooks import Hooks
from omegaconf import DictConfig

from brainjar_sweep._errors import first_line
from brainjar_sweep._imports import try_import
from brainjar_sweep.config.errors import ConfigError

with try_import("ray") as ray_import:
    import ray

log = logging.getLogger(__name__)

GiB = 1024**3


def _reachable(address: str) -> str | None:
    """None if ``host:port`` accepts a TCP connection, else the reason it does not."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        return "not host:port"
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            return None
    except OSError as e:
        return e.strerror or str(e)


def connect(address: str) -> None:
    """Join the Ray cluster at ``address`` (once per process); a bad address is one line.

    ``auto`` finds a cluster started on this machine with ``ray start``; ``local`` starts a
    private one-machine Ray that ends with this process.
    """
    ray_import.check()
    if ray.is_initialized():
        return
    key = "hydra.launcher.ray.address"
    allowed = "host:port of a running Ray head (ray start --head), auto or local"
    if address not in ("auto", "local"):
        why = _reachable(address)
        if why is not None:
            raise ConfigError(key, address, f"{allowed} ({why})")
    kwargs: dict[str, Any] = {
        "logging_level": logging.WARNING,
        "log_to_driver": False,  # each job's log comes back as its brainjar.log
        "configure_logging": False,
    }
    # ray.init installs its own SIGTERM handler (sys.exit); the sweep keeps its own, so that
    # SIGTERM stays an interruption that says how to resume
    main = threading.current_thread() is threading.main_thread()
    old_term = signal.getsignal(signal.SIGTERM) if main else None
    try:
        if address == "local":
            # a new private Ray (never $RAY_ADDRESS), its session files in a directory of
            # their own, removed when this process ends
            scratch = tempfile.mkdtemp(prefix="brainjar-ray-")
            atexit.register(_stop_local, scratch)
            ray.init(address="local", include_dashboard=False, _temp_dir=scratch, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except (ConnectionError, RuntimeError, ValueError, ray.exceptions.RayError) as e:
        raise ConfigError(key, address, f"{allowed} ({first_line(e)})") from e
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)


def _stop_local(scratch: str) -> None:
    ray.shutdown()
    shutil.rmtree(scratch, ignore_errors=True)


def alive_nodes() -> list[dict[str, Any]]:
    """The cluster's live nodes: id, ip and what each offers."""
    return [
        {"id": n["NodeID"], "ip": n["NodeManagerAddress"], "resources": dict(n["Resources"])}
        for n in ray.nodes()
        if n.get("Alive")
    ]


def _local_ips() -> set[str]:
    import psutil

    ips = {"127.0.0.1", "::1", "localhost"}
    for addrs in psutil.net_if_addrs().values():
        ips.update(a.address.split("%")[0] for a in addrs)
    return ips


def placeable(need: Any, device: str | None, amount: float, nodes: list[dict[str, Any]]) -> bool:
    """Whether some node of ``nodes`` could hold a job with this need (when it is free).

    >>> from types import SimpleNamespace
    >>> nano = {"id": "n", "ip": "10.0.0.5", "resources": {"CPU": 6, "memory": 6 * GiB, "orin_nano": 1}}
    >>> placeable(SimpleNamespace(memory_gb=2.5, threads=1), "orin_nano", 0.001, [nano])
    True
    >>> placeable(SimpleNamespace(memory_gb=2.5, threads=1), "orin_agx", 0.001, [nano])
    False
    """
    return any(
        n["resources"].get("CPU", 0) >= need.threads
        and n["resources"].get("memory", 0) >= need.memory_gb * GiB
        and (device is None or n["resources"].get(device, 0) >= amount)
        for n in nodes
    )


_BUILTIN = {"CPU", "GPU", "memory", "object_store_memory"}


def _describe(node: dict[str, Any]) -> str:
    """A node's offer in a few words: ``10.0.0.5: 6 CPU, 28.0 GB, orin_agx``."""
    res = node["resources"]
    custom = sorted(
        k for k in res if k not in _BUILTIN and not k.startswith(("node:", "accelerator_type"))
    )
    parts = [f"{res.get('CPU', 0):g} CPU", f"{res.get('memory', 0) / GiB:.1f} GB", *custom]
    return f"{node['ip']}: {', '.join(parts)}"


def check_jobs(
    p: dict[str, Any],
    cfgs: Sequence[DictConfig],
    needs: dict[int, Any],
    hooks: Hooks,
    *,
    strict: bool = True,
) -> list[int]:
    """Refuse what the cluster cannot do, in one line: before the sweep (``strict``).

    What the task cannot do when jobs run on other machines is the ``preflight`` hook's to
    refuse. A job no live node can hold (memory, threads or device kind) is refused when
    ``strict``; otherwise (a later batch or retry, after a board died) the indices of such
    jobs are returned, for them to fail alone.
    """
    opts = p.get("ray") or {}
    connect(str(opts.get("address", "auto")))
    nodes = alive_nodes()
    if not nodes:
        raise ConfigError(
            "hydra.launcher.ray.address", opts.get("address"), "a Ray cluster with a live node"
        )
    remote = sorted({n["ip"] for n in nodes} - _local_ips())
    if cfgs and remote:
        hooks.call("preflight", cfgs, remote)
    amount = float(opts.get("device_resource_amount", 0.001))
    unfit = []
    for i, cfg in enumerate(cfgs):
        where = hooks.placement(cfg)
        if placeable(needs[i], where.kind, amount, nodes):
            continue
        if not strict:
            unfit.append(i)
            continue
        _refuse(opts, cfg, needs[i], where, amount, nodes)
    return unfit


def _refuse(
    opts: dict[str, Any], cfg: DictConfig, need: Any, where: Any, amount: float, nodes: list
) -> None:
    """The one line for a job that no live node can hold."""
    offer = "; ".join(_describe(n) for n in nodes)
    device = where.kind
    if device and not any(n["resources"].get(device, 0) >= amount for n in nodes):
        raise ConfigError(where.key, device, f"a device kind a live Ray node offers ({offer})")
    raise ConfigError(
        "hydra.launcher.ray.address",
        opts.get("address", "auto"),
        f"a Ray cluster with a node that can hold every job: job #{cfg.hydra.job.num} needs "
        f"{need.memory_gb:.1f} GB and {need.threads} CPU{' on ' + device if device else ''} "
        f"({offer})",
    )


def task_options(p: dict[str, Any], device: str | None, need: Any) -> dict[str, Any]:
    """Ray task options for one job: its memory, threads, device kind and node retries.

    >>> from types import SimpleNamespace
    >>> opts = task_options({"ray": {}}, "orin_agx", SimpleNamespace(memory_gb=2.0, threads=4))
    >>> opts["num_cpus"], opts["memory"] == 2 * GiB, opts["resources"]
    (4, True, {'orin_agx': 0.001})
    """
    opts = p.get("ray") or {}
    out: dict[str, Any] = {
        "num_cpus": need.threads,
        "memory": int(need.memory_gb * GiB),
        "max_retries": int(opts.get("max_node_retries", 3)),
        "retry_exceptions": False,  # a job's own error is not retried by Ray
    }
    if device:
        out["resources"] = {device: float(opts.get("device_resource_amount", 0.001))}
    return out


def forwarded_env(patterns: list[str], environ: dict[str, str] | None = None) -> dict[str, str]:
    """The launching shell's variables that match ``patterns`` (handed to every job).

    >>> forwarded_env(["PG*"], {"PGPASSWORD": "s", "HOME": "/root"})
    {'PGPASSWORD': 's'}
    """
    env = os.environ if environ is None else environ
    return {k: v for k, v in env.items() if any(fnmatch.fnmatchcase(k, pat) for pat in patterns)}


def cluster_totals() -> tuple[float, float]:
    """The cluster's CPUs and memory (GB)."""
    total = ray.cluster_resources()
    return float(total.get("CPU", 0)), float(total.get("memory", 0)) / GiB
