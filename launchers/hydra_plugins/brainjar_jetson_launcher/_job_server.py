"""The local jobs' process server: what every job's process starts from, started once per sweep.

A :class:`JobServer` holds the jobs' payload (Hydra's context, the task and Hydra's state,
pickled) and the ``multiprocessing`` context their processes start from. With the forkserver
start method, :meth:`JobServer.start` starts the server (this process forked when that is safe,
``_forked_server``, else a new interpreter; either imports what Hydra, the plugins, the task's
module and the modules the payload name that it lacks, and unpickles the payload once:
``_warm``) and returns at once: the launcher starts it while the sweeper still checks its jobs,
so the server's imports run beside that work instead of before the first job. Once the server holds
the payload, each job is given its digest instead of the payload (:meth:`payload_for_job`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
from typing import Any

import cloudpickle
from hydra_plugins._brainjar_hydra_compat import hydra_state
from hydra_plugins.brainjar_jetson_launcher._worker import (
    job_context,
    pickled_modules,
    served_digest,
    server_payload,
    task_module,
)


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


class JobServer:
    """The payload and start context of one sweep's local jobs (see the module docstring).

    ``method`` is ``forkserver`` (a preloaded server) or ``spawn``; ``preload`` names modules
    the server imports besides Hydra's, the task's and the payload's (the ``job_preload`` hook);
    ``fork``: the server is this process forked when that is safe (``_forked_server``).

    >>> server = JobServer({"context": 1}, len, "spawn")
    >>> server.start()  # spawn: each job starts afresh, there is no server to start
    >>> isinstance(server.payload_for_job(), bytes)  # so each job is given the payload
    True
    """

    def __init__(
        self,
        hydra_context: Any,
        task: Any,
        method: str,
        preload: tuple[str, ...] = (),
        fork: bool = True,
    ) -> None:
        self.payload = cloudpickle.dumps((hydra_context, task, hydra_state()))
        self.method = method
        self._task_module = task_module(task)
        self._preload = preload
        self._fork = fork
        self._file: str | None = None  # the payload's file, until the server has read it
        self._started = False
        self._served: str | None = None  # the payload's digest once the server holds it

    @functools.cached_property
    def ctx(self) -> Any:
        """The ``multiprocessing`` context the jobs start from (with the forkserver method, the
        server's preloads named: read from the payload, so only once a server is wanted)."""
        return job_context(
            self.method,
            self._task_module,
            ("brainjar_sweep._supervisor", *self._preload, *pickled_modules(self.payload)),
        )

    def start(self) -> None:
        """Start the server now, if it is not running (forked from this process when that is
        safe and ``fork``); return without waiting for its imports."""
        if self._started or self.method != "forkserver":
            return
        self.ctx  # noqa: B018  the server's preloads named before it starts
        self._started = True
        from multiprocessing import forkserver

        from hydra_plugins.brainjar_jetson_launcher._forked_server import forking
        from hydra_plugins.brainjar_jetson_launcher._warm import PAYLOAD_ENV

        self._file = server_payload(self.payload)
        if self._file is not None:
            # a sweep that ends before its server read the file leaves nothing behind
            atexit.register(_unlink, self._file)
        try:
            if self._fork:
                with forking():
                    forkserver.ensure_running()
            else:
                forkserver.ensure_running()
        finally:
            os.environ.pop(PAYLOAD_ENV, None)  # the server has its copy of the environment

    def holds_payload_of(self, other: JobServer) -> bool:
        """Whether ``other``'s jobs can run from this server's payload: the same objects,
        pickled. Two picklings of equal objects can differ in their bytes (objects shared
        or not between Hydra's context and its state, a class of ``__main__`` pickled by
        value), so unequal bytes are compared once more, both unpickled, then pickled again.

        >>> JobServer({"a": [1]}, len, "spawn").holds_payload_of(JobServer({"a": [1]}, len, "spawn"))
        True
        >>> JobServer({"a": [1]}, len, "spawn").holds_payload_of(JobServer({"a": [2]}, len, "spawn"))
        False
        """
        if self.payload == other.payload:
            return True
        mine, theirs = cloudpickle.loads(self.payload), cloudpickle.loads(other.payload)
        return bool(cloudpickle.dumps(mine) == cloudpickle.dumps(theirs))

    def payload_for_job(self) -> bytes | str:
        """What a job is given: the payload's digest if the server holds it, else the payload."""
        return self._served or self.payload

    def job_started(self) -> None:
        """After a job's process started (the server is up and has read its preloads)."""
        if self._served is None and self.method == "forkserver":
            self._served = served_digest(self.payload, self._file)
        self.drop_file()

    def drop_file(self) -> None:
        """The payload's file goes (the server read it, or will never read it)."""
        if self._file is not None:
            _unlink(self._file)
            self._file = None


def launcher_server(launcher: Any) -> JobServer:
    """The job server of a jetson launcher's local jobs: its start method and preload hook."""
    return JobServer(
        launcher.hydra_context,
        launcher.task_function,
        launcher.params.get("start_method", "forkserver"),
        tuple(launcher.hooks.preload()),
        bool(launcher.params.get("server_from_sweep", True)),
    )
