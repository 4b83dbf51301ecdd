"""Preloaded by the job-process server: imports Hydra, scans plugins, warms OmegaConf's
interpolation parser and Hydra's override parser, and unpickles the jobs' payload once, so
jobs fork warm.

Loaded in the server the launcher starts (``BRAINJAR_JOB_SERVER_PARENT`` names the launching
process), it also ties the server's life to the sweep's: Linux kills the server when the sweep
dies (``PR_SET_PDEATHSIG``), and each job, whose parent the server is, dies with the server
(see ``_worker._tie_to_owner``). The server ignores the signals a terminal or a service
manager sends to a whole process group (SIGINT, SIGTERM, SIGHUP): the sweep stops its jobs
itself, so that each records how it ended. A job it forks takes SIGTERM as an interrupt from
its first instruction (``_on_sigterm``), before it installs its own handler.

Imported by any other process (the launcher reads this module's names), it does nothing.
"""

import os
import signal

from hydra.core.plugins import Plugins
from hydra.core.utils import run_job  # noqa: F401

PARENT_ENV = "BRAINJAR_JOB_SERVER_PARENT"
# a file holding the jobs' payload (Hydra's context, the task, Hydra's singletons), pickled
PAYLOAD_ENV = "BRAINJAR_JOB_PAYLOAD"
# the job-process server's pid, in the server and in the jobs it forks (None elsewhere)
SERVER_PID = None
# (the payload's sha1, the payload unpickled) as the server loaded it for the jobs it forks:
# a job whose payload is the same uses it instead of unpickling its own (None: none loaded)
PAYLOAD = None


def payload_digest(data: bytes) -> str:
    """What names a payload (the server's and a job's are compared by it)."""
    import hashlib

    return hashlib.sha1(data).hexdigest()


def _load_payload() -> None:
    """In the launcher's server: unpickle the jobs' payload once (the launcher wrote it)."""
    global PAYLOAD
    path = os.environ.get(PAYLOAD_ENV)
    if SERVER_PID is None or not path:
        return
    try:
        import cloudpickle

        with open(path, "rb") as f:
            data = f.read()
        os.unlink(path)  # read once: nothing of it stays on disk
        PAYLOAD = (payload_digest(data), cloudpickle.loads(data))
    except Exception:  # noqa: BLE001  gone or unreadable: each job unpickles its own
        PAYLOAD = None


def _on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM in the server: nothing (the sweep stops its jobs itself). In a job forked from
    it that has not installed its own handler yet, an interrupt: a stop sent that early is
    not lost (an ignored SIGTERM, inherited, would be)."""
    if os.getpid() != SERVER_PID:
        raise KeyboardInterrupt("interrupted (stopped as it started)")


def _arm() -> None:
    global SERVER_PID
    parent = os.environ.get(PARENT_ENV)
    if parent is None or parent != str(os.getppid()):
        return  # not the launcher's job-process server
    SERVER_PID = os.getpid()
    for sig in (signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    from brainjar_sweep._supervisor import pdeathsig

    if not pdeathsig(signal.SIGKILL, int(parent)):
        os._exit(1)  # the sweep died while the server started


def _warm_grammar() -> None:
    """Parse interpolations of the kinds Hydra's configs hold once, here: OmegaConf's parser
    builds its tables on first use (about 30 ms), and each job forked from this server
    starts with them built."""
    from omegaconf import grammar_parser

    for text in (
        "${a}",
        "${a.b}",
        "${a.b}/${c}",
        "x_${a}_${b:c,d}",
        "${now:%Y-%m-%d}/${now:%H-%M-%S}",
        "${oc.env:X,1}",
        "${hydra.sweep.dir}/${hydra.job.num}",
        "[${a}, {b: ${c}}]",
    ):
        grammar_parser.parse(text)


def _warm_overrides() -> None:
    """Parse overrides of the kinds a sweep's command line holds once, here: Hydra's override
    parser builds its tables on first use too (about 7 ms), and a job that reads its sweep's
    overrides (an app recording its grid, say) starts with them built."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    OverridesParser.create().parse_overrides(
        [
            "a=1",
            "a.b=x,y",
            "+a=range(0,3)",
            "++a=[1,2]",
            "~a",
            "a/b=c",
            "a=choice(1,2)",
            "a=interval(0,1)",
            "a='x y'",
            "a=${b}",
            "a={b: 1}",
        ]
    )


def serve() -> None:
    """Make this process the launcher's job-process server, if it is one (its parent is the
    process ``BRAINJAR_JOB_SERVER_PARENT`` names): armed, warmed, the payload loaded. Run
    when the server imports this module; a server forked from a sweep that had imported it
    already calls it (``_forked_server``). Once per process; elsewhere, nothing."""
    if SERVER_PID == os.getpid():
        return
    _arm()
    if SERVER_PID == os.getpid():
        Plugins.instance()
        _warm_grammar()
        _warm_overrides()
        _load_payload()


serve()
