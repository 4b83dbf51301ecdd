"""An intervention that never fired says so, and the README's intervention example fires."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from _cli import cli

from brainjar_sweep.config import compose, resolve_experiment
from brainjar_sweep.jar import Jar

README = Path(__file__).resolve().parents[2] / "README.md"


def _run(overrides: list[str], caplog: pytest.LogCaptureFixture) -> tuple[dict, list[str]]:
    exp = resolve_experiment(compose(overrides))
    with caplog.at_level(logging.WARNING, logger="brainjar_sweep"):
        metrics = Jar(exp, experiment_id="t").run().metrics
    return metrics, [r.getMessage() for r in caplog.records if "never fired" in r.getMessage()]


def test_an_intervention_that_never_fired_says_why(caplog: pytest.LogCaptureFixture) -> None:
    # a roomy jar: the mind never dies, so an on-crash intervention never fires
    metrics, lines = _run(
        ["resources=orin_nano_8gb", "interventions=corruption_on_crash", "max_cycles=20"], caplog
    )
    assert metrics["total_crashes"] == 0 and metrics["total_interventions"] == 0
    assert lines == [
        "intervention memory_corruption (memory_corruption, on_crash) never fired: "
        "the mind never crashed in 20 cycles"
    ]


def test_an_intervention_that_fired_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    metrics, lines = _run(
        ["resources.ram_limit_gb=1.7", "interventions=corruption_on_crash", "max_cycles=5"], caplog
    )
    assert metrics["total_interventions"] == metrics["total_crashes"] > 0
    assert lines == []


def test_every_n_cycles_longer_than_the_run(caplog: pytest.LogCaptureFixture) -> None:
    _, lines = _run(
        ["interventions=periodic_corruption", "interventions.0.trigger_params.n=9", "max_cycles=4"],
        caplog,
    )
    assert len(lines) == 1 and "every 9 cycles is more than the 4 cycles run" in lines[0]


@pytest.mark.slow
def test_readme_intervention_example_fires(tmp_path: Path) -> None:
    line = next(
        x for x in README.read_text().splitlines() if "interventions=corruption_on_crash" in x
    )
    args = line.split("#")[0].split()[3:]  # after `python -m brainjar_sweep`
    proc = cli(tmp_path, *args)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    done = re.search(r"completed: 20 cycles, (\d+) crashes, .* (\d+) interventions", out)
    assert done is not None, out
    assert int(done.group(1)) > 0 and int(done.group(2)) == int(done.group(1))
    assert "never fired" not in out
