"""The help texts say what the commands really do: subcommands, groups, sweep presets."""

from __future__ import annotations

from pathlib import Path

from _cli import cli, files, sweep_cli


def test_app_help_lists_groups_above_and_presets_apart(tmp_path: Path) -> None:
    proc = cli(tmp_path, "--help")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    groups_at = out.index("Config groups")
    assert "mode: amnesiac_loop" in out and "self_report: default" in out
    # sweep presets are not a group to pick with sweep=: they are added with + and run with -m
    assert "\nsweep:" not in out
    presets_at = out.index("+sweep=<preset>")
    assert "run it with -m" in out
    assert "memory_corruption, ram_limits" in out[presets_at:]
    knobs_at = out.index("Key knobs")
    assert groups_at < presets_at < knobs_at
    assert "(groups above)" in out and "below" not in out
    assert files(tmp_path) == []


def test_command_help_lists_subcommands_then_the_app(tmp_path: Path) -> None:
    proc = sweep_cli(tmp_path, "--help")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for line in ("brainjar-sweep [overrides]", "brainjar-sweep resume <sweep dir>"):
        assert line in out
    assert "brainjar-sweep convert <old sweep.yaml>" in out
    assert "brainjar-sweep watch <sweep dir>" in out
    assert out.index("brainjar-sweep resume") < out.index("Config groups")
    assert files(tmp_path) == []


def test_command_without_subcommand_still_runs_the_app(tmp_path: Path) -> None:
    proc = sweep_cli(tmp_path, "max_cycles=2")
    assert proc.returncode == 0, proc.stderr
    assert "completed: 2 cycles" in proc.stdout + proc.stderr
