"""Finding the sweeps and job dirs under the paths given (what is a job dir, what a sweep dir)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from brainjar_sweep.analysis.load.model import LoadError
from brainjar_sweep.records import (
    RESULT_NAME,
    SWEEP_FILE_NAMES,
)

SWEEP_FILES: tuple[str, ...] = ("multirun.yaml", *SWEEP_FILE_NAMES)
"""Sweep-level files that Hydra and the launcher write into a sweep dir."""


# other sweep-level entries that are not jobs and not foreign
KNOWN_ENTRIES = frozenset(
    {
        *SWEEP_FILES,
        "optimization_results.yaml",
        "study.db",
        "optuna.db",
        "sweep_config.json",
        "plot_data.json",
        ".submitit",
    }
)


def is_job_dir(path: Path) -> bool:
    return (path / RESULT_NAME).is_file() or (path / ".hydra").is_dir()


def _is_sweep_dir(path: Path) -> bool:
    if any((path / name).is_file() for name in SWEEP_FILES):
        return True
    try:
        entries = list(os.scandir(path))
    except OSError:
        return False
    return any(e.name.isdigit() and e.is_dir() and is_job_dir(Path(e.path)) for e in entries)


def find_sweeps(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Path], list[Path]]:
    """Resolve paths to (sweep dirs, loose job dirs), without reading any job.

    Raises:
        LoadError: a path does not exist, or holds neither sweeps nor jobs.

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> (root / "12-00-00" / "0" / ".hydra").mkdir(parents=True)
        >>> sweeps, jobs = find_sweeps([root])
        >>> [p.name for p in sweeps], jobs
        (['12-00-00'], [])
    """
    sweeps: dict[Path, None] = {}
    jobs: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise LoadError(f"no such path: {raw}")
        path = path.resolve()
        if path.is_file():
            if path.name in SWEEP_FILES:
                sweeps[path.parent] = None
                continue
            if path.name == RESULT_NAME:
                jobs[path.parent] = None
                continue
            raise LoadError(f"not a sweep dir, job dir or sweep file: {raw}")
        found = _walk(path, depth=0)
        if not found[0] and not found[1]:
            raise LoadError(f"no sweep or job dirs under {raw}")
        sweeps.update(dict.fromkeys(found[0]))
        jobs.update(dict.fromkeys(found[1]))
    loose = [j for j in jobs if j.parent not in sweeps]
    return list(sweeps), loose


def _walk(path: Path, depth: int) -> tuple[list[Path], list[Path]]:
    if _is_sweep_dir(path):
        return [path], []
    if is_job_dir(path):
        return [], [path]
    if depth >= 3:
        return [], []
    sweeps: list[Path] = []
    jobs: list[Path] = []
    try:
        children = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return [], []
    for child in children:
        s, j = _walk(child, depth + 1)
        sweeps += s
        jobs += j
    return sweeps, jobs
