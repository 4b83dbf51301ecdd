"""Durations predicted before a job starts, learnt from a real experiments database."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from brainjar_sweep.config import compose, resolve_experiment
from brainjar_sweep.records import JobRecord, write_sweep_files
from brainjar_sweep.store import ExperimentStore
from brainjar_sweep.sweep.durations import (
    STARTUP_SECONDS,
    check_predictions,
    estimate_seconds,
    job_facts,
    model_for,
    predict_seconds,
)

HOST = "localhost"


def _run(
    store: ExperimentStore,
    eid: str,
    overrides: list[str],
    seconds: float | list[tuple[str, float]],
    *,
    sweep_id: str = "old",
    job_num: int = 0,
) -> dict[str, Any]:
    """An experiment of ``overrides`` that ran for ``seconds`` (or attempts (status, s))."""
    exp = resolve_experiment(compose(overrides))
    facts = job_facts(exp)
    store.create_experiment(
        experiment_id=eid,
        name="jar",
        mode=exp["mode"]["name"],
        config=exp,
        config_hash=eid,
        sweep_id=sweep_id,
        job_num=job_num,
        seed=exp["seed"],
    )
    attempts = [("completed", seconds)] if isinstance(seconds, float) else seconds
    for status, secs in attempts:
        attempt = store.start_attempt(eid, hostname=HOST, pid=os.getpid())
        store.finish_attempt(
            eid,
            attempt,
            status=status,
            summary={
                "duration_seconds": secs,
                "total_cycles": facts.cycles,
                "total_self_reports": facts.self_reports,
            },
        )
    return exp


def test_the_fit_learns_cost_per_cycle_context_and_self_reports(tmp_path: Path) -> None:
    """Runs made with known costs: 0.01 s per cycle, 0.002 s more per cycle and K tokens of
    context, 0.05 s per self-report. A job of an unseen size is predicted from them."""

    def cost(cycles: int, ctx: int, every: int) -> float:
        facts = job_facts(
            resolve_experiment(
                compose(
                    [
                        f"max_cycles={cycles}",
                        f"resources.context_window={ctx}",
                        f"self_report.every_n_cycles={every}",
                    ]
                )
            )
        )
        return 0.01 * cycles + 0.002 * cycles * ctx / 1000 + 0.05 * facts.self_reports

    url = f"sqlite:///{tmp_path / 'x.db'}"
    shapes = [(100, 1024, 3), (200, 1024, 5), (100, 4096, 2), (300, 2048, 10), (50, 8192, 1)]
    with ExperimentStore(url) as store:
        for i, (c, ctx, every) in enumerate(shapes):
            _run(
                store,
                f"e{i}",
                [
                    f"max_cycles={c}",
                    f"resources.context_window={ctx}",
                    f"self_report.every_n_cycles={every}",
                ],
                cost(c, ctx, every),
            )
    job = ["max_cycles=1000", "resources.context_window=16384", "self_report.every_n_cycles=7"]
    cfg = compose([*job, f"db.url={url}"])
    assert predict_seconds(cfg) == pytest.approx(STARTUP_SECONDS + cost(1000, 16384, 7), rel=1e-3)
    # the plain experiment (what a sweeper plans with) is predicted the same
    assert predict_seconds(resolve_experiment(cfg)) == pytest.approx(predict_seconds(cfg))
    # another mode, same mind: learnt from the mind kind across modes
    other = compose(["mode=amnesiac_loop", "max_cycles=100", f"db.url={url}"])
    assert predict_seconds(other) is not None


def test_nothing_of_its_kind_means_no_prediction_and_the_dry_run_s_default(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    cfg = compose(["max_cycles=100", f"db.url={url}"])
    assert predict_seconds(cfg) is None  # no database yet
    with ExperimentStore(url) as store:
        _run(store, "e0", ["max_cycles=10"], 1.0)
    assert predict_seconds(cfg) == pytest.approx(STARTUP_SECONDS + 10.0)  # 0.1 s per cycle
    llama = {**resolve_experiment(cfg), "mind": {"kind": "llama_cpp", "model_path": "m.gguf"}}
    assert predict_seconds(llama) is None
    assert estimate_seconds(llama) == pytest.approx(STARTUP_SECONDS + 100 * 1.0)


def test_a_job_run_again_learns_from_its_own_attempts(tmp_path: Path) -> None:
    """Attempts' seconds are what the store measured; each attempt here lasts at least
    0.3 s, far more than the history's 0.001 s for the same experiment."""
    import time

    from omegaconf import open_dict

    from brainjar_sweep.store.reader import sweep_attempt_seconds

    url = f"sqlite:///{tmp_path / 'x.db'}"
    with ExperimentStore(url) as store:
        _run(store, "e0", ["max_cycles=100"], 0.001)
        for eid, statuses in (
            ("sw_exp0003", ["failed", "failed"]),
            ("sw_exp0004", ["failed", "completed"]),
        ):
            _run(store, eid, ["max_cycles=100"], [], sweep_id="sw", job_num=int(eid[-1]))
            for status in statuses:
                attempt = store.start_attempt(eid, hostname=HOST, pid=os.getpid())
                time.sleep(0.3)
                store.finish_attempt(eid, attempt, status=status)
    cfg = compose(["max_cycles=100", f"db.url={url}", "sweep_id=sw"], return_hydra_config=True)
    with open_dict(cfg):
        cfg.hydra.job.num = 3
        cfg.hydra.sweep.dir = str(tmp_path / "sw")
    failed = sweep_attempt_seconds(url, "sw")["sw_exp0003"]
    assert [s for s, _ in failed] == ["failed", "failed"] and min(d for _, d in failed) >= 0.3
    # failed twice: it takes at least as long as its longest attempt
    assert predict_seconds(cfg) == pytest.approx(STARTUP_SECONDS + max(d for _, d in failed))
    with open_dict(cfg):
        cfg.hydra.job.num = 4
    # completed once: that attempt is its best guess
    ((_, _), (_, completed)) = sweep_attempt_seconds(url, "sw")["sw_exp0004"]
    assert predict_seconds(cfg) == pytest.approx(STARTUP_SECONDS + completed)
    # job 5 never ran: the history alone
    with open_dict(cfg):
        cfg.hydra.job.num = 5
    assert predict_seconds(cfg) == pytest.approx(STARTUP_SECONDS + 0.001)


def test_a_finished_sweep_s_predictions_against_what_its_jobs_took(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    sweep_dir = tmp_path / "sw"
    sweep_dir.mkdir()
    with ExperimentStore(url) as store:
        _run(store, "old0", ["max_cycles=100"], 10.0)  # history: 0.1 s per cycle
        records = []
        for num, (cycles, took) in enumerate([(100, 12.0), (200, 18.0), (300, 36.0)]):
            eid = f"sw_exp{num:04d}"
            _run(store, eid, [f"max_cycles={cycles}"], took - 1.0, sweep_id="sw", job_num=num)
            records.append(
                JobRecord(
                    num,
                    [f"max_cycles={cycles}"],
                    status="completed",
                    experiment_id=eid,
                    duration_seconds=took,
                )
            )
    write_sweep_files(sweep_dir, "sw", records)
    check = check_predictions(sweep_dir, url)
    # learnt from the history alone (not the sweep's own runs): 10, 20 and 30 s plus start-up
    assert [(n, round(p - STARTUP_SECONDS, 6), a) for n, p, a in check.jobs] == [
        (0, 10.0, 12.0),
        (1, 20.0, 18.0),
        (2, 30.0, 36.0),
    ]
    assert check.actual == 66.0
    assert check.predicted == pytest.approx(60.0 + 3 * STARTUP_SECONDS)
    text = str(check)
    assert (
        text.startswith("predicted ~1m 01s of jobs, took ~1m 06s (3 jobs") or "predicted 1m" in text
    )
    assert "3 jobs" in text and "at the median" in text
    # the model the sweep's own runs are left out of is another than the whole database's
    assert model_for(url, exclude_sweep="sw").runs != model_for(url).runs
