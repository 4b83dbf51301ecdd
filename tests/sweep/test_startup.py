"""A job started after importing what job_modules lists imports nothing more of the app or
SQLAlchemy: the list is complete for a launcher to preload."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from brainjar_sweep.sweep.startup import job_modules

CHILD = r"""
import importlib, json, sys
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
before = set(sys.modules)
sys.argv = ["brainjar_sweep", "max_cycles=3", "db.path=" + sys.argv[2], "hydra.run.dir=" + sys.argv[3]]
from brainjar_sweep.app import main
try:
    main()
except SystemExit as e:
    assert not e.code, e.code
new = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in ("brainjar_sweep", "sqlalchemy"))
print(json.dumps(new))
"""


def _new_modules(tmp_path: Path, preload: list[str]) -> list[str]:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD,
            json.dumps(preload),
            str(tmp_path / "x.db"),
            str(tmp_path / "run"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "run" / "result.json").is_file()
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_job_imports_nothing_of_the_app_or_sqlalchemy_beyond_the_list(tmp_path: Path) -> None:
    assert _new_modules(tmp_path, job_modules()) == []


def test_without_the_list_a_job_imports_the_store(tmp_path: Path) -> None:
    """The check can fail: with only the task's module preloaded, the job imports the store."""
    new = _new_modules(tmp_path, ["brainjar_sweep.app"])
    assert "brainjar_sweep.store._store" in new and "sqlalchemy" in new
