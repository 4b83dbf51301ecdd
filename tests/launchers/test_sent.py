"""A job's ``JobReturn`` as its process sends it back (``_sent``): Hydra's in every way, its
configs unpickled only when read."""

from __future__ import annotations

import dataclasses
import pickle

from hydra.core.utils import JobReturn, JobStatus
from hydra_plugins.brainjar_jetson_launcher._sent import SentJobReturn, dumps
from omegaconf import OmegaConf


def _job_return() -> JobReturn:
    ret = JobReturn(
        overrides=["x=1"],
        cfg=OmegaConf.create({"x": 1, "y": "${x}"}),
        hydra_cfg=OmegaConf.create({"hydra": {"job": {"num": 3}}}),
        working_dir="/w",
        task_name="t",
        status=JobStatus.COMPLETED,
        _return_value={"v": 1},
    )
    ret.worker_traceback = "tb"  # anything else set on it travels too
    return ret


def test_a_sent_job_return_reads_its_configs_only_when_asked() -> None:
    ret = _job_return()
    back = pickle.loads(dumps(SentJobReturn.of(ret)))
    assert isinstance(back, JobReturn)
    fields = (back.overrides, back.working_dir, back.task_name, back.status, back.return_value)
    assert fields == (["x=1"], "/w", "t", JobStatus.COMPLETED, {"v": 1})
    assert back.worker_traceback == "tb"
    assert "_read_configs" not in back.__dict__  # nothing above read the configs
    assert back.cfg == ret.cfg and back.cfg.y == 1
    assert back.hydra_cfg == ret.hydra_cfg
    assert "_read_configs" in back.__dict__


def test_a_sent_job_return_behaves_as_hydras_once_read() -> None:
    ret = _job_return()
    back = pickle.loads(dumps(SentJobReturn.of(ret)))
    back.cfg = OmegaConf.create({"x": 2})  # set before the configs were ever read
    assert back.cfg.x == 2 and back.hydra_cfg == ret.hydra_cfg
    again = pickle.loads(pickle.dumps(back))  # read, then pickled again
    assert again.cfg.x == 2 and again.hydra_cfg == ret.hydra_cfg
    assert again == back  # two sent returns compare by their fields, as Hydra's do
    replaced = dataclasses.replace(again, task_name="u")
    assert (replaced.task_name, replaced.cfg.x, replaced.hydra_cfg) == ("u", 2, ret.hydra_cfg)
    made = SentJobReturn(overrides=["z=1"], cfg=OmegaConf.create({"z": 1}))
    assert made.cfg.z == 1 and made.hydra_cfg is None and made.status == JobStatus.UNKNOWN
