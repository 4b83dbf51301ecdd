"""The fast per-job composition equals Hydra's own load_sweep_config, job by job."""

from __future__ import annotations

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import OmegaConf

from brainjar_sweep.config import conf_dir
from brainjar_sweep.sweep.compose import JobComposer

# Hydra's own fixture: put its global state back after each test
pytestmark = pytest.mark.usefixtures("hydra_restore_singletons")

JOBS = [
    ["corruption_rate=0.5", "max_cycles=10"],
    ["mode=split_brain", "mode.claim_strength_b=0.6", "seed=3"],
    ["resources=orin_nano_8gb", "resources.ram_limit_gb=3"],
    ["interventions=periodic_corruption", "interventions.0.trigger_params.n=5"],
    ["+tags=[a,b]", "self_report.every_n_cycles=2", "hydra.job.chdir=false"],
    ["mode=hive_cluster", "mode.num_instances=3", "interventions=all_triggers"],
]


@pytest.mark.parametrize("job", JOBS, ids=[" ".join(j) for j in JOBS])
def test_fast_composition_equals_load_sweep_config(job: list[str]) -> None:
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration(
            "config", overrides=["seed=1"], run_mode=RunMode.MULTIRUN
        )
        composer = JobComposer(loader, master)
        fast = composer.compose(job)
        slow = loader.load_sweep_config(master_config=master, sweep_overrides=job)
        a = OmegaConf.to_container(fast, resolve=False)
        b = OmegaConf.to_container(slow, resolve=False)
        assert a == b
        assert OmegaConf.is_struct(fast) == OmegaConf.is_struct(slow)
        # the cached base is not modified by a job's overrides
        again = composer.compose(["seed=1"])
        assert again.seed == 1


def test_bad_value_override_fails_like_hydra() -> None:
    from hydra.errors import ConfigCompositionException

    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", overrides=[], run_mode=RunMode.MULTIRUN)
        composer = JobComposer(loader, master)
        with pytest.raises(ConfigCompositionException):
            composer.compose(["nope=1"])
        with pytest.raises(ConfigCompositionException):
            composer.compose(["max_cycles=abc"])
