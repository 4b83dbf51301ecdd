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
        # the cached base is not modified by a job's overrides: a job with none composed after
        # it is Hydra's plain config, not one that kept what this job changed
        after = OmegaConf.to_container(composer.compose([]), resolve=False)
        plain = loader.load_sweep_config(master_config=master, sweep_overrides=[])
        assert after == OmegaConf.to_container(plain, resolve=False)
        assert after != a


def test_one_composer_for_a_whole_sweep_keeps_no_job_s_overrides() -> None:
    """Each job composed after the others equals its own fresh composition."""
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", overrides=[], run_mode=RunMode.MULTIRUN)
        composer = JobComposer(loader, master)
        for job in [*JOBS, *reversed(JOBS)]:
            fast = OmegaConf.to_container(composer.compose(job), resolve=False)
            slow = loader.load_sweep_config(master_config=master, sweep_overrides=job)
            assert fast == OmegaConf.to_container(slow, resolve=False), job


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
