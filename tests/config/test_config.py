"""The schema, validation, aliases and original-JSON base experiments."""

from __future__ import annotations

import json

import pytest
from _original import ORIGINAL
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf

from brainjar_sweep.config import (
    MODES,
    ConfigError,
    compose,
    resolve_experiment,
    rewrite_aliases,
)


def test_defaults_validate() -> None:
    exp = resolve_experiment(compose())
    assert exp["mode"]["name"] == "unstable_memory"
    assert exp["mode"]["corruption_rate"] == exp["corruption_rate"] == 0.3
    assert exp["mind"]["kind"] == "simulated"
    assert exp["resources"]["ram_limit_gb"] == 2.0


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_composes_with_its_own_block(mode: str) -> None:
    exp = resolve_experiment(compose([f"mode={mode}"]))
    assert exp["mode"]["name"] == mode


def test_short_key_reaches_the_mode() -> None:
    assert resolve_experiment(compose(["corruption_rate=0.9"]))["mode"]["corruption_rate"] == 0.9


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        (["corruption_rate=1.5"], "corruption_rate=1.5", "[0, 1]"),
        (["corruption_rate=-0.1"], "corruption_rate=-0.1", "[0, 1]"),
        (["max_cycles=0"], "max_cycles=0", ">= 1"),
        (["resources.ram_limit_gb=0"], "resources.ram_limit_gb=0", "> 0"),
        (["self_report.every_n_cycles=0"], "self_report.every_n_cycles=0", ">= 1"),
        (["seed=-3"], "seed=-3", ">= 0"),
        (["mind.generate_delay_s=-1"], "mind.generate_delay_s=-1", ">= 0"),
        (["mode=hive_cluster", "mode.num_instances=1"], "mode.num_instances=1", "[2, 16]"),
        (["mode=split_brain", "mode.claim_strength_b=2"], "mode.claim_strength_b=2", "[0, 1]"),
        (
            ["mode=prisoners_dilemma", "mode.player_a_memory_strategy=forget"],
            "mode.player_a_memory_strategy='forget'",
            "erase_betrayals",
        ),
        (
            ["interventions=corruption_on_crash", "interventions.0.intervention_type=zap"],
            "interventions.0.intervention_type='zap'",
            "memory_corruption",
        ),
        (
            ["interventions=corruption_on_crash", "interventions.0.trigger=sometimes"],
            "interventions.0.trigger='sometimes'",
            "on_resurrection",
        ),
        (
            ["interventions=corruption_on_crash", "+interventions.0.trigger_params.n=3"],
            "interventions.0.trigger_params.n=3",
            "trigger on_crash takes: none",
        ),
        (
            ["interventions=periodic_corruption", "interventions.0.trigger_params.n=0"],
            "interventions.0.trigger_params.n=0",
            ">= 1",
        ),
        (
            ["interventions=corruption_on_crash", "interventions.0.parameters.corruption_rate=7"],
            "interventions.0.parameters.corruption_rate=7",
            "[0, 1]",
        ),
        (
            ["interventions=corruption_on_crash", "+interventions.0.parameters.new_rate=0.5"],
            "interventions.0.parameters.new_rate=0.5",
            "memory_corruption takes",
        ),
    ],
)
def test_bad_values_name_key_value_and_allowed(
    overrides: list[str], key: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as info:
        resolve_experiment(compose(overrides))
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(key), msg
    assert fragment in msg


def test_network_disruption_needs_several_minds() -> None:
    base = [
        "interventions=corruption_on_crash",
        "interventions.0.intervention_type=network_disruption",
        "~interventions.0.parameters.corruption_rate",
    ]
    with pytest.raises(ConfigError, match="modes with several minds"):
        resolve_experiment(compose(base))
    assert resolve_experiment(compose([*base, "mode=split_brain"]))["interventions"][0]


def test_mode_specific_parameter_outside_its_mode() -> None:
    ov = [
        "interventions=corruption_on_crash",
        "interventions.0.intervention_type=resource_change",
        "~interventions.0.parameters.corruption_rate",
        "+interventions.0.parameters.new_rate=0.5",
    ]
    with pytest.raises(ConfigError, match="only in mode illusory_operator"):
        resolve_experiment(compose(ov))
    exp = resolve_experiment(compose([*ov, "mode=illusory_operator"]))
    assert exp["interventions"][0]["parameters"] == {"new_rate": 0.5}


def test_unknown_intervention_target() -> None:
    ov = ["interventions=corruption_on_crash", "interventions.0.target=C", "mode=split_brain"]
    with pytest.raises(ConfigError, match=r"interventions.0.target='C' .*one of A, B"):
        resolve_experiment(compose(ov))


def test_aliases_rewrite_original_paths() -> None:
    assert rewrite_aliases(["resource_constraints.ram_limit_gb=4"]) == ["resources.ram_limit_gb=4"]
    assert rewrite_aliases(["self_report_schedule.every_n_cycles=2,5"]) == [
        "self_report.every_n_cycles=2,5"
    ]
    assert rewrite_aliases(["custom_questions=[a]"]) == ["self_report.custom_questions=[a]"]
    exp = resolve_experiment(compose(["resource_constraints.ram_limit_gb=4"]))
    assert exp["resources"]["ram_limit_gb"] == 4.0


def test_original_interventions_path_works_natively() -> None:
    ov = ["interventions=corruption_on_crash", "interventions.0.parameters.corruption_rate=0.7"]
    assert (
        resolve_experiment(compose(ov))["interventions"][0]["parameters"]["corruption_rate"] == 0.7
    )
    ov = ["interventions=periodic_corruption", "interventions.0.trigger_params.n=5"]
    assert resolve_experiment(compose(ov))["interventions"][0]["trigger_params"]["n"] == 5


# the original project's unstable_memory_moderate.json (reference section 2.8)


def test_original_json_as_base_experiment(tmp_path) -> None:
    path = tmp_path / "unstable_memory_moderate.json"
    path.write_text(json.dumps(ORIGINAL))
    overrides = [
        f"base_experiment={path}",
        "max_cycles=5",
        "interventions.0.parameters.corruption_rate=0.8",
    ]
    exp = resolve_experiment(compose(overrides))
    assert exp["mode"]["name"] == "unstable_memory"
    assert exp["max_cycles"] == 5  # the command line wins over the JSON
    assert exp["experiment_id"] == "unstable_memory_moderate_001"
    iv = exp["interventions"][0]
    assert (iv["intervention_type"], iv["trigger"]) == ("memory_corruption", "on_crash")
    assert iv["parameters"]["corruption_rate"] == 0.8
    assert exp["self_report"]["every_n_cycles"] == 3
    assert exp["epistemic_frame"]["custom_beliefs"] == {"has_unreliable_memory": True}


def test_original_json_other_mode_and_bad_files(tmp_path) -> None:
    doc = dict(ORIGINAL, mode="amnesiac_loop", interventions=[])
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    assert (
        resolve_experiment(compose([f"base_experiment={path}"]))["mode"]["name"] == "amnesiac_loop"
    )
    with pytest.raises(ConfigError, match="base_experiment=.*existing JSON file"):
        resolve_experiment(compose([f"base_experiment={tmp_path / 'missing.json'}"]))
    (tmp_path / "bad.json").write_text(json.dumps({"mode": "unstable_memory", "hive": 1}))
    with pytest.raises(ConfigError, match="base_experiment.hive"):
        resolve_experiment(compose([f"base_experiment={tmp_path / 'bad.json'}"]))


def test_composed_config_is_strict() -> None:
    cfg = compose()
    assert OmegaConf.is_struct(cfg)
    with pytest.raises(ConfigCompositionException, match="nonexistent_key"):
        compose(["nonexistent_key=1"])
