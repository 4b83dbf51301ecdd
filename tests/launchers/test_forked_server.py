"""The job-process server forked from the sweep's process (``_forked_server``): what it and
its jobs inherit is harmless, and it is not forked where that would be unsafe.

Each case runs in a fresh interpreter (the script below) that stands for a sweep: it holds a
file open and has a line of output buffered when it starts the server, then runs one job
that reports what it inherited.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _sweeps import APPS, survivors

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the server is forked on Linux")

_SCRIPT = """
import os, pickle, sys, threading
from multiprocessing import forkserver
from brainjar_sweep._supervisor import Supervised
from hydra_plugins.brainjar_jetson_launcher._job_server import JobServer
import payload_probe

mode = sys.argv[1]
print("a line the sweep said before its server started")  # buffered: stdout is a pipe
held = open("held.txt", "w")
if mode == "thread":  # a sweep that runs another thread when its server starts
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
server = JobServer({"context": 1}, payload_probe.task, "forkserver", fork=mode != "spawned")
server.start()
proc = Supervised(server.ctx, payload_probe.inherited, (held.fileno(),), name="probe")
proc.start()
server.job_started()
assert proc.wait(timeout=300)
job = pickle.loads(proc.result)
pid = forkserver._forkserver._forkserver_pid
with open(f"/proc/{pid}/cmdline", "rb") as f, open("/proc/self/cmdline", "rb") as me:
    forked = f.read() == me.read()
if mode == "thread":
    stop.set()
    other.join()
print(repr(dict(job, forked=forked, server=pid)))
"""


def _sweep_standin(cwd: Path, mode: str) -> tuple[dict, str]:
    """Run the script in ``cwd``; what its job reported, and all it printed."""
    env = dict(os.environ, PYTHONPATH=f"{APPS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    env.pop("PYTHONUNBUFFERED", None)  # output to a pipe is buffered, as a sweep's often is
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, mode],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return ast.literal_eval(proc.stdout.strip().splitlines()[-1]), proc.stdout


def test_the_server_is_the_sweep_forked_and_its_jobs_inherit_nothing_harmful(
    tmp_path: Path,
) -> None:
    job, out = _sweep_standin(tmp_path, "forked")
    assert job["forked"]  # the same program as the sweep, not a new interpreter
    # the file the sweep holds is /dev/null in the job: the job cannot write it, nor close
    # a file of its own that would have been given that number
    assert job["fd"] == os.devnull
    assert job["nested"]  # a job can start a forkserver process of its own, the usual way
    assert out.count("a line the sweep said before its server started") == 1
    assert not survivors([job["server"]])  # the server does not outlive the sweep


@pytest.mark.parametrize("mode", ["thread", "spawned"])
def test_a_sweep_running_threads_or_asking_so_gets_a_new_interpreter(
    tmp_path: Path, mode: str
) -> None:
    """A fork copies the calling thread alone: a sweep that runs another thread gets its
    server as multiprocessing starts it (so does one with ``server_from_sweep`` false)."""
    job, out = _sweep_standin(tmp_path, mode)
    assert not job["forked"]
    assert not str(job["fd"]).endswith("held.txt")  # a new interpreter is passed stdio alone
    assert job["nested"]
    assert out.count("a line the sweep said before its server started") == 1
    assert not survivors([job["server"]])
