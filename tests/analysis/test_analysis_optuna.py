"""``brainjar-analyze`` on an Optuna sweep: parameter importances and the optimisation history."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from _extras import need

need("optuna", module_level=True)

from brainjar_sweep.analysis.load import SweepData, SweepInfo  # noqa: E402
from brainjar_sweep.analysis.optuna_study import find_study, optuna_section  # noqa: E402


def _analyze(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from brainjar_sweep.analysis.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_an_optuna_sweep_reports_importances_and_history(tmp_path: Path) -> None:
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "brainjar_sweep",
            "-m",
            "hydra/sweeper=brainjar_optuna",
            "hydra.launcher.progress=none",
            "hydra.sweeper.n_trials=6",
            "hydra.sweeper.n_jobs=2",
            "hydra.sweeper.seed=0",
            "corruption_rate=interval(0,1)",
            "hydra.sweeper.objective=[crash_rate]",
            "hydra.sweeper.direction=[minimize]",
            "max_cycles=20",
            "hydra.sweep.dir=sw",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "sw" / "optuna.db").is_file()

    a = _analyze(tmp_path, "sw", "--output", "r.md", "--plots", "plots", "--html", "r.html")
    assert a.returncode == 0, a.stderr
    md = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert "## Optuna study" in md
    label = f"{tmp_path.name}_sw"  # the sweep's id: the resolved sweep dir's last two parts
    assert f"**Parameter importances: {label}**" in md
    assert "| parameter | crash_rate |" in md
    assert any(line.startswith("| corruption_rate | ") for line in md.splitlines()), md

    (png,) = (tmp_path / "plots").glob("*-optuna_history.png")  # numbered by its rank
    assert f"plots/{png.name}" in md
    import matplotlib.image

    img = matplotlib.image.imread(png)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100

    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert f"Parameter importances: {label}" in page
    assert f'alt="optimisation history ({label})"' in page

    # Without optuna the report says so in one line, and still succeeds.
    code = (
        "import sys; sys.modules['optuna'] = None\n"
        "from brainjar_sweep.analysis.cli import main\n"
        "sys.exit(main(['sw', '--output', 'n.md', '--plots', 'p2']))"
    )
    n = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert n.returncode == 0, n.stderr
    nmd = (tmp_path / "n.md").read_text(encoding="utf-8")
    assert "Parameter importances skipped: optuna is not installed" in nmd
    assert not list((tmp_path / "p2").glob("*optuna_history.png"))
    assert "optuna_history.png" not in nmd


def test_too_few_trials_is_a_note_not_an_error(tmp_path: Path) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sweep = tmp_path / "sw"
    sweep.mkdir()
    study = optuna.create_study(study_name="s", storage=f"sqlite:///{sweep / 'optuna.db'}")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    info = SweepInfo(path=sweep, sweep_id="sw", source="job dirs")
    ref = find_study(info)
    assert ref is not None and ref.name is None
    import pandas as pd

    sec = optuna_section(SweepData(jobs=pd.DataFrame(), sweeps=[info]))
    assert sec is not None
    text = " ".join(b for b in sec.blocks if isinstance(b, str))
    assert "1 trials (1 complete, 0 pruned, 0 failed;" in text


def test_a_grid_sweep_has_no_optuna_section(tmp_path: Path) -> None:
    info = SweepInfo(path=tmp_path, sweep_id="g", source="job dirs")
    assert find_study(info) is None
