"""The records a sweep leaves on disk: identities, ``result.json`` and the sweep files.

Each rule has one owner (:mod:`brainjar_sweep.records`); these tests pin what the files say,
including what files written by earlier versions still say when read back.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from brainjar_sweep.records import (
    ForeignResult,
    JobRecord,
    ResultUnreadable,
    SweepFileUnreadable,
    config_hash,
    experiment_id_for,
    load_records,
    read_result,
    read_status,
    read_sweep_results,
    rebuild_sweep_files,
    record_from_result,
    resolve_sweep_dir,
    run_id_for,
    sweep_id_for,
    write_result,
    write_sweep_files,
)

# ----------------------------------------------------------------------------- identities


def test_a_relative_and_an_absolute_sweep_dir_give_one_sweep_id(tmp_path: Path) -> None:
    (tmp_path / "runs" / "sw").mkdir(parents=True)
    rel = sweep_id_for("sw", cwd=tmp_path / "runs")
    assert rel == sweep_id_for(tmp_path / "runs" / "sw") == "runs_sw"
    assert resolve_sweep_dir("sw", tmp_path / "runs") == (tmp_path / "runs" / "sw").resolve()
    assert sweep_id_for("sw", configured="mem_001", cwd=tmp_path) == "mem_001"


def test_experiment_ids_of_a_sweep_and_of_a_single_run() -> None:
    assert experiment_id_for("s", 12) == "s_exp0012"
    assert experiment_id_for("s", 12, base="mine") == "mine_exp0012"
    assert run_id_for("brainjar", Path("outputs/2026-01-02/03-04-05")) == (
        "brainjar_2026-01-02_03-04-05"
    )
    assert run_id_for("brainjar", "outputs/x/y", configured="e1") == "e1"


def test_the_config_hash_leaves_out_ids_and_storage_only() -> None:
    exp = {"seed": 1, "max_cycles": 5, "db": {"path": "a"}, "experiment_id": "x", "name": "n"}
    moved = dict(exp, db={"url": "postgresql://u@h/d"}, experiment_id="y", name="m")
    assert config_hash(exp) == config_hash(moved)
    assert config_hash(exp) != config_hash(dict(exp, max_cycles=6))
    assert len(config_hash(exp)) == 16


# ---------------------------------------------------------------------------- result.json


def test_result_json_is_written_without_secrets_and_read_back(tmp_path: Path) -> None:
    body = {"experiment_id": "e", "status": "failed", "error": "token=abcdef123456 refused"}
    path = write_result(tmp_path, body)
    assert path == tmp_path / "result.json"
    back = read_result(tmp_path)
    assert back["status"] == "failed" and "abcdef123456" not in back["error"]
    assert body["error"].endswith("refused")  # the caller's dict is left alone
    assert read_status(tmp_path) == "failed"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"status": "comp', ResultUnreadable),
        ("[" * 100_000 + "]" * 100_000, ResultUnreadable),
        ("[1, 2]", ForeignResult),
        ('{"status": "completed"}', ForeignResult),
        ('{"status": "completed", "experiment_id": "e", "attempt": true}', ForeignResult),
        (
            '{"status": "completed", "experiment_id": "e", "m": ' + "9" * 30 + "}",
            ForeignResult,
        ),
    ],
    ids=["truncated", "too-deep", "not-an-object", "no-id", "bool-attempt", "huge-int"],
)
def test_result_json_the_app_cannot_have_written_is_refused(
    tmp_path: Path, text: str, error: type[Exception]
) -> None:
    (tmp_path / "result.json").write_text(text)
    with pytest.raises(error):
        read_result(tmp_path)
    assert read_status(tmp_path) == "unreadable"
    assert record_from_result(0, ["seed=0"], tmp_path) is None


def test_a_missing_result_json_is_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_result(tmp_path)
    assert read_status(tmp_path) == "missing"


# ------------------------------------------------------------------------------ sweep files


def _table(sweep: Path) -> list[dict[str, str]]:
    with open(sweep / "sweep_table.csv", newline="") as f:
        return list(csv.DictReader(f))


def _records() -> list[JobRecord]:
    out = []
    for n, rate in enumerate(["0", "0.5", "1"]):
        out.append(
            JobRecord(
                n,
                [f"corruption_rate={rate}", "+sweep=memory_corruption", "flag=true", "seed=7"],
                status="completed",
                experiment_id=f"s_exp{n:04d}",
                duration_seconds=8.25 + n,
                metrics={"total_cycles": 5, "duration_seconds": 0.05, "status": "completed"},
            )
        )
    return out


def test_sweep_results_keep_numbers_as_numbers(tmp_path: Path) -> None:
    write_sweep_files(tmp_path, "s", _records())
    results = json.loads((tmp_path / "sweep_results.json").read_text())["results"]
    assert [r["parameters"] for r in results] == [
        {"corruption_rate": 0},
        {"corruption_rate": 0.5},
        {"corruption_rate": 1},
    ]
    assert isinstance(results[1]["parameters"]["corruption_rate"], float)


def test_an_override_the_same_in_every_job_is_not_a_parameter(tmp_path: Path) -> None:
    write_sweep_files(tmp_path, "s", _records())
    rows = _table(tmp_path)
    assert "corruption_rate" in rows[0]
    for constant in ("sweep", "flag", "seed"):
        assert constant not in rows[0]
    results = read_sweep_results(tmp_path)["results"]
    assert all(set(r["parameters"]) == {"corruption_rate"} for r in results)


def test_typed_values_of_every_kind(tmp_path: Path) -> None:
    records = [
        JobRecord(0, ["a=1", "b=true", "c=null", "d='2'", "e=[1,2]", "f=x", "g=nan"]),
        JobRecord(1, ["a=2", "b=false", "c=3", "d='3'", "e=[3]", "f=y", "g=1e3"]),
    ]
    for r in records:
        r.status = "completed"
    write_sweep_files(tmp_path, "s", records)
    first, second = (r["parameters"] for r in read_sweep_results(tmp_path)["results"])
    assert first == {"a": 1, "b": True, "c": None, "d": "2", "e": [1, 2], "f": "x", "g": "nan"}
    assert second == {"a": 2, "b": False, "c": 3, "d": "3", "e": [3], "f": "y", "g": 1000.0}


def test_duration_seconds_is_the_jobs_wall_time_in_every_row(tmp_path: Path) -> None:
    """A row rebuilt from result.json (the experiment's own time) keeps the wall time the
    table had, or is empty: never the experiment's time."""
    records = _records()
    plan = {r.job_num: r.overrides for r in records}
    write_sweep_files(tmp_path, "s", records)
    for r in records:
        job = tmp_path / str(r.job_num)
        job.mkdir()
        write_result(
            job,
            {
                "experiment_id": r.experiment_id,
                "status": "completed",
                "duration_seconds": 0.05,
                "metrics": {"total_cycles": 5, "duration_seconds": 0.05},
            },
        )
    earlier = load_records(tmp_path, plan)
    assert [earlier[n].duration_seconds for n in plan] == [8.25, 9.25, 10.25]
    again = record_from_result(1, plan[1], tmp_path / "1", earlier[1])
    assert again is not None and again.duration_seconds == 9.25
    unknown = record_from_result(1, plan[1], tmp_path / "1")
    assert unknown is not None and unknown.duration_seconds is None
    rebuild_sweep_files(tmp_path, "s", list(plan.values()), {n: tmp_path / str(n) for n in plan})
    assert [row["duration_seconds"] for row in _table(tmp_path)] == ["8.25", "9.25", "10.25"]
    (tmp_path / "sweep_table.csv").write_text("damaged")
    rebuild_sweep_files(tmp_path, "s", list(plan.values()), {n: tmp_path / str(n) for n in plan})
    assert [row["duration_seconds"] for row in _table(tmp_path)] == ["", "", ""]


def test_files_of_earlier_versions_are_read_back(tmp_path: Path) -> None:
    """Constant overrides as columns and numbers as texts, as earlier versions wrote them."""
    (tmp_path / "sweep_table.csv").write_text(
        "job_num,experiment_id,status,reason,start_time,end_time,duration_seconds,memory_gb,"
        "corruption_rate,sweep,total_cycles\n"
        "0,s_exp0000,completed,,t0,t1,0.05,1.0,0,memory_corruption,5\n"
        "1,s_exp0001,completed,,t0,t1,9.5,1.0,0.5,memory_corruption,6\n"
    )
    plan = {n: [f"corruption_rate={r}", "+sweep=memory_corruption"] for n, r in ((0, 0), (1, 0.5))}
    records = load_records(tmp_path, plan)
    assert records[1].metrics == {"total_cycles": 6}
    assert records[1].duration_seconds == 9.5
    (tmp_path / "sweep_results.json").write_text(
        json.dumps(
            {
                "sweep_id": "s",
                "total_experiments": 1,
                "results": [{"job_num": 0, "parameters": {"corruption_rate": "0"}}],
            }
        )
    )
    assert read_sweep_results(tmp_path)["results"][0]["parameters"] == {"corruption_rate": "0"}


def test_a_damaged_sweep_results_json_is_one_error(tmp_path: Path) -> None:
    assert read_sweep_results(tmp_path) is None
    (tmp_path / "sweep_results.json").write_text('{"sweep_id": "s", "resu')
    with pytest.raises(SweepFileUnreadable, match="truncated or corrupt"):
        read_sweep_results(tmp_path)
    (tmp_path / "sweep_results.json").write_text("[]")
    with pytest.raises(SweepFileUnreadable):
        read_sweep_results(tmp_path)


@pytest.mark.slow
def test_a_real_resumed_sweep_has_one_meaning_per_column(tmp_path: Path) -> None:
    from _cli import cli, sweep_cli

    proc = cli(tmp_path, "-m", "corruption_rate=0,0.5", "max_cycles=2", "hydra.sweep.dir=sw")
    assert proc.returncode == 0, proc.stderr[-2000:]
    sw = tmp_path / "sw"
    first = {int(r["job_num"]): r for r in _table(sw)}
    (sw / "1" / "result.json").unlink()  # job 1 runs again on resume, job 0 is kept
    proc = sweep_cli(tmp_path, "resume", "sw")
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = {int(r["job_num"]): r for r in _table(sw)}
    assert "max_cycles" not in rows[0] and rows[0]["corruption_rate"] == "0"
    kept = json.loads((sw / "0" / "result.json").read_text())
    # the kept job's row holds its earlier wall time or nothing, not its experiment's time
    assert rows[0]["duration_seconds"] in ("", first[0]["duration_seconds"])
    assert rows[0]["duration_seconds"] != str(kept["duration_seconds"])
    rerun = json.loads((sw / "1" / "result.json").read_text())
    assert float(rows[1]["duration_seconds"]) >= rerun["duration_seconds"]
    results = json.loads((sw / "sweep_results.json").read_text())["results"]
    assert [r["parameters"] for r in results] == [{"corruption_rate": 0}, {"corruption_rate": 0.5}]


@pytest.mark.parametrize(
    "value",
    ["0", "-3", "+4", "007", "1_000", "0.5", ".5", "5.", "1e3", "-1.5E-2", "1e", "true", "False"]
    + ["NULL", "abc", "a_b", "a-b", "a.b", "x/y", "'0'", "[1,2]", "{a:1}", "", "1.2.3"],
)
def test_a_parameters_type_is_the_one_hydra_gives_it(value: str) -> None:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from brainjar_sweep.records.sweep_files import override_value

    hydra = OverridesParser.create().parse_override(f"k={value}").value()
    ours = override_value(f"k={value}")
    assert (type(ours), ours) == (type(hydra), hydra)


def test_a_sweeps_summary_is_read_whatever_the_order_of_its_fields(tmp_path: Path) -> None:
    from brainjar_sweep.records import read_sweep_summary

    assert read_sweep_summary(tmp_path) is None
    entries = [{"job_num": n, "parameters": {"seed": n}} for n in range(2000)]
    path = tmp_path / "sweep_results.json"
    # the writer's order, results last: read from the start of the file
    path.write_text(json.dumps({"sweep_id": "s", "total_experiments": 2000, "results": entries}))
    assert read_sweep_summary(tmp_path) == {"sweep_id": "s", "total_experiments": 2000}
    # another writer's order: the fields after the results are found too
    path.write_text(json.dumps({"results": entries, "sweep_id": "t", "total_experiments": 2}))
    assert read_sweep_summary(tmp_path) == {"sweep_id": "t", "total_experiments": 2}
    # results cut short: the summary before them still reads
    text = json.dumps({"sweep_id": "u", "total_experiments": 9, "results": entries})
    path.write_text(text[:5000])
    assert read_sweep_summary(tmp_path) == {"sweep_id": "u", "total_experiments": 9}
    with pytest.raises(SweepFileUnreadable):
        read_sweep_results(tmp_path)
    # nothing readable at all
    for damaged in ('{"sweep_id": "s', "[1, 2]", "\x00\xff garbage", "[" * 100_000):
        path.write_text(damaged)
        with pytest.raises(SweepFileUnreadable):
            read_sweep_summary(tmp_path)


def test_the_analysis_reads_old_and_new_sweep_results_alike(tmp_path: Path) -> None:
    """A sweep kept only as sweep_results.json: numbers as texts (earlier versions) or as
    numbers (now) give the same table."""
    from brainjar_sweep.analysis import load

    frames = []
    for name, typed in (("old", False), ("new", True)):
        sweep = tmp_path / name / "2026-01-01" / "10-00-00"
        sweep.mkdir(parents=True)
        entries = [
            {
                "experiment_id": f"s_exp{n:04d}",
                "job_num": n,
                "parameters": {"corruption_rate": rate if typed else str(rate), "flag": flag},
                "status": "completed",
                "total_cycles": 10,
                "total_crashes": n,
                "total_messages": 20,
            }
            for n, (rate, flag) in enumerate([(0, True), (0.5, False)])
        ]
        if not typed:
            for e in entries:
                e["parameters"]["flag"] = str(e["parameters"]["flag"]).lower()
        (sweep / "sweep_results.json").write_text(
            json.dumps({"sweep_id": "s", "total_experiments": 2, "results": entries})
        )
        data = load([sweep], use_db=False)
        assert data.sweeps[0].source == "sweep_results.json"
        frames.append(data.jobs[["corruption_rate", "flag", "crash_rate"]])
    old, new = frames
    assert old.equals(new), (old, new)
    assert old["corruption_rate"].tolist() == [0.0, 0.5]


def test_the_sweep_files_as_jobs_end_at_most_once_per_interval_and_whole_at_the_end(
    tmp_path: Path,
) -> None:
    import csv

    from brainjar_sweep.records import SweepFilesWriter, read_sweep_results

    records = [JobRecord(n, [f"seed={n}"]) for n in range(5)]
    held = SweepFilesWriter(tmp_path / "held", "s", min_interval_s=3600)
    every = SweepFilesWriter(tmp_path / "every", "s", min_interval_s=0)
    (tmp_path / "held").mkdir()
    (tmp_path / "every").mkdir()
    written = []
    for rec in records:
        rec.status = "completed"
        rec.experiment_id = f"s_exp{rec.job_num:04d}"
        written.append(held.update(records))
        assert every.update(records)
        # whatever was last written is a whole, readable file
        assert read_sweep_results(tmp_path / "held")["total_experiments"] == 5
    assert written == [True, False, False, False, False]
    assert read_sweep_results(tmp_path / "held")["completed_experiments"] == 1
    assert held.flush() and not held.flush()
    for name in ("held", "every"):
        body = read_sweep_results(tmp_path / name)
        assert body["completed_experiments"] == 5
        assert [r["job_num"] for r in body["results"]] == [0, 1, 2, 3, 4]
        done = json.loads((tmp_path / name / "completed_experiments.json").read_text())
        assert done == [f"s_exp{n:04d}" for n in range(5)]
        with open(tmp_path / name / "sweep_table.csv", newline="") as f:
            assert [r["status"] for r in csv.DictReader(f)] == ["completed"] * 5
    with pytest.raises(ValueError, match="min_interval_s=-1"):
        SweepFilesWriter(tmp_path, "s", min_interval_s=-1)


def _statuses(sweep: Path) -> list[str]:
    with open(sweep / "sweep_table.csv", newline="") as f:
        return [row["status"] for row in csv.DictReader(f)]


def test_the_sweep_report_writes_held_back_states_once_due_and_all_of_them_on_flush(
    tmp_path: Path,
) -> None:
    """The app's report hook throttles its writes, yet the files never keep an old state: a
    state held back is written once the interval is over with no further job event, and
    ``flush`` (the launcher's, when a launch ends) writes the last one at once."""
    from _watch import wait_for
    from hydra_plugins.brainjar_jetson_launcher._book import Job
    from hydra_plugins.brainjar_jetson_launcher.plan import SweepPlan
    from omegaconf import OmegaConf

    from brainjar_sweep.sweep.launch_hooks import SweepFiles

    plan = SweepPlan(jobs={0: ["x=0"], 1: ["x=1"]})
    jobs = [Job(0, ["x=0"], 1.0), Job(1, ["x=1"], 1.0)]

    slow = SweepFiles(tmp_path / "slow", OmegaConf.create({}), plan, min_interval_s=3600)
    jobs[0].status = "running"
    slow.update(jobs)  # the first state is written at once
    assert _statuses(tmp_path / "slow") == ["running", "pending"]
    jobs[0].status, jobs[1].status = "completed", "failed"
    slow.update(jobs)  # held back: the last write is not an hour old
    assert _statuses(tmp_path / "slow") == ["running", "pending"]
    slow.flush()
    assert _statuses(tmp_path / "slow") == ["completed", "failed"]

    due = SweepFiles(tmp_path / "due", OmegaConf.create({}), plan, min_interval_s=0.5)
    due.update(jobs)
    jobs[1].status = "interrupted"
    due.update(jobs)  # nothing follows it: the report writes it once due, by itself
    wait_for("the held-back state", lambda: _statuses(tmp_path / "due")[1] == "interrupted")
    due.flush()
