"""The fast per-job composition equals Hydra's own load_sweep_config, job by job."""

from __future__ import annotations

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode
from omegaconf import OmegaConf, open_dict

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


# value overrides that reach every kind of node: a leaf, a nested leaf, an interpolation's
# target, a list item, a key added to a dict, a nested key deleted, an interpolation as a value
PLAN_JOBS = [
    *JOBS,
    ["seed=7"],
    ["corruption_rate=0.9"],  # mode.corruption_rate is ${corruption_rate}: resolved per job
    ["max_cycles=${seed}", "seed=4"],
    ["mode=memory_corruption", "mode.corruption_rate=0.2"],
    ["+description_extra=1"],  # a new top-level key: the full path
    ["~tags"],  # a deleted top-level key: the full path
    ["+mind.extra_field=1"],
    ["interventions=periodic_corruption", "~interventions.0.trigger_params.n"],
    # appended and forced keys (+key=, ++key=) and deletions (~key), at the top and below
    ["++seed=5"],  # forced over a key that exists
    ["++new_top=2", "seed=3"],  # forced, the key new: added like +key=
    ["+new_a=1", "+new_b=${seed}"],  # new keys, one an interpolation of an existing one
    ["+extra.nested=[1,2]"],  # a new top-level dict
    ["+new_a=1", "~new_a"],  # added, then deleted again
    ["~mode.claim_strength"],  # a nested key deleted
    ["~seed"],  # a top-level key deleted
    ["+seed=1"],  # appending a key that exists: Hydra's error
    ["~nope"],  # deleting a key that does not exist: Hydra's error
]


def _experiment_of(cfg) -> dict:
    return {
        str(k): (
            OmegaConf.to_container(cfg[k], resolve=True) if OmegaConf.is_config(cfg[k]) else cfg[k]
        )
        for k in cfg
        if k != "hydra"
    }


def test_a_job_s_experiment_equals_its_resolved_hydra_config_in_any_order() -> None:
    """JobComposer.experiment gives what resolving Hydra's own job config gives, for every
    job, whatever came before it (the group's config is put back after each job)."""
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", overrides=[], run_mode=RunMode.MULTIRUN)
        composer = JobComposer(loader, master)
        checked = 0
        for job in [*PLAN_JOBS, *reversed(PLAN_JOBS), *PLAN_JOBS]:
            try:
                slow = loader.load_sweep_config(master_config=master, sweep_overrides=job)
            except Exception as e:  # noqa: BLE001 - then the fast path must refuse it too
                with pytest.raises(type(e)):
                    composer.experiment(job)
                continue
            fast = composer.experiment(job)
            assert fast == _experiment_of(slow), job
            assert list(fast) == [k for k in slow if k != "hydra"], job
            checked += 1
        assert checked >= 2 * len(JOBS)
        # each job's dict is its own: changing one leaves the next untouched
        a = composer.experiment(["seed=1"])
        a["mode"]["name"] = "changed"
        a["resources"]["context_window"] = -1
        assert composer.experiment(["seed=1"])["mode"]["name"] == "unstable_memory"
        assert composer.experiment(["seed=1"])["resources"]["context_window"] > 0


def test_a_job_s_experiment_fails_as_its_composition_does() -> None:
    from hydra.errors import ConfigCompositionException

    from brainjar_sweep.config import validate_job
    from brainjar_sweep.config.errors import ConfigError

    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", overrides=[], run_mode=RunMode.MULTIRUN)
        composer = JobComposer(loader, master)
        for bad in (["nope=1"], ["max_cycles=abc"], ["mode.nope=1"]):
            with pytest.raises(ConfigCompositionException):
                composer.experiment(bad)
        with pytest.raises(ConfigError, match=r"max_cycles='\$\{nope\}'.*interpolation"):
            composer.experiment(["max_cycles=${nope}"])
        with pytest.raises(ConfigError, match="max_cycles=0"):
            validate_job(composer.experiment(["max_cycles=0"]))
        # nothing of the failed jobs stayed in the group's config
        assert composer.experiment([]) == _experiment_of(
            loader.load_sweep_config(master_config=master, sweep_overrides=[])
        )


def test_a_job_composed_with_its_number_is_numbered_as_the_sweeper_numbers_it() -> None:
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", overrides=[], run_mode=RunMode.MULTIRUN)
        cfg = JobComposer(loader, master).compose(["seed=2"], num=5)
        assert (cfg.hydra.job.num, cfg.hydra.job.id) == (5, "brainjar_5")


# a plain Hydra app with no config file: every key comes from an append override
PLAIN_JOBS = [
    ["+x=1"],
    ["++x=2"],
    ["+x=${y}", "+y=3"],
    ["+x.a=1", "+x.b=[1,2]"],
    ["+x=1", "~x"],
    ["x=1"],  # not appended: Hydra's error (no such key)
    ["~x"],  # nothing to delete: Hydra's error
    [],
]


def test_append_overrides_of_an_app_with_no_config_file_compose_as_hydra_composes_them() -> None:
    """``+key=``, ``++key=`` and ``~key`` on an app without a config file: the fast
    composition and the job's experiment equal Hydra's, and nothing a job added stays in the
    group's config for the next job."""
    from hydra import initialize

    with initialize(version_base="1.3", config_path=None):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration(None, overrides=[], run_mode=RunMode.MULTIRUN)
        composer = JobComposer(loader, master)
        checked = 0
        for job in [*PLAIN_JOBS, *reversed(PLAIN_JOBS)]:
            try:
                slow = loader.load_sweep_config(master_config=master, sweep_overrides=job)
            except Exception as e:  # noqa: BLE001 - then the fast paths must refuse it too
                with pytest.raises(type(e)):
                    composer.compose(job)
                with pytest.raises(type(e)):
                    composer.experiment(job)
                continue
            fast = composer.compose(job)
            assert OmegaConf.to_container(fast, resolve=False) == OmegaConf.to_container(
                slow, resolve=False
            ), job
            assert composer.experiment(job) == _experiment_of(slow), job
            checked += 1
        assert checked == 2 * 6
        assert composer.experiment([]) == {}


def test_a_sweep_s_job_configs_are_composed_when_read_and_kept_only_while_held() -> None:
    from brainjar_sweep.sweep.compose import JobConfigs

    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", overrides=[], run_mode=RunMode.MULTIRUN)
        composer = JobComposer(loader, master)
        jobs = [["seed=1"], ["seed=2", "mode=split_brain"], ["+tags=[a]"]]
        cfgs = JobConfigs(composer, jobs, [10, 11, 12])
        assert len(cfgs) == 3
        for i, job in enumerate(jobs):
            want = OmegaConf.to_container(composer.compose(job, num=10 + i), resolve=False)
            assert OmegaConf.to_container(cfgs[i], resolve=False) == want
        assert cfgs[-1].hydra.job.num == 12
        assert cfgs[0] is not cfgs[0]  # composed afresh at each read: nothing kept
        held = cfgs.hold(1)
        assert cfgs[1] is held and cfgs.hold(1) is held
        cfgs.release(1)
        assert cfgs[1] is not held
        only = cfgs.only([2, 0])
        assert [c.hydra.job.num for c in only] == [12, 10]
        cfgs.append(["seed=9"], 13)
        assert (len(cfgs), cfgs[3].seed, cfgs[3].hydra.job.id) == (4, 9, "brainjar_13")
        with pytest.raises(IndexError):
            cfgs[4]


def test_composers_of_one_sweep_share_each_composition_and_no_job_s_overrides() -> None:
    """The sweeper's and the launcher's composers of one sweep compose each group once; a
    job composed by one after the other planned and composed jobs is still Hydra's config, and
    a composer of another sweep config composes its own."""
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration("config", overrides=[], run_mode=RunMode.MULTIRUN)
        plan, launch = JobComposer(loader, master), JobComposer(loader, master)
        for job in JOBS:
            plan.experiment([o for o in job if not o.startswith("+")])
            plan.compose(job)
        assert launch._groups is plan._groups and len(launch._groups) == len(JOBS)
        for job in reversed(JOBS):
            fast = OmegaConf.to_container(launch.compose(job), resolve=False)
            slow = loader.load_sweep_config(master_config=master, sweep_overrides=job)
            assert fast == OmegaConf.to_container(slow, resolve=False), job
        other_master = loader.load_configuration(
            "config", overrides=["hydra.job.chdir=true"], run_mode=RunMode.MULTIRUN
        )
        other = JobComposer(loader, other_master)
        assert other._groups is not plan._groups
        assert other.compose([]).hydra.job.chdir is True
        assert launch.compose([]).hydra.job.chdir is None
        # the sweep moved to another dir (as a sweep started beside another does): the
        # launcher's composer, made afterwards, composes the new dir
        plan = JobComposer(loader, master)
        plan.compose([])
        with open_dict(master):
            master.hydra.overrides.hydra = [*master.hydra.overrides.hydra, "hydra.sweep.dir=moved"]
        moved = JobComposer(loader, master)
        assert moved._groups is not plan._groups
        assert moved.compose([]).hydra.sweep.dir == "moved"
        assert plan.compose([]).hydra.sweep.dir != "moved"
