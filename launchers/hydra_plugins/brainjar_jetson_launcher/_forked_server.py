"""The job-process server as a fork of the sweep's own process, when that is safe.

``multiprocessing`` starts its forkserver as a new interpreter, which imports Python's
start-up, Hydra, the app and all a job needs before it can fork the first job: about 0.4 s of
a short sweep on a small machine, while the sweep's process has imported most of it already.
:func:`forking` makes ``multiprocessing.forkserver.ensure_running`` fork this process instead
and run, in the copy, the very command the new interpreter would have run (the server's
loop, its preloads, ``_warm``); everything else about the server and its jobs is
``multiprocessing``'s own.

Only when it is safe: on Linux (the server dies with the sweep by ``PR_SET_PDEATHSIG``, see
``_warm``) and while this process runs a single thread, Python's or a library's (a fork copies
the calling thread alone; a lock another thread held would stay held in the copy). Otherwise the server starts
as a new interpreter, as before. What the copy inherits, and how it is made harmless:

- every file descriptor but stdin, stdout, stderr and those ``multiprocessing`` hands the
  server points at ``/dev/null`` instead (closing them would let a number an object of the
  sweep still owns be reused for a job's file, which that object could later close);
  among them the sweep's end of the server's "alive" pipe, so that the server still sees
  the sweep go;
- output the sweep had buffered is flushed before the fork, so that no line appears twice;
- the forkserver's lock, held by the call that forks, is a new lock in the copy (a job that
  starts a forkserver of its own would otherwise wait for ever);
- the sweep's objects are frozen out of the garbage collector (``gc.freeze``, just before
  the fork, as Python's documentation advises for a fork without exec): the server and its
  jobs never finalize them, nor touch their memory to scan it; and the sweep's own
  collections, until the launch ends (:func:`thaw`), scan only what it makes after the fork
  (a full collection of what a sweep's process holds at start takes tens of milliseconds).

``multiprocessing.util.spawnv_passfds`` (how ``ensure_running`` starts the server, Python
3.10 to 3.13) and the forkserver's lock are ``multiprocessing``'s private API: used here
alone, and a server that cannot be forked is started the usual way.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence

# the start of the command multiprocessing runs in a new interpreter to start its forkserver
_FORKSERVER_CODE = "from multiprocessing.forkserver import main;"


def can_fork() -> bool:
    """Whether the job-process server can be this process forked (see the module docstring).

    >>> isinstance(can_fork(), bool)
    True
    """
    return (
        sys.platform == "linux"
        and hasattr(os, "fork")
        and threading.active_count() == 1
        and threading.current_thread() is threading.main_thread()
        and _os_threads() == 1  # a library's own threads too (a BLAS or OpenMP pool, say)
    )


def _os_threads() -> int | None:
    """How many threads the operating system counts in this process (None: unknown)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


# whether this process froze its objects for a fork (:func:`thaw` undoes it)
_FROZEN = False


def thaw() -> None:
    """Give the objects frozen for the server's fork back to the garbage collector (the launch
    that forked it ended: a process that goes on collects them again).

    >>> thaw()
    """
    global _FROZEN
    if _FROZEN:
        gc.unfreeze()
        _FROZEN = False


@contextlib.contextmanager
def forking() -> Iterator[None]:
    """While open, ``multiprocessing.forkserver.ensure_running`` starts its server as a fork
    of this process when :func:`can_fork` (anything else it starts, as it would).

    >>> with forking():
    ...     pass
    """
    from multiprocessing import util

    original = util.spawnv_passfds
    if not can_fork():
        yield
        return

    def spawn_or_fork(path: str, args: Sequence[str], passfds: Sequence[int]) -> int:
        code = _forkserver_code(args)
        if code is None or not can_fork():
            return original(path, args, passfds)
        try:
            return _fork_server(code, passfds, original)
        except OSError:  # no fork now (memory, process limits): a new interpreter, as before
            return original(path, args, passfds)

    util.spawnv_passfds = spawn_or_fork
    try:
        yield
    finally:
        util.spawnv_passfds = original


def _forkserver_code(args: Sequence[str]) -> str | None:
    """The forkserver's command in ``args`` (``python [flags] -c <command>``), else None.

    >>> _forkserver_code(["python", "-c", "from multiprocessing.forkserver import main; main(3)"])
    'from multiprocessing.forkserver import main; main(3)'
    >>> _forkserver_code(["python", "-c", "from multiprocessing.resource_tracker import main"])
    """
    if len(args) >= 2 and args[-2] == "-c" and args[-1].startswith(_FORKSERVER_CODE):
        return args[-1]
    return None


def _fork_server(code: str, passfds: Sequence[int], spawn: Callable[..., int]) -> int:
    """Fork; in the copy, run the forkserver's ``code`` and end there. The copy's pid.
    ``spawn`` is ``multiprocessing``'s own way, put back in the copy for its jobs."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.flush()
    # what this process holds now lives as long as the sweep: out of the collector's scans,
    # here and in the copies (Python's advice before a fork without exec, see gc.freeze)
    global _FROZEN
    gc.freeze()
    _FROZEN = True
    pid = os.fork()
    if pid:
        return pid
    _serve(code, passfds, spawn)  # never returns into the sweep's code
    raise AssertionError("unreachable")  # pragma: no cover


def _serve(code: str, passfds: Sequence[int], spawn: Callable[..., int]) -> None:
    """In the forked copy: make what it inherited harmless, run the server's loop, end."""
    status = 1
    try:
        _point_at_devnull(keep={0, 1, 2, *passfds})
        from multiprocessing import forkserver, util

        util.spawnv_passfds = spawn  # a job that starts processes of its own: as it would

        forkserver._forkserver._lock = threading.Lock()  # held by the sweep's ensure_running
        from hydra_plugins.brainjar_jetson_launcher import _warm

        _warm.serve()  # a module the sweep imported already is not run again by the preload
        exec(code, {"__name__": "__mp_forkserver__"})  # noqa: S102  multiprocessing's command
        status = 0
    except SystemExit as e:  # the server's loop ends so when the sweep is gone
        status = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
    except BaseException:  # noqa: BLE001  said on stderr; the sweep sees the server gone
        import traceback

        traceback.print_exc()
    finally:
        os._exit(status)


def _point_at_devnull(keep: set[int]) -> None:
    """Every open file descriptor of this process but ``keep``: ``/dev/null`` from now on."""
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for name in os.listdir("/proc/self/fd"):
            fd = int(name)
            if fd in keep or fd == null:
                continue
            try:
                os.fstat(fd)  # the directory listed, closed by now
            except OSError:
                continue
            os.dup2(null, fd, inheritable=False)
    finally:
        os.close(null)
