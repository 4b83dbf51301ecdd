"""A researcher's first mistakes, through the command line: one line with the reason and the fix.

Each case runs ``python -m brainjar_sweep`` once and checks the exit code, that stderr is one
line naming what is wrong and what to do, and that nothing was written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli import cli, files

from brainjar_sweep._error_hints import message_text, override_fix


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            # the preset's Optuna settings reach the grid sweeper: say so, and how to switch
            ("-m", "+sweep=identity_threshold_optuna"),
            (
                "in sweep/identity_threshold_optuna: hydra.sweeper.sampler is not allowed",
                "add hydra/sweeper=brainjar_optuna",
            ),
        ),
        (
            ("interventions.0.parameters.corruption_rate=0.5",),
            (
                "interventions.0.parameters.corruption_rate=0.5 is not allowed",
                "no intervention 0",
                "interventions=corruption_on_crash interventions.0.parameters.corruption_rate=0.5",
            ),
        ),
        (
            ("-m", "sweep=memory_corruption"),
            ("sweep=memory_corruption is not allowed", "write +sweep=memory_corruption", "-m"),
        ),
        (
            ("+mode=split_brain",),
            ("+mode=split_brain is not allowed", "write mode=split_brain, without +"),
        ),
        (
            ("max_cycles=[1",),
            ("max_cycles=[1 is not an override Hydra can read", "input '[1'", "override_grammar"),
        ),
    ],
    ids=[
        "optuna-preset-without-sweeper",
        "intervention-without-group",
        "sweep-without-plus",
        "plus-on-a-chosen-group",
        "unreadable-override",
    ],
)
def test_error_line_keeps_reason_and_fix(
    tmp_path: Path, args: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    proc = cli(tmp_path, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    for part in expected:
        assert part in lines[0], lines[0]
    assert files(tmp_path) == []


def test_hydra_full_error_shows_the_traceback_then_the_line(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "HYDRA_FULL_ERROR": "1"}
    proc = cli(tmp_path, "-m", "sweep=memory_corruption", env=env)
    assert proc.returncode == 2
    assert "Traceback (most recent call last)" in proc.stderr
    assert "ConfigCompositionException" in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: sweep=memory_corruption is not allowed")
    assert files(tmp_path) == []


def test_message_text_keeps_every_line_of_the_reason() -> None:
    text = message_text(
        ValueError(
            "Could not override 'mode'. No match.\nTo append to your default list use +mode=x"
        )
    )
    assert text == "Could not override 'mode'. No match. To append to your default list use +mode=x"
    assert override_fix(text) == (
        "mode=x is not allowed: no mode is chosen by default, so there is nothing to override; "
        "write +mode=x"
    )
    assert override_fix("something else") is None
