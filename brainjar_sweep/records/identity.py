"""The identities of sweeps and experiments (one rule each), and the hash of what an experiment is.

The sweep id is ``sweep_id`` when the config sets it, else the last two parts of the sweep
directory *resolved against the directory the sweep started in*, so ``hydra.sweep.dir=sw``
and ``brainjar-sweep resume /abs/path/sw`` name the same experiments. A job's experiment id
is the sweep id (or a configured ``experiment_id``) and its job number; a single run's is
a configured ``experiment_id``, else its name and the last two parts of its output dir.
``config_hash`` hashes what an experiment *is*: resume and the sweep-id check compare it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

# keys that name where or under which id an experiment is stored, not what it is
_NOT_HASHED = ("experiment_id", "sweep_id", "db", "name", "description", "tags", "cross")


def resolve_sweep_dir(
    sweep_dir: str | os.PathLike[str], cwd: str | os.PathLike[str] | None = None
) -> Path:
    """``sweep_dir`` as an absolute, normalised path (relative ones against ``cwd``).

    >>> str(resolve_sweep_dir("sw", "/data/runs"))
    '/data/runs/sw'
    >>> str(resolve_sweep_dir("/data/runs/./sw/"))
    '/data/runs/sw'
    """
    path = Path(os.path.expanduser(os.fspath(sweep_dir)))
    if not path.is_absolute():
        path = Path(cwd if cwd is not None else os.getcwd()) / path
    return Path(os.path.realpath(path))


def sweep_id_for(
    sweep_dir: str | os.PathLike[str],
    configured: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> str:
    """The sweep's id: ``configured`` if set, else the resolved dir's last two parts.

    >>> sweep_id_for("multirun/2026-01-02/03-04-05", cwd="/home/me")
    '2026-01-02_03-04-05'
    >>> sweep_id_for("sw", cwd="/data/runs") == sweep_id_for("/data/runs/sw")
    True
    >>> sweep_id_for("sw", configured="mem_001")
    'mem_001'
    """
    if configured:
        return str(configured)
    return "_".join(resolve_sweep_dir(sweep_dir, cwd).parts[-2:])


def experiment_id_for(sweep_id: str, job_num: int, base: str | None = None) -> str:
    """The id of job ``job_num``'s experiment (``base`` is a configured ``experiment_id``).

    >>> experiment_id_for("2026-01-02_03-04-05", 7)
    '2026-01-02_03-04-05_exp0007'
    """
    return f"{base or sweep_id}_exp{int(job_num):04d}"


def run_id_for(name: str, output_dir: str | os.PathLike[str], configured: str | None = None) -> str:
    """The experiment id of a single run (not a sweep's job): ``configured`` if set, else
    ``name`` and the last two parts of its output dir.

    >>> run_id_for("brainjar", "outputs/2026-01-02/03-04-05")
    'brainjar_2026-01-02_03-04-05'
    >>> run_id_for("brainjar", "outputs/x", configured="mine")
    'mine'
    """
    if configured:
        return str(configured)
    return f"{name}_{'_'.join(Path(output_dir).parts[-2:])}"


def config_hash(exp: dict[str, Any]) -> str:
    """A stable hash of what an experiment *is* (its ids and storage left out).

    >>> config_hash({"seed": 1, "db": {"path": "a"}}) == config_hash({"seed": 1, "db": {"path": "b"}})
    True
    >>> config_hash({"seed": 1}) == config_hash({"seed": 2})
    False
    """
    body = {k: v for k, v in exp.items() if k not in _NOT_HASHED}
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
