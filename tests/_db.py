"""Reading a test database with SQL, and running the app against one (shared by the store's and
the analysis's tests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import text

from brainjar_sweep.store import _engine


def sql(url: str, query: str) -> list[tuple[Any, ...]]:
    """Rows of ``query`` on the database at ``url``."""
    engine = _engine.make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(query))]
    finally:
        engine.dispose()


def run(
    cwd: Path, env: dict[str, str], *args: str, module: str = "brainjar_sweep"
) -> subprocess.CompletedProcess[str]:
    """``python -m <module> <args>`` in ``cwd`` with ``env`` (PGPASSWORD in it, never in a URL)."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
