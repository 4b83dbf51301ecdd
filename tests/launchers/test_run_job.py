"""The launcher runs a job as Hydra's ``run_job`` does, with fewer copies of its config.

Each case runs one job of the brainjar app's sweep with Hydra's ``run_job`` and with the
launcher's (``_run_job.run_job``) into the same job dir, in a fresh process
(``tests/apps/run_job_pair.py``), and compares everything either produces: the ``.hydra``
files, the ``JobReturn`` (its configs' YAML, every node's metadata and parent, its effective
flags, here and after pickling), what the task and Hydra's callbacks saw (``HydraConfig``,
the working dir, ``hydra.job.env_set``), and Hydra's state and the working dir afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "apps"


def _pair(tmp_path: Path, mode: str, *overrides: str) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{APPS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    done = subprocess.run(
        [sys.executable, str(APPS / "run_job_pair.py"), str(tmp_path), mode, *overrides],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((tmp_path / "pair.json").read_text())


@pytest.mark.parametrize("mode", ["plain", "chdir", "fail"])
def test_a_job_runs_as_hydras_run_job_runs_it(tmp_path: Path, mode: str) -> None:
    pair = _pair(tmp_path, mode, "max_cycles=2", "corruption_rate=0.25")
    hydra, ours = pair["hydra"], pair["launcher"]
    assert hydra.keys() == ours.keys()
    # pickled, the same nodes can differ in a few bytes of the pickle's own bookkeeping
    for theirs, mine in zip(hydra.pop("pickled_size"), ours.pop("pickled_size"), strict=True):
        assert abs(mine - theirs) <= 0.01 * theirs
    for key in hydra:
        assert ours[key] == hydra[key], key
    # what was compared is what a job produces, not empty
    job_dir = tmp_path / "sweep" / "0"
    assert sorted(ours["files"]) == [
        ".hydra/config.yaml",
        ".hydra/hydra.yaml",
        ".hydra/overrides.yaml",
    ]
    assert "corruption_rate: 0.25" in ours["files"][".hydra/config.yaml"]
    assert f"output_dir: {job_dir}" in ours["files"][".hydra/hydra.yaml"]
    assert "- max_cycles=2" in ours["files"][".hydra/overrides.yaml"]
    assert ours["overrides"] == ["max_cycles=2", "corruption_rate=0.25"] + (
        ["seed=13"] if mode == "fail" else []
    )
    assert ours["job_dir_is_set"] and ours["cwd_restored"] and ours["hydra_config_restored"]
    assert ours["parents_here"] == [True, True]  # the JobReturn holds nothing of the job's config
    assert ".hydra:parent" in ours["structure_sent"][1]
    seen = ours["seen"]
    assert set(seen) == {"on_job_start", "task", "on_job_end"}
    assert seen["task"]["env"] == "set" and seen["task"]["job_num_resolved"] == 0
    assert seen["task"]["output_dir"] == str(job_dir) and seen["task"]["readonly"]
    assert "hydra" not in seen["task"]["cfg"].split("\n")[0]
    if mode == "chdir":
        assert seen["task"]["cwd"] == ours["working_dir"] == str(job_dir)
    else:
        assert seen["task"]["cwd"] == ours["working_dir"] == str(tmp_path)
    if mode == "fail":
        assert ours["status"] == "JobStatus.FAILED" and "asked to fail" in ours["return_value"]
        assert seen["on_job_end"][1] == "JobStatus.FAILED"
    else:
        assert ours["status"] == "JobStatus.COMPLETED" and ours["return_value"] == "{'cycles': 2}"
