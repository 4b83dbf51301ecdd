"""Running the project's commands as a user does, and reading what they leave behind."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path


def run_module(
    module: str,
    cwd: Path,
    *args: str,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m <module> <args>`` in ``cwd``, output captured (``env``: the environment)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def cli(
    cwd: Path, *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m brainjar_sweep <args>`` in ``cwd``."""
    return run_module("brainjar_sweep", cwd, *args, timeout=timeout, env=env)


def sweep_cli(
    cwd: Path, *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The ``brainjar-sweep`` command (resume, convert) in ``cwd``."""
    return run_module("brainjar_sweep.cli", cwd, *args, timeout=timeout, env=env)


def files(root: Path) -> list[Path]:
    """Every file under ``root``, sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file())


def db_rows(cwd: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` on the experiments database the commands in ``cwd`` wrote."""
    with sqlite3.connect(cwd / "logs" / "experiments.db", timeout=30) as con:
        return con.execute(sql).fetchall()
