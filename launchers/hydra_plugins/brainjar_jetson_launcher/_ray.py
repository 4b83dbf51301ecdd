"""Ray backend of the Jetson-aware launcher (``hydra.launcher.backend=ray``).

Each job becomes one Ray task that asks for the job's own memory and CPU threads, plus a
small share of a custom resource named after the job's device kind (``resources.device``,
e.g. ``orin_agx``) when its resources profile names one; Ray's scheduler places it on a
node where that fits. Ray is called directly (see docs/multi-jetson.md for why this is not
hydra-ray-launcher).

On the node, the task is a small supervisor: it waits while the board is too hot, runs the
job in its own process exactly as the local backend does (same worker, same timeout, same
names for a segfault or a kill), inside a scratch directory, then sends the job's files
back. The launching machine writes them into the sweep dir, so every ``result.json`` and
``.hydra/`` lands there whichever node ran the job, and the sweep files are kept as with
the local backend. A node that dies while running a job is Ray's to handle: the task is
re-run elsewhere (``max_node_retries``); when the retries are used up the job is a failed
job that ``brainjar-sweep resume`` runs again, never a crashed sweep.
"""

from __future__ import annotations

import atexit
import fnmatch
import logging
import multiprocessing as mp
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path, PurePath
from typing import Any

import cloudpickle
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, setup_globals
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from brainjar_sweep._atomic import write_bytes_atomic
from brainjar_sweep._errors import first_line
from brainjar_sweep._imports import try_import
from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.sweep.errors import JobFailure, JobInterrupted

with try_import("ray") as _ray_import:
    import ray

log = logging.getLogger(__name__)

GiB = 1024**3
NODE_ENV = "BRAINJAR_RAY_NODE_ID"
"""Set in a job's environment on a Ray node: the id of the node that runs it."""


# ----------------------------------------------------------------------- cluster


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
    _ray_import.check()
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
    """The cluster's live nodes: id, ip and resources."""
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


def _is_sqlite(cfg: DictConfig) -> str | None:
    """The job's database if it is a SQLite file (a db.path or a sqlite: URL), else None."""
    url = OmegaConf.select(cfg, "db.url", default=None)
    if url:
        return str(url) if str(url).startswith("sqlite") else None
    return str(OmegaConf.select(cfg, "db.path", default="logs/experiments.db"))


def device_of(cfg: DictConfig) -> str | None:
    """The device kind a job's resources profile names (its Ray custom resource), if any."""
    value = OmegaConf.select(cfg, "resources.device", default=None)
    return str(value) if value else None


def check_jobs(
    p: dict[str, Any], cfgs: list[DictConfig], needs: dict[int, Any], *, strict: bool = True
) -> list[int]:
    """Refuse what the cluster cannot do, in one line: before the sweep (``strict``).

    A SQLite database while the cluster has nodes on other machines (each would write its
    own file) is always refused. A job no live node can hold (memory, threads or device
    kind) is refused when ``strict``; otherwise (a later batch or retry, after a board died)
    the indices of such jobs are returned, for them to fail alone.
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
        db = _is_sqlite(cfgs[0])
        if db is not None:
            raise ConfigError(
                "db.url",
                OmegaConf.select(cfgs[0], "db.url", default=None),
                "a postgresql:// URL when Ray nodes run on other machines "
                f"({', '.join(remote)}): the SQLite file {db} exists on one machine only",
            )
    amount = float(opts.get("device_resource_amount", 0.001))
    unfit = []
    for i, cfg in enumerate(cfgs):
        need = needs[i]
        device = device_of(cfg)
        if placeable(need, device, amount, nodes):
            continue
        if not strict:
            unfit.append(i)
            continue
        offer = "; ".join(_describe(n) for n in nodes)
        if device and not any(n["resources"].get(device, 0) >= amount for n in nodes):
            raise ConfigError(
                "resources.device", device, f"a device kind a live Ray node offers ({offer})"
            )
        raise ConfigError(
            "resources.ram_limit_gb",
            OmegaConf.select(cfg, "resources.ram_limit_gb", default=None),
            f"a job a Ray node can hold: job #{cfg.hydra.job.num} needs "
            f"{need.memory_gb:.1f} GB and {need.threads} CPU{' on ' + device if device else ''} "
            f"({offer})",
        )
    return unfit


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


def task_options(p: dict[str, Any], cfg: DictConfig, need: Any) -> dict[str, Any]:
    """Ray task options for one job: its memory, threads, device kind and node retries.

    >>> from types import SimpleNamespace
    >>> cfg = OmegaConf.create({"resources": {"device": "orin_agx"}})
    >>> opts = task_options({"ray": {}}, cfg, SimpleNamespace(memory_gb=2.0, threads=4))
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
    device = device_of(cfg)
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


# -------------------------------------------------------------------------- node


def _collect_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _thermal_gate(pause_c: float | None, resume_c: float | None, root: str, poll: float) -> None:
    """Hold the job (and its Ray resources) while this board is at or above ``pause_c``."""
    from brainjar_sweep.device import hottest_zone_c

    if pause_c is None:
        return
    temp = hottest_zone_c(root)
    if temp is None or temp < pause_c:
        return
    limit = resume_c if resume_c is not None else pause_c
    log.warning("[jetson] node at %.1f C >= %.1f C: job waits", temp, pause_c)
    while temp is not None and temp >= limit:
        time.sleep(poll)
        temp = hottest_zone_c(root)


def node_job(
    payload: bytes, job: bytes, env: dict[str, str], opts: dict[str, Any]
) -> dict[str, Any]:
    """The Ray task: run one job in its own process on this node and send back its files.

    Returns how the job ended (its pickled ``JobReturn`` or failure, the process's exit
    code, whether it timed out or was stopped), its files and the node that ran it.
    """
    from hydra_plugins.brainjar_jetson_launcher import _core

    node = {
        "ray_node_id": ray.get_runtime_context().get_node_id(),
        "hostname": socket.gethostname(),
        "ip": ray.util.get_node_ip_address(),
    }
    setup_globals()  # Hydra's resolvers, for the job config's interpolations
    cfg = cloudpickle.loads(job)
    _thermal_gate(
        opts.get("thermal_pause_c"),
        opts.get("thermal_resume_c"),
        opts.get("device_root", "/"),
        float(opts.get("thermal_poll_s", 2.0)),
    )
    scratch_root = opts.get("scratch_dir")
    if scratch_root:
        Path(scratch_root).mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"brainjar-job{cfg.hydra.job.num}-", dir=scratch_root))
    original = PurePath(str(cfg.hydra.sweep.dir))
    # the sweep dir's last parts are kept (never its root: the job stays in its scratch dir)
    sweep_dir = scratch.joinpath(*original.parts[1 if original.is_absolute() else 0 :][-2:])
    with open_dict(cfg):
        cfg.hydra.sweep.dir = str(sweep_dir)
        if "sweep_id" in cfg and not cfg.sweep_id:
            # a sweep without a sweep_id is named after its dir, the launching machine's one
            cfg.sweep_id = opts.get("sweep_id")
    out_dir = sweep_dir / str(OmegaConf.select(cfg, "hydra.sweep.subdir"))
    job_env = {**os.environ, **env, NODE_ENV: node["ray_node_id"]}

    method = opts.get("start_method") or "forkserver"
    ctx = mp.get_context(method)
    if method == "forkserver":  # as the local backend: jobs fork from a preloaded server
        # each job process runs the Ray worker's main script again (multiprocessing's "main
        # module" fix-up); with ray imported once in the server that costs milliseconds, not
        # the quarter of a second of importing ray in every job
        preload = ["ray", "hydra_plugins.brainjar_jetson_launcher._warm", _core.__name__]
        ctx.set_forkserver_preload(
            preload + ([opts["task_module"]] if opts.get("task_module") else [])
        )
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_core._child,
        # this node task owns the job: the job dies with it, as a local job with its sweep
        args=(payload, cloudpickle.dumps(cfg), send, str(scratch), job_env, os.getpid()),
        name=f"jetson-job-{cfg.hydra.job.num}",
    )
    data: bytes | None = None
    timed_out = stopped = False
    timeout = opts.get("timeout_s")
    grace = float(opts.get("stop_grace_s", 10.0))

    def collect(wait_s: float) -> None:
        nonlocal data
        if data is None and recv.poll(wait_s):
            try:
                data = recv.recv_bytes()
            except EOFError:
                pass

    started = time.monotonic()
    try:
        proc.start()
        send.close()
        started = time.monotonic()  # a first job also starts the job-process server
        while True:
            collect(0.2)
            if not proc.is_alive():
                break
            if timeout is not None and time.monotonic() - started > timeout:
                timed_out = True
                proc.terminate()
                proc.join(5)
                if proc.is_alive():
                    proc.kill()
                break
    except KeyboardInterrupt:  # ray.cancel: the sweep is being stopped
        stopped = True
        if proc.is_alive():
            proc.terminate()  # the job records itself as interrupted
        deadline = time.monotonic() + grace
        while proc.is_alive() and time.monotonic() < deadline:
            collect(0.2)
        if proc.is_alive():
            proc.kill()
    except BaseException:  # the worker is going away: take the job with it, leave nothing
        if proc.is_alive():
            proc.kill()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    finally:
        if proc.pid is not None:
            proc.join()
        collect(0)
        recv.close()
    files = _collect_files(out_dir) if out_dir.is_dir() else {}
    if "result.json" in files:
        import json

        body = json.loads(files["result.json"])
        body["node"] = node
        files["result.json"] = json.dumps(body, indent=2).encode() + b"\n"
    if not opts.get("keep_scratch"):
        shutil.rmtree(scratch, ignore_errors=True)
    return {
        "data": data,
        "exitcode": proc.exitcode,
        "timed_out": timed_out,
        "stopped": stopped,
        "files": files,
        "node": node,
        "node_sweep_dir": str(sweep_dir),
    }


# ---------------------------------------------------------------------- launcher


def _write_back(job_dir: Path, files: dict[str, bytes], sweep_dir: str, cwd: str) -> None:
    """Write a job's files into its dir on this machine; result.json last (it marks done)."""
    for rel in sorted(files, key=lambda r: r == "result.json"):
        body = files[rel]
        if rel == os.path.join(".hydra", "hydra.yaml"):
            body = _relocate_hydra_yaml(body, sweep_dir, job_dir)
        write_bytes_atomic(job_dir / rel, body)


def _relocate_hydra_yaml(body: bytes, sweep_dir: str, job_dir: Path) -> bytes:
    """The node ran the job in a scratch dir; its saved Hydra config names the real dirs."""
    cfg = OmegaConf.create(body.decode())
    with open_dict(cfg):
        cfg.hydra.sweep.dir = sweep_dir
        cfg.hydra.runtime.output_dir = str(job_dir.absolute())
    return OmegaConf.to_yaml(cfg).encode()


def _relocate_return(ret: JobReturn | None, sweep_dir: str, job_dir: Path) -> None:
    if ret is None or ret.hydra_cfg is None:
        return
    h = ret.hydra_cfg.hydra
    with read_write(h.sweep), open_dict(h.sweep):
        h.sweep.dir = sweep_dir
    with read_write(h.runtime), open_dict(h.runtime):
        h.runtime.output_dir = str(job_dir.absolute())
    ret.working_dir = os.getcwd()


def _unplaceable(need: Any, device: str | None, waited_s: float | None) -> str:
    """Why a job failed that no live node can hold.

    >>> from types import SimpleNamespace
    >>> _unplaceable(SimpleNamespace(memory_gb=4.5, threads=1), "orin_nx", 2.0)
    'no live Ray node can hold it any more (4.5 GB, 1 CPU, orin_nx) after 2 s; resume the sweep once such a node is back'
    """
    what = f"({need.memory_gb:.1f} GB, {need.threads} CPU{', ' + device if device else ''})"
    if waited_s is None:  # found so when the jobs were handed over
        return f"no live Ray node can hold it {what}; resume the sweep once such a node has joined"
    return (
        f"no live Ray node can hold it any more {what} after {waited_s:g} s; "
        "resume the sweep once such a node is back"
    )


def _cluster_totals() -> tuple[float, float]:
    total = ray.cluster_resources()
    return float(total.get("CPU", 0)), float(total.get("memory", 0)) / GiB


def run(st: Any) -> None:
    """Run the jobs of ``st`` (a ``_core.SweepState``) as Ray tasks; fills ``st.results``."""
    from hydra_plugins.brainjar_jetson_launcher._core import _Progress

    p, n = st.p, st.n
    opts = p.get("ray") or {}
    # jobs no live node can hold (a board died since the sweep began) fail alone
    unfit = check_jobs(p, st.cfgs, st.declared, strict=False)
    cpus, mem_gb = _cluster_totals()
    nodes = alive_nodes()
    log.info(
        "[jetson] %d jobs on Ray (%s): %d node(s), %g CPU, %.1f GB",
        n,
        opts.get("address", "auto"),
        len(nodes),
        cpus,
        mem_gb,
    )
    payload = ray.put(
        cloudpickle.dumps((st.hydra_context, st.task_function, Singleton.get_state()))
    )
    module = getattr(st.task_function, "__module__", None)
    node_opts = {
        key: p.get(key)
        for key in (
            "timeout_s",
            "stop_grace_s",
            "start_method",
            "thermal_pause_c",
            "thermal_resume_c",
            "thermal_poll_s",
            "device_root",
        )
        if key in p
    }
    node_opts.update(
        task_module=module if module and module != "__main__" else None,
        scratch_dir=opts.get("scratch_dir"),
        sweep_id=st.sweep_id,
        keep_scratch=bool(opts.get("keep_scratch", False)),
    )
    env = forwarded_env(list(opts.get("forward_env") or []))
    remote = ray.remote(node_job)
    poll_s = float(opts.get("poll_s", 2.0))
    max_parallel = p.get("max_parallel")
    sweep_dir_value = str(st.config.hydra.sweep.dir)

    for i in unfit:
        reason = _unplaceable(st.declared[i], device_of(st.cfgs[i]), None)
        st.fail(i, JobFailure(reason), "failed", time.monotonic())
    pending = [i for i in range(n) if i not in unfit]
    inflight: dict[Any, tuple[int, float]] = {}
    progress = _Progress(
        str(p.get("progress", "auto")), n, mem_gb, float(p.get("progress_every_s", 5.0))
    )
    next_poll = time.monotonic() + poll_s

    def window() -> int:
        # keep about as many tasks in Ray's hands as the cluster has CPUs, so that "running"
        # means running and a later job does not wait behind a queue Ray cannot see through
        cap = max(1, int(cpus))
        return min(cap, max_parallel) if max_parallel else cap

    def settle(ref: Any) -> None:
        i, started = inflight.pop(ref)
        retries = int(opts.get("max_node_retries", 3))
        try:
            out = ray.get(ref)
        except ray.exceptions.TaskCancelledError:
            st.fail(
                i, JobInterrupted("interrupted (stopped with the sweep)"), "interrupted", started
            )
            return
        except ray.exceptions.RayTaskError as e:  # the task itself raised on its node
            cause = e.cause if isinstance(e.cause, BaseException) else e
            reason = f"the job's Ray task failed: {type(cause).__name__}: {cause}".splitlines()[0]
            st.fail(i, JobFailure(reason), "failed", started)
            return
        except ray.exceptions.OutOfMemoryError as e:  # Ray's memory monitor killed it
            reason = "killed by Ray's memory monitor (the node ran out of memory): " + first_line(
                e, default=""
            )
            st.fail(i, JobFailure(reason[:500]), "failed", started)
            return
        except ray.exceptions.RayError as e:  # node died, worker crashed, object lost
            first = first_line(e, default="")
            reason = (
                f"its Ray node or worker died and {retries} re-run(s) did not finish it "
                f"({type(e).__name__}{': ' + first if first else ''})"
            )
            st.fail(i, JobFailure(reason), "failed", started)
            return
        job_dir = st.job_dir(i)
        _write_back(job_dir, out["files"], sweep_dir_value, os.getcwd())
        st.settle(
            i,
            data=out["data"],
            exitcode=out["exitcode"],
            timed_out=out["timed_out"],
            stopped=out["stopped"],
            started=started,
        )
        st.records[i].node = out["node"]["ray_node_id"]
        _relocate_return(st.results[i], sweep_dir_value, job_dir)

    unplaceable_s = float(opts.get("unplaceable_s", 120.0))
    amount = float(opts.get("device_resource_amount", 0.001))
    unplaceable_since: dict[Any, float] = {}

    def give_up_unplaceable(nodes: list[dict[str, Any]]) -> None:
        """Fail jobs that no live node can hold any more (their board died and stays away)."""
        now = time.monotonic()
        for ref, (i, started) in list(inflight.items()):
            device = device_of(st.cfgs[i])
            if placeable(st.declared[i], device, amount, nodes):
                unplaceable_since.pop(ref, None)
                continue
            if now - unplaceable_since.setdefault(ref, now) < unplaceable_s:
                continue
            ray.cancel(ref, force=True)
            del inflight[ref]
            reason = _unplaceable(st.declared[i], device, unplaceable_s)
            st.fail(i, JobFailure(reason), "failed", started)

    def update(force: bool = False) -> None:
        reserved = sum(st.declared[i].memory_gb for i, _ in inflight.values())
        progress.update(st.done_count(), len(inflight), st.failed, reserved, None, force=force)

    old_term = None
    if threading.current_thread() is threading.main_thread():
        old_term = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while pending or inflight:
            while pending and len(inflight) < window():
                i = pending.pop(0)
                ref = remote.options(**task_options(p, st.cfgs[i], st.declared[i])).remote(
                    payload, cloudpickle.dumps(st.cfgs[i]), env, node_opts
                )
                inflight[ref] = (i, time.monotonic())
                st.started(i)
            if st.dirty:
                st.flush_files()
            update()
            # back as soon as one job ends (then take every other that has ended too)
            ready, rest = ray.wait(list(inflight), num_returns=1, timeout=0.5)
            if ready and rest:
                ready += ray.wait(rest, num_returns=len(rest), timeout=0)[0]
            for ref in ready:
                settle(ref)
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + poll_s
                cpus, mem_gb = _cluster_totals()
                progress.budget = mem_gb
                give_up_unplaceable(alive_nodes())
            update()
    except KeyboardInterrupt:
        log.warning(
            "[jetson] interrupted: stopping %d job(s) on Ray, starting no more", len(inflight)
        )
        for ref in inflight:
            ray.cancel(ref)  # KeyboardInterrupt in the task: it stops its job, sends the files
        deadline = time.monotonic() + st.grace + 5
        while inflight and time.monotonic() < deadline:
            ready, _ = ray.wait(list(inflight), num_returns=len(inflight), timeout=0.5)
            for ref in ready:
                settle(ref)
        for ref in list(inflight):
            ray.cancel(ref, force=True)
            i, started = inflight.pop(ref)
            st.fail(
                i, JobInterrupted("interrupted (stopped with the sweep)"), "interrupted", started
            )
        for i in pending:
            st.records[i].status = "pending"
        st.flush_files()
        progress.close()
        st.launcher.interrupted_results = st.results
        raise
    finally:
        if old_term is not None:
            signal.signal(signal.SIGTERM, old_term)
        for ref in inflight:  # an unexpected error: leave no job behind
            ray.cancel(ref, force=True)
        update(force=True)
        progress.close()
