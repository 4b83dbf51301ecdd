"""The launcher runs a job as Hydra's ``run_job`` does, with fewer copies of its config.

Each case runs one job of the brainjar app's sweep with Hydra's ``run_job`` and with the
launcher's (``_run_job.run_job``), each in a fresh process, into the same job dir
(``tests/apps/run_job_pair.py``), and compares everything either produces: the ``.hydra``
files, the ``JobReturn`` (its configs' YAML, every node's metadata, parent and effective flags,
here and after pickling), what the task and Hydra's callbacks saw (``HydraConfig``, the working
dir, ``hydra.job.env_set``), the warnings given, and Hydra's state and the working dir
afterwards; for a job whose dir cannot be resolved, the error and what it left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "apps"
OVERRIDES = ("max_cycles=2", "corruption_rate=0.25")


def _run(tmp_path: Path, runner: str, mode: str) -> dict:
    env = dict(os.environ, PYTHONPATH=f"{APPS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    env.pop("BRAINJAR_PAIR_UNSET", None)
    done = subprocess.run(
        [sys.executable, str(APPS / "run_job_pair.py"), str(tmp_path), runner, mode, *OVERRIDES],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((tmp_path / f"{runner}.json").read_text())


def _pair(tmp_path: Path, mode: str) -> tuple[dict, dict]:
    hydra = _run(tmp_path, "hydra", mode)
    ours = _run(tmp_path, "launcher", mode)
    assert hydra.keys() == ours.keys()
    if "pickled_size" in hydra:
        # pickled, the same nodes can differ in a few bytes of the pickle's own bookkeeping
        for theirs, mine in zip(hydra.pop("pickled_size"), ours.pop("pickled_size"), strict=True):
            assert abs(mine - theirs) <= 0.01 * theirs
    for key in hydra:
        assert ours[key] == hydra[key], key
    return hydra, ours


MODES = ["plain", "chdir", "fail", "unset_base", "interpolated"]


@pytest.mark.parametrize("mode", MODES)
def test_a_job_runs_as_hydras_run_job_runs_it(tmp_path: Path, mode: str) -> None:
    _, ours = _pair(tmp_path, mode)
    # what was compared is what a job produces, not empty
    sweep_dir = tmp_path / "sweep"
    job_dir = sweep_dir / ("0-brainjar_job-brainjar" if mode == "interpolated" else "0")
    assert ours["job_dir"] == str(job_dir)
    assert sorted(ours["files"]) == [
        ".hydra/config.yaml",
        ".hydra/hydra.yaml",
        ".hydra/overrides.yaml",
    ]
    assert "corruption_rate: 0.25" in ours["files"][".hydra/config.yaml"]
    assert f"output_dir: {job_dir}" in ours["files"][".hydra/hydra.yaml"]
    assert "- max_cycles=2" in ours["files"][".hydra/overrides.yaml"]
    assert ours["overrides"] == [*OVERRIDES] + (["seed=13"] if mode == "fail" else [])
    assert ours["cwd_restored"] and ours["hydra_config_restored"]
    assert ours["parents_here"] == [True, True]  # the JobReturn holds nothing of the job's config
    assert ".hydra:parent" in ours["structure_sent"][1]
    assert len(ours["flags_here"][1]) > 100  # leaves and list items too
    seen = ours["seen"]
    assert set(seen) == {"on_job_start", "task", "on_job_end"}
    env = "0" if mode == "interpolated" else "set"
    assert seen["task"]["env"] == env and seen["task"]["job_num_resolved"] == 0
    assert seen["task"]["output_dir"] == str(job_dir) and seen["task"]["readonly"]
    assert "hydra" not in seen["task"]["cfg"].split("\n")[0]
    in_job_dir = mode in ("chdir", "unset_base")  # Hydra 1.1's default: the job's own dir
    assert seen["task"]["cwd"] == ours["working_dir"] == str(job_dir if in_job_dir else tmp_path)
    if mode == "unset_base":
        assert any("no longer change working directory" in w for w in ours["warned"])
    if mode == "fail":
        assert ours["status"] == "JobStatus.FAILED" and "asked to fail" in ours["return_value"]
        assert seen["on_job_end"][1] == "JobStatus.FAILED"
    else:
        assert ours["status"] == "JobStatus.COMPLETED" and ours["return_value"] == "{'cycles': 2}"


def test_a_job_whose_dir_cannot_be_resolved_fails_as_in_hydra(tmp_path: Path) -> None:
    _, ours = _pair(tmp_path, "bad_dir")
    assert "BRAINJAR_PAIR_UNSET" in ours["raised"]
    # HydraConfig holds the hydra node alone, as Hydra leaves it; the caller's config unchanged
    assert ours["hydra_config_keys"] == ["hydra"]
    assert "num: 0" in ours["hydra_config_values"]
    assert ours["callers_output_dir"] == "?" and ours["cwd_restored"]  # still unset (???)


def test_the_same_arguments_as_hydras_run_job() -> None:
    import inspect

    from hydra.core.utils import run_job as hydras
    from hydra_plugins.brainjar_jetson_launcher._run_job import run_job as ours

    assert list(inspect.signature(ours).parameters) == list(inspect.signature(hydras).parameters)
    with pytest.raises(TypeError, match="hydra_context"):
        ours(lambda c: None, None, "hydra.sweep.dir", None, None)
