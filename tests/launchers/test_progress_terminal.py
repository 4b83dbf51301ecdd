"""The live progress display in a real terminal (tmux): it fits the width, the log lines stay
above it, and its last state is right, after a normal end and after Ctrl-C.

The sweep runs in a detached tmux session of a fixed size; the pane is captured when the
command has ended (a marker file is the rendezvous; the timeouts are safety only).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "apps"
SAFETY_S = 300

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]


def _sweep_command(tmp_path: Path, *args: str) -> str:
    argv = [
        sys.executable,
        "-m",
        "chaos_app",
        "-m",
        "hydra/launcher=jetson",
        "hydra.launcher.job_resources=chaos_app.needs",
        "hydra.launcher.sweep_report=brainjar_sweep.sweep.launch_hooks.SweepFiles",
        "hydra.launcher.progress=rich",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        *args,
    ]
    return " ".join(shlex.quote(a) for a in argv)


def _wait(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + SAFETY_S
    while not condition():
        assert time.monotonic() < deadline, f"waited {SAFETY_S} s for {what}"
        time.sleep(0.2)


class Pane:
    """A detached tmux session running one command, ``width`` columns wide."""

    def __init__(self, tmp_path: Path, command: str, width: int) -> None:
        self.name = f"brainjar-{uuid.uuid4().hex[:8]}"
        self.marker = tmp_path / "ended"
        path = f"{APPS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
        # the shell outlives a Ctrl-C of the sweep (a trap; the sweep itself gets the default
        # handling), to write the marker
        script = (
            "trap true INT; "
            f"cd {shlex.quote(str(tmp_path))} && PYTHONPATH={shlex.quote(path)} {command}; "
            f"echo $? > {self.marker}; sleep {SAFETY_S}"
        )
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", "50", script],
            check=True,
        )

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def ended(self) -> int:
        _wait(lambda: self.marker.is_file() and self.marker.read_text().strip() != "", "the end")
        return int(self.marker.read_text())

    def text(self) -> list[str]:
        out = subprocess.run(
            ["tmux", "capture-pane", "-p", "-J", "-S", "-200", "-t", self.name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return [line.rstrip() for line in out.splitlines()]

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def pane() -> Iterator[Callable[..., Pane]]:
    made: list[Pane] = []

    def make(*args: object) -> Pane:
        made.append(Pane(*args))  # type: ignore[arg-type]
        return made[-1]

    yield make
    for p in made:
        p.close()


def _progress_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if " done" in line and " run" in line]


@pytest.mark.parametrize("width", [80, 150])
def test_the_live_display_fits_the_terminal_and_the_log_stays_above_it(
    tmp_path: Path, pane: Callable[..., Pane], width: int
) -> None:
    p = pane(tmp_path, _sweep_command(tmp_path, "x=range(0,3)", "fail_on=1"), width)
    assert p.ended() == 1  # a job failed: Hydra's basic sweeper fails the command
    lines = p.text()
    shown = _progress_lines(lines)
    assert shown, "\n".join(lines)
    last = shown[-1]
    assert "3/3 done" in last and "0 run" in last and "1 failed" in last, last
    # each job's log line is a line of its own, never spliced into the display
    for n in range(3):
        started = [line for line in lines if f"#{n} : x={n}" in line]
        assert started and all(" done" not in line for line in started), "\n".join(lines)
    # the captured lines were joined back (-J): a display line that wrapped would be longer
    assert all(len(line) <= width for line in shown), shown


def test_after_ctrl_c_the_display_shows_no_job_running(
    tmp_path: Path, pane: Callable[..., Pane]
) -> None:
    command = _sweep_command(
        tmp_path,
        "x=0,1,2",
        "hang_on=0",
        "hydra.launcher.max_parallel=1",
        "hydra.launcher.stop_grace_s=60",
    )
    p = pane(tmp_path, command, 80)
    table = tmp_path / "sweep" / "sweep_table.csv"
    _wait(lambda: table.is_file() and ",running," in table.read_text(), "job #0 to run")
    p.keys("C-c")
    assert p.ended() != 0
    lines = p.text()
    last = _progress_lines(lines)[-1]
    assert "0 run" in last and "1 interrupted" in last, "\n".join(lines)


@pytest.mark.parametrize("mode", ["batch", "async"])
def test_a_study_keeps_one_display_across_its_batches(
    tmp_path: Path, pane: Callable[..., Pane], mode: str
) -> None:
    """An Optuna study in batches of 2 (or asked slot by slot): one display counts all 6
    trials (it does not start again at each batch), the launcher's banner is said once, and
    the study's line under the bar shows the best trial so far with its values rounded."""
    pytest.importorskip(
        "optuna", reason='needs the [optuna] extra: pip install "brainjar-sweep[optuna]"'
    )
    command = _sweep_command(
        tmp_path,
        "hydra/sweeper=brainjar_optuna",
        "hydra.sweeper.validator=null",
        "hydra.sweeper.objective=[square / 3]",
        "hydra.sweeper.n_trials=6",
        "hydra.sweeper.n_jobs=2",
        f"hydra.sweeper.mode={mode}",
        "hydra.sweeper.seed=0",
        "hydra.launcher.max_parallel=2",
        "x=range(1,10)",
    )
    p = pane(tmp_path, command, 80)
    assert p.ended() == 0
    lines = p.text()
    screen = "\n".join(lines)
    shown = _progress_lines(lines)
    # one display for the study: every state of it left on the screen counts against the
    # study's 6 trials and never goes back (a display per batch would have left a "2/2 done"
    # line per batch), and the last one says all 6 are done
    assert shown and all("/6 done" in line for line in shown), screen
    counts = [int(line.split("/6 done")[0].split()[-1]) for line in shown]
    assert counts == sorted(counts) and counts[-1] == 6, screen
    assert "0 run" in shown[-1], screen
    assert sum("admission:" in line for line in lines) == 1, screen
    # the trials' lines are above the display, each counted against the study's total
    told = [line for line in lines if line.startswith("[") and "] trial #" in line]
    assert [line.split("]")[0] for line in told] == [f"[{k}/6" for k in range(1, 7)], screen
    study = [line for line in lines if line.startswith("study: 6/6 trials told")]
    assert study and " | 0 pruned, 0 failed | best " in study[-1], screen
    best = study[-1].split("best ", 1)[1]
    value = best.split(" ", 1)[0]
    assert len(value.replace(".", "").lstrip("0")) <= 4, best  # rounded, not 17 digits
    assert all(len(line) <= 80 for line in shown + study), screen
