"""The job worker: what runs in a job's own process, and how that process is started.

:func:`run_job_in_process` restores Hydra's state, runs the job as Hydra's ``run_job`` does
(``_run_job``) and sends back its pickled ``JobReturn`` (``_sent``; or the failure that
stopped it).
:func:`job_context` gives the ``multiprocessing`` context jobs start from: a forkserver with
Hydra, the plugins and the task's module imported already (``_warm``), or spawn.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sys
import traceback
from multiprocessing.connection import Connection
from typing import Any

import cloudpickle
from hydra.core.utils import JobStatus, setup_globals
from hydra_plugins._brainjar_hydra_compat import restore_hydra_state
from hydra_plugins.brainjar_jetson_launcher._run_job import run_job
from hydra_plugins.brainjar_jetson_launcher._sent import SentJobReturn, dumps

from brainjar_sweep._supervisor import die_with_parent
from brainjar_sweep.sweep.errors import JobFailure, JobInterrupted


def job_context(method: str, task_module: str | None, extra_preload: tuple[str, ...] = ()) -> Any:
    """The context a job's process starts from; a forkserver started here dies with us."""
    from hydra_plugins.brainjar_jetson_launcher._warm import PARENT_ENV

    ctx = mp.get_context(method)
    if method == "forkserver":
        # the server, started by this process, dies with it (see _warm)
        os.environ[PARENT_ENV] = str(os.getpid())
        preload = ["hydra_plugins.brainjar_jetson_launcher._warm", __name__, *extra_preload]
        if task_module and task_module != "__main__":
            preload.append(task_module)
        ctx.set_forkserver_preload(preload)
    return ctx


def pickled_modules(data: bytes) -> tuple[str, ...]:
    """The modules whose classes and functions a pickle names (but ``__main__``), in order.

    A job's process unpickles its payload (Hydra's context, the task, Hydra's singletons and
    OmegaConf's resolvers); the job-process server preloads these modules, so that no job
    imports them again (an app's config module can take a third of a second to import).
    Read once per launch, by unpickling ``data`` here, where they are imported already.

    >>> import pickle, pathlib
    >>> pickled_modules(pickle.dumps([pathlib.PurePosixPath("a"), len]))
    ('pathlib', 'builtins')
    """
    import io
    import pickle

    found: dict[str, None] = {}

    class _Recorder(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if module != "__main__":
                found.setdefault(module, None)
            return super().find_class(module, name)

    _Recorder(io.BytesIO(data)).load()
    return tuple(found)


def task_module(task_function: Any) -> str | None:
    """The module of the task (preloaded by the job-process server), unless it is ``__main__``."""
    module = getattr(task_function, "__module__", None)
    return module if module and module != "__main__" else None


def _tie_to_owner(owner_pid: int) -> None:
    """Tie this job's life to its owner's (the sweep, or a Ray node task), whatever the start method.

    With forkserver the job's parent is the job-process server, which dies with the owner
    (see ``_warm``): the job gets SIGKILL when the server dies. The server also hands every
    job the owner's "still alive" pipe end, which would keep the server up while any job
    lives; the job closes it. With spawn the parent is the owner itself.
    """
    from multiprocessing import forkserver

    parent = os.getppid()
    warm = sys.modules.get("hydra_plugins.brainjar_jetson_launcher._warm")
    server = getattr(warm, "SERVER_PID", None)
    alive_fd = getattr(forkserver._forkserver, "_forkserver_alive_fd", None)
    if server is not None and alive_fd is not None:
        try:
            os.close(alive_fd)
        except OSError:
            pass
        forkserver._forkserver._forkserver_alive_fd = None
    # the expected parent: our job-process server, or the owner (spawn); a server started by
    # something else than this launcher (without _warm) is the job's parent as found
    expected = server if server is not None else owner_pid if parent == owner_pid else parent
    die_with_parent(expected)


def server_payload(payload: bytes) -> str | None:
    """Just before the job-process server starts: write the jobs' ``payload`` to a private
    file (mode 0600) the server reads, removes and unpickles once (``_warm``); its jobs then
    fork with it unpickled. Return the file, for the caller to remove if the server did not
    (None: the server runs already)."""
    import tempfile
    from multiprocessing import forkserver

    from hydra_plugins.brainjar_jetson_launcher._warm import PAYLOAD_ENV

    if getattr(forkserver._forkserver, "_forkserver_pid", None) is not None:
        return None  # started already (an earlier launch): each job unpickles its payload
    fd, path = tempfile.mkstemp(prefix="brainjar-job-payload-")
    with os.fdopen(fd, "wb") as f:
        f.write(payload)
    os.environ[PAYLOAD_ENV] = path
    return path


# (the job-process server's pid, the digest of the payload it holds), once known
_SERVED: tuple[int, str] | None = None


def _server_pid() -> int | None:
    from multiprocessing import forkserver

    return getattr(forkserver._forkserver, "_forkserver_pid", None)


def server_running() -> bool:
    """Whether this process started a job-process server that has not been reaped (one that
    ended since is restarted by the next job's start, as ``multiprocessing`` does).

    >>> isinstance(server_running(), bool)
    True
    """
    pid = _server_pid()
    if pid is None:
        return False
    try:
        os.kill(pid, 0)  # not waitpid: reaping it here would break multiprocessing's own check
    except ProcessLookupError:
        return False
    return True


def served_digest(payload: bytes, path: str | None) -> str | None:
    """The digest of ``payload`` if this process's job-process server holds it, else None.

    Called just after a job started: the server read the payload's file at ``path`` when it
    started (it removes the file it read), or an earlier launch's server holds the same
    payload. A job then gets the digest instead of the payload (see
    :func:`run_job_in_process`): the payload, tens of kilobytes, is not pickled, sent
    through the server and read again for each job (more than a pipe holds: the launching
    process waited for each job to read it).
    """
    global _SERVED
    from hydra_plugins.brainjar_jetson_launcher._warm import payload_digest

    pid, digest = _server_pid(), payload_digest(payload)
    if path is not None and pid is not None and not os.path.exists(path):
        _SERVED = (pid, digest)
    return digest if _SERVED is not None and _SERVED == (pid, digest) else None


def _unpickled_payload(payload: bytes | str) -> Any:
    """The payload as the server unpickled it, if it is the same; else unpickled here.

    ``payload`` is the payload itself, or the digest of the one the server holds."""
    warm = sys.modules.get("hydra_plugins.brainjar_jetson_launcher._warm")
    held = getattr(warm, "PAYLOAD", None)
    if isinstance(payload, str):
        if held is None or held[0] != payload:
            raise RuntimeError("the job-process server does not hold the jobs' payload")
        return held[1]
    if held is not None and warm is not None and held[0] == warm.payload_digest(payload):
        return held[1]
    return cloudpickle.loads(payload)


def run_job_in_process(
    payload: bytes | str,
    job: bytes,
    cwd: str,
    env: dict[str, str],
    owner_pid: int,
    conn: Connection,
) -> None:
    """Runs in the job's own process: restore Hydra's state, run the job, send the JobReturn.

    ``payload`` is Hydra's context, the task and Hydra's state, pickled, or the digest of the
    payload the job-process server unpickled already (:func:`served_digest`).

    A process forked from the preloaded server starts with the server's working directory
    and environment, so the launching process's are applied first.
    """
    _tie_to_owner(owner_pid)
    # the owner alone stops its jobs (with SIGTERM): a Ctrl-C or a hang-up sent to the whole
    # process group reaches the sweep, which stops each job once
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # until the task installs its own handler, SIGTERM interrupts the job like Ctrl-C
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        hydra_context, task_function, state = _unpickled_payload(payload)
        sweep_config = cloudpickle.loads(job)
        setup_globals()
        restore_hydra_state(state, keep_plugins=True)
        ret = run_job(
            hydra_context=hydra_context,
            task_function=task_function,
            config=sweep_config,
            job_dir_key="hydra.sweep.dir",
            job_subdir_key="hydra.sweep.subdir",
        )
        data = _pickled(ret)
    except KeyboardInterrupt as e:  # the job recorded itself as interrupted
        data = dumps(JobInterrupted(_interrupted(e)))
    except BaseException:
        data = dumps(JobFailure("worker error:\n" + traceback.format_exc()))
    conn.send_bytes(data)
    conn.close()


def _interrupted(e: BaseException) -> str:
    """The reason of a job stopped by an interrupt (never "interrupted: interrupted ...")."""
    text = str(e)
    if not text:
        return "interrupted"
    return text if text.startswith("interrupted") else f"interrupted: {text}"


def _pickled(ret: Any) -> bytes:
    """A JobReturn as bytes; a failure carries the worker's traceback."""
    if ret.status == JobStatus.FAILED:
        exc = ret._return_value
        tb = "".join(traceback.format_exception(exc))
        if hasattr(exc, "add_note"):
            exc.add_note("worker traceback:\n" + tb)
        ret._return_value = exc
        ret.worker_traceback = tb
    sent = SentJobReturn.of(ret)  # its configs read back only if asked for
    try:
        return dumps(sent)
    except Exception:  # an unpicklable return value or exception
        sent._return_value = RuntimeError(repr(sent._return_value))
        sent.status = JobStatus.FAILED
        return dumps(sent)
