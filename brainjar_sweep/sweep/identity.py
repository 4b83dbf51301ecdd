"""A sweep's identity: its resolved directory, its id and its experiments' ids (one rule).

The sweep id is ``sweep_id`` when the config sets it, else the last two parts of the sweep
directory *resolved against the directory the sweep started in*, so ``hydra.sweep.dir=sw``
and ``brainjar-sweep resume /abs/path/sw`` name the same experiments.
"""

from __future__ import annotations

import os
from pathlib import Path


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
