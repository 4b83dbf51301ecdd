"""What the jetson launcher asks the brainjar app: its hooks (named in ``conf/hydra/launcher/brainjar.yaml``).

The launcher knows Hydra, not this app: every fact about an experiment reaches it through
one of these functions, named by dotted path in ``hydra.launcher.<hook>``
(docs/launcher.md#hooks). With ``job_resources`` (``sweep/resources.py``) and ``job_end``
(``sweep/job_end.py``), they are:

- :func:`job_placement`: the device kind a job's resources profile names;
- :func:`preflight`: a SQLite database refused when jobs run on other machines;
- :func:`job_identity`: a job that runs on another machine keeps its sweep's id;
- :func:`job_before` / :func:`job_left`: ``result.json``, the record an experiment leaves;
- :func:`job_files`: a job's files back from a Ray node, with the node in its ``result.json``;
- :class:`SweepFiles`: the sweep files (``sweep/files.py``), rewritten as jobs start and end.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from brainjar_sweep.records import (
    RESULT_NAME,
    JobRecord,
    ResultUnreadable,
    SweepFilesWriter,
    encode_result,
    load_records,
    parse_result,
    read_result,
    record_from_result,
    result_path,
    sweep_id_for,
)
from brainjar_sweep.sweep.job_end import DEAD_OWNER


def job_placement(cfg: DictConfig) -> tuple[str, str] | None:
    """The device kind a job's resources profile names (a Ray custom resource), and its key.

    >>> job_placement(OmegaConf.create({"resources": {"device": "orin_agx"}}))
    ('orin_agx', 'resources.device')
    >>> job_placement(OmegaConf.create({})) is None
    True
    """
    value = OmegaConf.select(cfg, "resources.device", default=None)
    return (str(value), "resources.device") if value else None


def _sqlite(cfg: DictConfig) -> str | None:
    """The job's database if it is a SQLite file (a db.path or a sqlite: URL), else None.

    >>> _sqlite(OmegaConf.create({"db": {"url": "postgresql://h/db"}})) is None
    True
    >>> _sqlite(OmegaConf.create({}))
    'logs/experiments.db'
    """
    url = OmegaConf.select(cfg, "db.url", default=None)
    if url:
        return str(url) if str(url).startswith("sqlite") else None
    return str(OmegaConf.select(cfg, "db.path", default="logs/experiments.db"))


def preflight(cfgs: Sequence[DictConfig], hosts: Sequence[str]) -> None:
    """Refuse a SQLite database when jobs run on other machines ``hosts`` (each would write its own).

    >>> preflight([OmegaConf.create({"db": {"url": "postgresql://h/db"}})], ["10.0.0.5"])
    >>> preflight([OmegaConf.create({})], ["10.0.0.5"])
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: db.url=None is not allowed: a postgresql:// URL when Ray nodes run on other machines (10.0.0.5): the SQLite file logs/experiments.db exists on one machine only
    """
    from brainjar_sweep.config.errors import ConfigError

    if not cfgs or not hosts:
        return
    db = _sqlite(cfgs[0])
    if db is not None:
        raise ConfigError(
            "db.url",
            OmegaConf.select(cfgs[0], "db.url", default=None),
            "a postgresql:// URL when Ray nodes run on other machines "
            f"({', '.join(hosts)}): the SQLite file {db} exists on one machine only",
        )


def job_identity(cfg: DictConfig, sweep_dir: Path) -> None:
    """A job that runs elsewhere keeps the id of its sweep, named after ``sweep_dir``.

    >>> cfg = OmegaConf.create({"sweep_id": None})
    >>> job_identity(cfg, Path("/data/multirun/2026-01-02/03-04-05")); cfg.sweep_id
    '2026-01-02_03-04-05'
    """
    if "sweep_id" in cfg and not cfg.sweep_id:
        with open_dict(cfg):
            cfg.sweep_id = sweep_id_for(sweep_dir)


def _read(job_dir: Path) -> dict[str, Any]:
    try:
        return read_result(job_dir)
    except (OSError, ResultUnreadable):
        return {}


def job_before(cfg: DictConfig, job_dir: Path) -> None:
    """Before an attempt: an earlier attempt's unfinished ``result.json`` goes, so that the one
    found after the job ends is this attempt's.

    >>> job_before(OmegaConf.create({}), Path("/nonexistent"))
    """
    if _read(Path(job_dir)).get("status") not in (None, "completed"):
        result_path(job_dir).unlink(missing_ok=True)


def job_left(cfg: DictConfig, job_dir: Path) -> dict[str, Any] | None:
    """The return value of an experiment whose ``result.json`` says completed, else None.

    >>> job_left(OmegaConf.create({}), Path("/nonexistent")) is None
    True
    """
    body = _read(Path(job_dir))
    if body.get("status") != "completed":
        return None
    metrics = body.get("metrics") if isinstance(body.get("metrics"), dict) else {}
    scalars = {k: v for k, v in metrics.items() if isinstance(v, (int, float, str, type(None)))}
    return {"status": "completed", "experiment_id": body.get("experiment_id"), **scalars}


def job_files(files: dict[str, bytes], node: dict[str, Any]) -> dict[str, bytes]:
    """A job's files from a Ray node: its ``result.json`` names the node, and comes last
    (it marks the job done).

    >>> done = b'{"status": "completed", "experiment_id": "e"}'
    >>> out = job_files({"result.json": done, "a.log": b""}, {"ip": "10.0.0.5"})
    >>> list(out), parse_result(out["result.json"])["node"]
    (['a.log', 'result.json'], {'ip': '10.0.0.5'})
    """
    out = {k: v for k, v in files.items() if k != RESULT_NAME}
    if RESULT_NAME in files:
        try:
            body = parse_result(files[RESULT_NAME])
        except ResultUnreadable:  # passed on as it is: the launching side reports it
            out[RESULT_NAME] = files[RESULT_NAME]
        else:
            out[RESULT_NAME] = encode_result({**body, "node": node})
    return out


class SweepFiles:
    """The sweep files of one sweep, rewritten as its launcher reports its jobs: at most once
    every ``min_interval_s`` seconds (:class:`~brainjar_sweep.records.SweepFilesWriter`), and
    whole on :meth:`flush`, which the launcher calls when its launch ends, however it ends.

    They list every job of the sweep once: the sweeper's plan names them all, and on resume
    the earlier run's records are read back (jobs that completed earlier are taken from their
    own ``result.json``; what a dead owner left running was interrupted).
    """

    def __init__(
        self, sweep_dir: Path, config: DictConfig, plan: Any = None, min_interval_s: float = 2.0
    ) -> None:
        self.sweep_dir = Path(sweep_dir)
        self.sweep_id = sweep_id_for(sweep_dir, OmegaConf.select(config, "sweep_id", default=None))
        self.writer = SweepFilesWriter(self.sweep_dir, self.sweep_id, min_interval_s)
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._held = False  # a state not written yet (the throttle held it back)
        jobs: dict[int, list[str]] = dict(getattr(plan, "jobs", None) or {})
        self.book = {num: JobRecord(job_num=num, overrides=list(ov)) for num, ov in jobs.items()}
        if getattr(plan, "resume", False):
            self.book.update(load_records(self.sweep_dir, jobs))
            for rec in self.book.values():  # a dead owner's jobs (the sweeper settled them)
                if rec.status == "running":
                    rec.status, rec.reason = "interrupted", DEAD_OWNER
            for num, job_dir in (getattr(plan, "skipped", None) or {}).items():
                rec = record_from_result(num, jobs.get(num, []), job_dir)
                if rec is not None:
                    self.book[num] = rec

    def update(self, jobs: Sequence[Any]) -> None:
        """Take the state of the launcher's ``jobs`` (those whose state changed); the files
        follow (throttled: the whole list is built only when a write is due, so a job's event
        costs the same in a sweep of any size)."""
        for job in jobs:
            rec = JobRecord(job_num=job.num, overrides=list(job.overrides), memory_gb=job.memory_gb)
            rec.status, rec.reason, rec.node = job.status, job.reason, job.node
            rec.start_time, rec.end_time = job.start_time, job.end_time
            rec.duration_seconds = job.duration_seconds
            if job.status == "completed" and isinstance(job.value, dict):
                rec.metrics = {k: v for k, v in job.value.items() if k != "experiment_id"}
                rec.experiment_id = job.value.get("experiment_id")
            self.book[job.num] = rec
        with self._lock:
            if self.writer.due():
                self.writer.update(self._records())
                self._held = False
            else:
                self._held = True
                self._write_later()

    def _records(self) -> list[JobRecord]:
        return [self.book[k] for k in sorted(self.book)]

    def _write_held(self) -> None:
        """Write the state held back (the caller holds the lock)."""
        if self._held:
            self.writer.update(self._records())
            self._held = False
        self.writer.flush()

    def _write_later(self) -> None:
        """What the throttle held back is written once the interval is over, even if no job
        starts or ends by then (a stop waiting for a deaf job, a long job after short ones)."""
        if self._timer is None:
            self._timer = threading.Timer(self.writer.min_interval_s, self._due)
            self._timer.daemon = True
            self._timer.start()

    def _due(self) -> None:
        with self._lock:
            self._timer = None
            self._write_held()

    def flush(self) -> None:
        """Write what the throttle held back: the files then say every job's last state."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._write_held()
