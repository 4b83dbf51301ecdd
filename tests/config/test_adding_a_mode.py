"""A new mode is one module and one line in ``MODE_MODULES`` (docs/architecture.md, "Adding a
mode"), the same as every built-in one: written here into a temporary directory, it is composed,
validated by the rules its fields declare, refused where its declaration says so, and run by the
jar and by the app."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hydra.core.config_store import ConfigStore

import brainjar_sweep.modes as modes
from brainjar_sweep.config import ConfigError, _register, compose, resolve_experiment
from brainjar_sweep.jar import Jar
from brainjar_sweep.store import ExperimentStore

# the whole mode: its config block, its minds, an intervention parameter only it accepts,
# and the class that plays it
ECHO = '''
from dataclasses import dataclass

from brainjar_sweep.config.fields import int_min, rate, setting
from brainjar_sweep.modes import Mode, ModeConfig, ModeSpec


@dataclass
class EchoMode(ModeConfig):
    """Two minds hear each other's last words."""

    name: str = "echo"
    loudness: float = setting(0.5, help="share of the other's words heard", allowed=rate())
    rooms: int = setting(2, help="minds in the jar", allowed=int_min(2, 4))


class Echo(Mode):
    def setup(self, jar):
        for st in jar.states.values():
            st.extra["heard"] = 0

    def cue(self, jar, st):
        return f"Answer the voice you heard ({self.cfg.loudness:.0%} of it)."

    def after_generation(self, jar, st, msg):
        st.extra["heard"] += 1

    def observables(self, jar):
        return {"echoes": float(sum(s.extra["heard"] for s in jar.states.values()))}


MODE = ModeSpec(
    EchoMode,
    behaviour=Echo,
    minds=lambda p: [f"room_{i}" for i in range(p["rooms"])],
    interventions={"prompt_injection": {"echo_delay": int_min(0)}},
)
'''


@pytest.fixture
def echo_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The module written into ``tmp_path``, and its one line added to the list of modes."""
    (tmp_path / "toy_echo.py").write_text(ECHO)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(modes, "MODE_MODULES", (*modes.MODE_MODULES, "toy_echo"))
    _register.register()
    yield tmp_path
    monkeypatch.undo()
    ConfigStore.instance().repo["mode"].pop("echo.yaml", None)
    sys.modules.pop("toy_echo", None)


def test_every_built_in_mode_is_one_module() -> None:
    """Its declaration and the class that plays it live in the module the list names."""
    for path in modes.MODE_MODULES:
        module = importlib.import_module(path)
        spec = module.MODE
        assert spec.behaviour.__module__ == path, spec.name
        assert spec.config.__module__ == path, spec.name
        assert issubclass(spec.behaviour, modes.Mode)
        assert modes.mode_class(spec.name) is spec.behaviour


def _with_intervention(exp: dict, itype: str, **parameters: object) -> dict:
    iv = {"intervention_id": "x", "intervention_type": itype, "trigger": "on_crash"}
    return {**exp, "interventions": [{**iv, "parameters": parameters}]}


def test_a_new_mode_is_validated_from_its_declaration(echo_mode: Path) -> None:
    assert "echo" in modes.mode_specs() and "echo" in modes.multi_mind_modes()
    exp = resolve_experiment(compose(["mode=echo", "mode.rooms=3"]))
    assert modes.mind_ids(exp["mode"]) == ["room_0", "room_1", "room_2"]
    with pytest.raises(ConfigError) as e:
        resolve_experiment(compose(["mode=echo", "mode.loudness=2"]))
    assert str(e.value) == "mode.loudness=2.0 is not allowed: a number in [0, 1]"
    # its own intervention parameter is checked by its rule, and accepted in no other mode
    with pytest.raises(ConfigError) as e:
        resolve_experiment(_with_intervention(exp, "prompt_injection", echo_delay=-1))
    assert str(e.value) == (
        "interventions.0.parameters.echo_delay=-1 is not allowed: an integer >= 0"
    )
    resolve_experiment(_with_intervention(exp, "prompt_injection", echo_delay=2))
    other = resolve_experiment(compose(["mode=split_brain"]))
    with pytest.raises(ConfigError) as e:
        resolve_experiment(_with_intervention(other, "prompt_injection", echo_delay=2))
    assert str(e.value).endswith("is not allowed: only in mode echo")
    # several minds: a network between them can be disrupted
    resolve_experiment(_with_intervention(exp, "network_disruption"))


def test_a_new_mode_runs_in_the_jar(echo_mode: Path) -> None:
    exp = resolve_experiment(compose(["mode=echo", "max_cycles=4", "interventions=none"]))
    with ExperimentStore(echo_mode / "e.db") as store:
        res = Jar(exp, experiment_id="echo", store=store).run()
        assert res.status == "completed", res.error
        assert res.metrics["total_cycles"] == 4
        minds = {r["mind_id"] for r in store.rows("messages", "echo")}
    assert minds == {"room_0", "room_1"}


# the app, in a process of its own: the line is added to the list before the app starts
APP = """
import sys
sys.path.insert(0, sys.argv[1])
from brainjar_sweep import modes
from brainjar_sweep.config import _register
modes.MODE_MODULES = (*modes.MODE_MODULES, "toy_echo")
_register.register()
from brainjar_sweep.app import main
sys.argv = ["brainjar_sweep", *sys.argv[2:]]
sys.exit(main())
"""


def test_a_new_mode_runs_through_the_app(echo_mode: Path) -> None:
    run_dir = echo_mode / "run"
    args = ["mode=echo", "max_cycles=3", f"db.path={echo_mode / 'e.db'}"]
    proc = subprocess.run(
        [sys.executable, "-c", APP, str(echo_mode), *args, f"hydra.run.dir={run_dir}"],
        cwd=echo_mode,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((run_dir / "result.json").read_text())
    assert result["status"] == "completed"
    refused = subprocess.run(
        [sys.executable, "-c", APP, str(echo_mode), *args, "mode.rooms=9"],
        cwd=echo_mode,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "mode.rooms=9 is not allowed: an integer in [2, 4]" in refused.stderr
    # without its line in the list, the module alone is no mode
    unlisted = subprocess.run(
        [sys.executable, "-m", "brainjar_sweep", *args],
        cwd=echo_mode,
        capture_output=True,
        text=True,
    )
    assert unlisted.returncode != 0
    assert "mode='echo' is not allowed: one of" in unlisted.stderr
