"""``result.json``: what one job's experiment produced, in its output dir (one writer, one reader).

The app writes it when the experiment ends; the launcher's ``job_end`` hook rewrites it when
a job ends without writing it (killed, timed out). Resume, the sweep files and the analysis
read it back through :func:`read_result`, which refuses what the app cannot have written.

>>> import tempfile
>>> job = Path(tempfile.mkdtemp())
>>> _ = write_result(job, {"experiment_id": "e0", "status": "completed", "error": None})
>>> read_result(job)["status"]
'completed'
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from brainjar_sweep._atomic import write_bytes_atomic
from brainjar_sweep._secrets import scrub

RESULT_NAME = "result.json"
"""The file's name in a job's output dir."""

_BIGGEST = 2**63 - 1  # the largest integer a brainjar file holds (a DB column's)


class ResultUnreadable(ValueError):
    """A ``result.json`` that exists but cannot be read (truncated, corrupt, unreadable).

    >>> str(ResultUnreadable("truncated or corrupt"))
    'truncated or corrupt'
    """


class ForeignResult(ResultUnreadable):
    """A readable ``result.json`` the app cannot have written; the message says why.

    >>> str(ForeignResult("foreign file"))
    'foreign file'
    """


def result_path(job_dir: str | os.PathLike[str]) -> Path:
    """Where a job's ``result.json`` is.

    >>> result_path("multirun/x/3").as_posix()
    'multirun/x/3/result.json'
    """
    return Path(job_dir) / RESULT_NAME


def write_result(job_dir: str | os.PathLike[str], body: dict[str, Any]) -> Path:
    """Write ``body`` as the job's ``result.json``, atomically; its error texts never show a
    secret. Returns the file's path.

    >>> import tempfile
    >>> job = Path(tempfile.mkdtemp())
    >>> path = write_result(job, {"experiment_id": "e", "status": "failed",
    ...                           "error": "no route to https://user:hunter2@example.org"})
    >>> "hunter2" in path.read_text()
    False
    """
    path = result_path(job_dir)
    write_bytes_atomic(path, encode_result(body))
    return path


def encode_result(body: dict[str, Any]) -> bytes:
    """``body`` as the bytes of a ``result.json`` (indented JSON; error texts scrubbed).

    >>> encode_result({"status": "completed"}).splitlines()
    [b'{', b'  "status": "completed"', b'}']
    """
    out = dict(body)
    for key in ("error", "traceback"):
        if out.get(key) is not None:
            out[key] = scrub(out[key])
    return (json.dumps(out, indent=2, sort_keys=False, default=str) + "\n").encode()


def read_result(job_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """The job's ``result.json`` as a dict.

    Raises:
        FileNotFoundError: there is none (the job has not ended, or never started).
        ForeignResult: it is readable JSON the app cannot have written (not an object, no
            ``status`` or ``experiment_id``, values of impossible types or sizes).
        ResultUnreadable: it cannot be read or parsed (truncated, corrupt, nested too deep).

    >>> import tempfile
    >>> job = Path(tempfile.mkdtemp())
    >>> _ = result_path(job).write_text('{"status": "compl')
    >>> read_result(job)
    Traceback (most recent call last):
    ...
    brainjar_sweep.records.result.ResultUnreadable: truncated or corrupt result.json
    >>> _ = result_path(job).write_text('{"status": "completed", "experiment_id": "e", "job_num": "x"}')
    >>> read_result(job)
    Traceback (most recent call last):
    ...
    brainjar_sweep.records.result.ForeignResult: job_num 'x' is not a job number
    """
    path = result_path(job_dir)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as e:
        raise ResultUnreadable(f"unreadable {RESULT_NAME} ({type(e).__name__})") from None
    return parse_result(raw)


def parse_result(raw: bytes) -> dict[str, Any]:
    """The dict a ``result.json``'s bytes hold; raises as :func:`read_result` does.

    >>> parse_result(b'{"status": "completed", "experiment_id": "e"}')["status"]
    'completed'
    """
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ResultUnreadable(f"truncated or corrupt {RESULT_NAME}") from None
    if not isinstance(body, dict) or "status" not in body or "experiment_id" not in body:
        raise ForeignResult("foreign file")
    why = _impossible(body)
    if why is not None:
        raise ForeignResult(why)
    return body


def read_status(job_dir: str | os.PathLike[str]) -> str:
    """The status a job's ``result.json`` gives, ``missing`` without one, ``unreadable`` for
    one that cannot be read.

    >>> read_status("/nonexistent")
    'missing'
    """
    try:
        return str(read_result(job_dir)["status"])
    except FileNotFoundError:
        return "missing"
    except ResultUnreadable:
        return "unreadable"


def _impossible(result: dict[str, Any]) -> str | None:
    """Why a parsed result cannot be one the app wrote (values of impossible types or sizes).

    >>> _impossible({"metrics": {"m": 10**400}}) is not None
    True
    >>> _impossible({"job_num": 3, "attempt": 1, "metrics": {"m": 0.5}}) is None
    True
    """
    for key in ("job_num", "attempt"):
        v = result.get(key)
        if v is not None and (
            not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= _BIGGEST
        ):
            shown = repr(v) if not isinstance(v, int) else f"of {len(str(abs(v)))} digits"
            what = "a job number" if key == "job_num" else "an attempt number"
            return f"{key} {shown[:40]} is not {what}"
    for key in ("experiment_id", "sweep_id", "status"):
        v = result.get(key)
        if v is not None and not isinstance(v, (str, int)):
            return f"{key} is a {type(v).__name__}, not a text"
    stack: list[Any] = [result]
    while stack:  # iterative: a deep document must not exhaust the stack here either
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > _BIGGEST:
            return "it holds an integer too large for any brainjar value"
    return None
