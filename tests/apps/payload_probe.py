"""A job target for the job-process server's tests: it reports the payload it was given
(the payload itself, or the digest of the one its server holds) as the job would read it."""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import signal
from types import SimpleNamespace
from typing import Any

from hydra_plugins.brainjar_jetson_launcher import _worker


def probe(payload: bytes | str, conn: Any) -> None:
    """Send back what the job was given ("digest" or "bytes"), and the context and the task's
    answer of the payload as it reads it."""
    given = "digest" if isinstance(payload, str) else "bytes"
    context, task_function, _state = _worker._unpickled_payload(payload)
    conn.send_bytes(pickle.dumps((given, context, task_function())))
    conn.close()


def task() -> str:
    """Stands for a Hydra task in the payload."""
    return "task"


def wait_for_sigterm(ready: str, conn: Any) -> None:
    """A job that installs no signal handler of its own: it says it runs (the file
    ``ready``), then waits; a SIGTERM that interrupts it is reported back."""
    import time
    from pathlib import Path

    Path(ready).write_text("running")
    try:
        while True:
            time.sleep(0.05)
    except KeyboardInterrupt as e:
        conn.send_bytes(pickle.dumps(str(e)))


def _stopped_while_starting(base: type) -> type:
    class StoppedWhileStarting(base):  # type: ignore[misc, valid-type]
        """A process whose owner is told to stop (SIGTERM) as it starts the process."""

        def start(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)  # handled at the next instruction
            super().start()

    StoppedWhileStarting.__qualname__ = StoppedWhileStarting.__name__ = f"Stopped{base.__name__}"
    return StoppedWhileStarting


# importable by name, as a forkserver's job unpickles its process object
StoppedForkProcess = _stopped_while_starting(mp.get_context("fork").Process)
StoppedForkServerProcess = _stopped_while_starting(mp.get_context("forkserver").Process)


def stopped_while_starting(method: str) -> Any:
    """A multiprocessing context of ``method`` whose processes' owner gets a SIGTERM as it
    starts one."""
    process = StoppedForkProcess if method == "fork" else StoppedForkServerProcess
    return SimpleNamespace(Pipe=mp.get_context(method).Pipe, Process=process)


def _forkserver_child_ran() -> bool:
    """Whether a process started with the forkserver method, from here, runs and ends, its
    server being a new interpreter (``multiprocessing``'s own way, not a copy of this job)."""
    from multiprocessing import forkserver

    proc = mp.get_context("forkserver").Process(target=os.getpid, name="nested")
    proc.start()
    proc.join(120)
    with open(f"/proc/{forkserver._forkserver._forkserver_pid}/cmdline", "rb") as f:
        fresh = b"multiprocessing.forkserver" in f.read()
    return proc.exitcode == 0 and fresh


def inherited(fd: int, conn: Any) -> None:
    """Send back what file descriptor ``fd`` (one the launching process holds open) is in
    this job, and whether this job can start a forkserver process of its own."""
    import threading

    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        target = None
    ran: list[bool] = []
    worker = threading.Thread(target=lambda: ran.append(_forkserver_child_ran()), daemon=True)
    worker.start()
    worker.join(180)  # a forkserver lock left held would block it for ever
    conn.send_bytes(pickle.dumps({"fd": target, "nested": bool(ran and ran[0])}))
    conn.close()
