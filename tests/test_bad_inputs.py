"""Bad input of every kind is refused in one line, before any work starts, with nothing written.

Each case runs the command's entry point in this process (Hydra and all) in an empty working
dir, and checks: a non-zero exit code, exactly one line on stderr naming the key or file, the
value and what is allowed, no traceback, and no file left behind (no outputs/, no .hydra/).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import brainjar_sweep.app  # noqa: E402, F401  (registers the configs before any test saves Hydra's state)

# the app runs in this process: put Hydra's global state (its version base among it) back
pytestmark = pytest.mark.usefixtures("hydra_restore_singletons")

BIG = "1" + "0" * 400  # an integer of 401 digits

# files some cases read, made in the working dir
FILES: dict[str, Callable[[Path], None]] = {
    "rc5.json": lambda p: p.write_text('{"mode": "amnesiac_loop", "resource_constraints": 5}'),
    "iv.json": lambda p: p.write_text('{"mode": "amnesiac_loop", "interventions": ["x"]}'),
    "ivp.json": lambda p: p.write_text(
        json.dumps(
            {
                "mode": "amnesiac_loop",
                "interventions": [{"intervention_type": "memory_erasure", "parameters": 5}],
            }
        )
    ),
    "ram.json": lambda p: p.write_text(
        '{"mode": "amnesiac_loop", "resource_constraints": {"ram_limit_gb": "big"}}'
    ),
    "bigint.json": lambda p: p.write_text('{"mode": "amnesiac_loop", "max_cycles": ' + BIG + "}"),
    "list.json": lambda p: p.write_text("[1, 2]"),
    "binary.json": lambda p: p.write_bytes(bytes(range(256)) * 4),
    "deep.json": lambda p: p.write_text("[" * 100_000 + "]" * 100_000),
    "a_file": lambda p: p.write_text("not a dir"),
    "notes.db": lambda p: p.write_text("my notes, not a database"),
    "foreign.db": lambda p: _foreign_db(p),
    "broken.db": lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200),
    "dir.json": lambda p: p.mkdir(),
}


def _foreign_db(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    sqlite3.connect(path).close()


CASES = [
    # (arguments, fragments the one line holds)
    (["mode=5"], ["mode='5'", "one of amnesiac_loop"]),
    (["mind=7"], ["mind='7'", "one of llama_cpp, openai, simulated"]),
    (["resources=1"], ["resources='1'", "one of default"]),
    (["max_cycles=${nope}"], ["max_cycles='${nope}'", "an interpolation that resolves"]),
    (["-m", "max_cycles=${nope}", "seed=0,1"], ["max_cycles='${nope}'", "interpolation"]),
    (["mode.corruption_rate=${oc.env:BRAINJAR_NOT_SET_X}"], ["mode.corruption_rate", "NOT_SET"]),
    ([f"max_cycles={BIG}"], ["max_cycles=1000", "an integer in [1, 9223372036854775807]"]),
    ([f"seed={BIG}"], ["seed=1000", "an integer in [0, "]),
    ([f"corruption_rate={BIG}"], ["corruption_rate=1000", "too large"]),
    (["resources.ram_limit_gb=1e999"], ["resources.ram_limit_gb=inf", "a number > 0"]),
    (["base_experiment=rc5.json"], ["base_experiment.resource_constraints=5", "an object of"]),
    (["base_experiment=iv.json"], ["base_experiment.interventions.0='x'", "an object with"]),
    (["base_experiment=ivp.json"], ["base_experiment.interventions.0.parameters=5", "an object"]),
    (["base_experiment=ram.json"], ["resource_constraints.ram_limit_gb='big'", "a number"]),
    (["base_experiment=bigint.json"], ["base_experiment.max_cycles=1000", "at most"]),
    (["base_experiment=list.json"], ["base_experiment='list.json'", "JSON object"]),
    (["base_experiment=binary.json"], ["base_experiment='binary.json'", "UTF-8"]),
    (["base_experiment=deep.json"], ["base_experiment='deep.json'", "not deeply nested"]),
    (["base_experiment=dir.json"], ["base_experiment='dir.json'", "a readable JSON file"]),
    (["base_experiment=none.json"], ["base_experiment='none.json'", "an existing JSON file"]),
    (["-m", "hydra.sweeper.max_retries=-1"], ["hydra.sweeper.max_retries=-1", "an integer >= 0"]),
    (["-m", "hydra.sweeper.max_batch_size=0"], ["hydra.sweeper.max_batch_size=0", ">= 1"]),
    (["-m", "hydra.sweep.dir=a_file"], ["hydra.sweep.dir='a_file'", "is a file"]),
    (["-m", "hydra.sweep.dir=a_file/sub"], ["hydra.sweep.dir='a_file/sub'", "is a file"]),
    (["hydra.run.dir=a_file/x"], ["hydra.run.dir='a_file/x'", "is a file"]),
    (["hydra.run.dir=/proc/self/x"], ["hydra.run.dir='/proc/self/x'", "is not writable"]),
    (["-m", "hydra.sweep.dir=/proc/self/x"], ["hydra.sweep.dir='/proc/self/x'", "not writable"]),
    (["hydra.run.dir="], ["hydra.run.dir=''", "a directory path"]),
    (["-m", "hydra.sweep.dir="], ["hydra.sweep.dir=''", "a directory path"]),
    (["-m", "seed=range(0,100000000)"], ["seed='range(0,100000000)'", "at most 100000 jobs"]),
    (["db.path=notes.db"], ["db.path='notes.db'", "notes.db is not a SQLite database"]),
    (["-m", "db.path=notes.db"], ["db.path='notes.db'", "is not a SQLite database"]),
    (
        ["db.path=foreign.db"],
        ["db.path='foreign.db'", "another program's database (tables: users)"],
    ),
    (["db.path=broken.db"], ["db.path='broken.db'", "not a readable SQLite database"]),
    (["db.path=a_file/x.db"], ["db.path='a_file/x.db'", "a_file is a file, not a directory"]),
    (["db.path=/proc/self/x.db"], ["db.path='/proc/self/x.db'", "/proc/self is not writable"]),
    (["db.path="], ["db.path=''", "the path of a SQLite file"]),
]


def run_main(
    main: Callable[[list[str]], int], argv: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    code = main(argv)
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip()]


def make_files(root: Path) -> set[Path]:
    for name, make in FILES.items():
        make(root / name)
    return set(root.rglob("*"))


@pytest.mark.parametrize(("argv", "fragments"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    fragments: list[str],
) -> None:
    from brainjar_sweep.app import main

    monkeypatch.chdir(tmp_path)
    before = make_files(tmp_path)
    code, lines = run_main(
        main, [*argv, "max_cycles=2"] if "max_cycles" not in str(argv) else argv, capsys
    )
    assert code != 0
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "Traceback" not in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert set(tmp_path.rglob("*")) == before  # no outputs/, multirun/, .hydra/, logs/


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
def test_read_only_sweep_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from brainjar_sweep.app import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "ro").mkdir(mode=0o555)
    code, lines = run_main(main, ["-m", "hydra.sweep.dir=ro/s", "max_cycles=2"], capsys)
    assert code == 2 and len(lines) == 1 and "ro is not writable" in lines[0], lines
    assert list((tmp_path / "ro").iterdir()) == []


# --- brainjar-sweep resume and convert -----------------------------------------------------

SAVED = {  # multirun.yaml of a sweep dir that resume is pointed at
    "garbage": b"\x00\xff\xfe\x01 garbage",
    "list": b"- a\n- b\n",
    "truncated": b"hydra:\n  overrides:\n    task: [seed=0, seed=1\n",
    "python": b'hydra: !!python/object/apply:os.system ["echo owned > owned.txt"]\n',
    "deep": b"a: " + b"[" * 50_000 + b"]" * 50_000 + b"\n",
    "deep block": b"a:\n" + b"- " * 100_000 + b"x\n",
    "wrong": b"hydra: {overrides: {task: 5}}\n",
}


@pytest.mark.parametrize("kind", sorted(SAVED))
def test_resume_of_a_damaged_multirun_yaml(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    from brainjar_sweep.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "sw").mkdir()
    (tmp_path / "sw" / "multirun.yaml").write_bytes(SAVED[kind])
    before = set(tmp_path.rglob("*"))
    code, lines = run_main(main, ["resume", "sw"], capsys)
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: multirun.yaml=") and "sw/multirun.yaml" in lines[0]
    assert "a sweep's saved config" in lines[0]
    assert set(tmp_path.rglob("*")) == before


SWEEP_FILES = {
    "binary.yaml": (b"\x00\xff\xfe", "sweep_file='binary.yaml'", "not binary"),
    "python.yaml": (
        b"base_config: e.json\nsweep: !!python/object/apply:os.system [id]\n",
        "sweep_file='python.yaml'",
        "plain YAML",
    ),
    "escape.yaml": (
        b"sweep_id: ../../evil\nbase_config: e.json\nsweep: {seed: [1, 2]}\n",
        "sweep_file.sweep_id='../../evil'",
        "letters, digits",
    ),
    "timeout.yaml": (
        b"base_config: e.json\nsweep: {seed: [1, 2]}\ntimeout: soon\n",
        "sweep_file.timeout='soon'",
        "a number of seconds > 0",
    ),
    "retries.yaml": (
        b"base_config: e.json\nsweep: {seed: [1, 2]}\nmax_retries: -2\n",
        "sweep_file.max_retries=-2",
        "an integer >= 0",
    ),
    "sweep.yaml": (b"base_config: e.json\nsweep: [1, 2]\n", "sweep_file.sweep=[1, 2]", "mapping"),
    "deep.yaml": (b"- " * 100_000 + b"x\n", "sweep_file='deep.yaml'", "nested too deeply"),
}


@pytest.mark.parametrize("name", sorted(SWEEP_FILES))
def test_convert_of_a_bad_sweep_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    from brainjar_sweep.cli import main

    monkeypatch.chdir(tmp_path)
    body, key, allowed = SWEEP_FILES[name]
    (tmp_path / name).write_bytes(body)
    (tmp_path / "e.json").write_text('{"mode": "amnesiac_loop"}')
    before = set(tmp_path.rglob("*"))
    code, lines = run_main(main, ["convert", name, "-o", "out"], capsys)
    assert code == 2 and len(lines) == 1, lines
    assert key in lines[0] and allowed in lines[0], lines[0]
    assert set(tmp_path.rglob("*")) == before


@pytest.mark.slow
def test_resume_with_every_job_done_repairs_damaged_sweep_files(tmp_path: Path) -> None:
    from _cli import cli, sweep_cli

    proc = cli(tmp_path, "-m", "seed=0,1,2", "max_cycles=2", "hydra.sweep.dir=sw")
    assert proc.returncode == 0, proc.stderr
    sw = tmp_path / "sw"
    good_results = json.loads((sw / "sweep_results.json").read_text())
    good_table = (sw / "sweep_table.csv").read_text().splitlines()
    (sw / "sweep_results.json").write_text((sw / "sweep_results.json").read_text()[:60])
    (sw / "sweep_table.csv").write_bytes(b"job_num,experiment_id,sta\x00\xff")
    proc = sweep_cli(tmp_path, "resume", "sw")
    assert proc.returncode == 0, proc.stderr
    repaired = json.loads((sw / "sweep_results.json").read_text())

    def same(rows: list[dict]) -> list[dict]:  # the times come from each job's own result
        return [{k: v for k, v in r.items() if not k.endswith("_time")} for r in rows]

    assert same(repaired["results"]) == same(good_results["results"])
    table = (sw / "sweep_table.csv").read_text().splitlines()
    assert [r.split(",")[:3] for r in table] == [r.split(",")[:3] for r in good_table]


def test_a_foreign_database_gets_no_tables_of_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from brainjar_sweep.app import main

    monkeypatch.chdir(tmp_path)
    _foreign_db(tmp_path / "foreign.db")
    code, lines = run_main(main, ["-m", "seed=0,1", "max_cycles=2", "db.path=foreign.db"], capsys)
    assert code == 2 and len(lines) == 1, lines
    with sqlite3.connect(tmp_path / "foreign.db") as con:
        tables = con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    assert tables == [("users",)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foreign.db"]


@pytest.mark.slow
def test_database_deleted_mid_sweep_fails_the_sweep_and_resume_restores_it(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys
    import time

    from _cli import db_rows, sweep_cli

    args = ["-m", "seed=" + ",".join(map(str, range(12))), "max_cycles=100"]
    args += ["hydra.sweep.dir=sw", "hydra.launcher.max_parallel=1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "brainjar_sweep", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 600
    while not (tmp_path / "sw" / "3" / "result.json").exists() and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for f in (tmp_path / "logs").glob("experiments.db*"):
        f.unlink()
    out, err = proc.communicate(timeout=600)
    done = sorted(int(p.parent.name) for p in (tmp_path / "sw").glob("*/result.json"))
    assert done == list(range(12))
    assert proc.returncode == 1, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "lost" in lines[0] and "brainjar-sweep resume sw" in lines[0]
    assert "not in the experiments DB" in out
    table = json.loads((tmp_path / "sw" / "sweep_results.json").read_text())["results"]
    assert {r["job_num"] for r in table if r["status"] == "lost"} == {
        n for n in range(12) if f"#{n} lost" in out
    }
    kept = db_rows(tmp_path, "select count(*) from experiments where status = 'completed'")[0][0]
    assert kept < 12
    proc2 = sweep_cli(tmp_path, "resume", "sw")
    assert proc2.returncode == 0, proc2.stderr
    assert db_rows(tmp_path, "select count(*) from experiments where status = 'completed'") == [
        (12,)
    ]


# --- brainjar-analyze on crafted files ------------------------------------------------------

DEEP_JSON = "[" * 100_000 + "]" * 100_000
CRAFTED: dict[str, tuple[str, str, str]] = {
    # case: (file in job 1 or the sweep dir, its text, what the warning says)
    "integer of 400 digits": (
        "1/result.json",
        '{"experiment_id": "e1", "status": "completed", "job_num": 1, "metrics": {"m": 1'
        + "0" * 400
        + "}}",
        "an integer too large",
    ),
    "attempt of 400 digits": (
        "1/result.json",
        '{"experiment_id": "e1", "status": "completed", "attempt": 1' + "0" * 400 + "}",
        "not an attempt number",
    ),
    "job_num abc": (
        "1/result.json",
        '{"experiment_id": "e1", "status": "completed", "job_num": "abc"}',
        "job_num 'abc' is not a job number",
    ),
    "experiment id a list": (
        "1/result.json",
        '{"experiment_id": ["e1"], "status": "completed"}',
        "experiment_id is a list",
    ),
    "100,000-deep JSON": ("1/result.json", DEEP_JSON, "corrupt result.json"),
    "100,000-deep overrides YAML": ("1/.hydra/overrides.yaml", "- " + DEEP_JSON, "overrides"),
    # libyaml's parser crashes the process on this one (it nests on the C stack unchecked)
    "100,000-deep block sequences": ("1/.hydra/overrides.yaml", "- " * 100_000 + "x", "overrides"),
    "100,000-deep multirun.yaml": ("multirun.yaml", "a: " + DEEP_JSON, ""),
    "100,000-deep sweep_results.json": ("sweep_results.json", '{"results": ' + DEEP_JSON + "}", ""),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_the_analysis_skips_crafted_files_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    from brainjar_sweep.analysis.cli import main

    sweep = tmp_path / "multirun" / "2026-01-01" / "10-00-00"
    for n in range(3):
        job = sweep / str(n)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text(f"- corruption_rate={n / 2}\n")
        result = {"experiment_id": f"e{n}", "status": "completed", "job_num": n, "attempt": 1}
        result["metrics"] = {"crash_rate": 0.25 * n}
        (job / "result.json").write_text(json.dumps(result))
    name, text, warning = CRAFTED[case]
    (sweep / name).write_text(text)
    out = tmp_path / "t.csv"
    code = main([str(sweep), "--no-db", "--export", "csv", "--export-path", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err
    if name.startswith("1/"):  # the crafted job is skipped, the others are used
        (line,) = [w for w in err.splitlines() if "/1:" in w]
        assert line.startswith("warning: skipped") and warning in line, line
        assert sorted(pd_read(out)["job_num"]) == [0, 2]
    else:
        assert sorted(pd_read(out)["job_num"]) == [0, 1, 2]


def test_a_long_shallow_yaml_reads_the_same_by_either_parser() -> None:
    """Past the size where a text could nest deeply enough to crash libyaml, the pure-Python
    parser takes over; it reads what libyaml reads."""
    import yaml

    from brainjar_sweep._yaml import _C_DEPTH, load_yaml

    text = "".join(f"- seed={n}\n" for n in range(_C_DEPTH + 10))
    assert load_yaml(text) == yaml.load(text, Loader=yaml.CSafeLoader)  # noqa: S506
    assert load_yaml(text)[-1] == f"seed={_C_DEPTH + 9}"


def pd_read(path: Path):  # noqa: ANN201 - a DataFrame
    import pandas as pd

    return pd.read_csv(path)


# --- a full disk -----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prlimit is Linux's")
def test_a_full_disk_ends_the_sweep_with_a_summary_and_resume_finishes_it(tmp_path: Path) -> None:
    """The sweep process itself cannot write (its file size limit drops to what its sweep
    files hold, as when the disk fills up) while the jobs, started earlier, still can."""
    import resource
    import signal
    import subprocess
    import time

    from _cli import db_rows, sweep_cli

    def ignore_sigxfsz() -> None:  # a write past the limit fails with EFBIG instead
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    args = ["-m", "seed=" + ",".join(map(str, range(8))), "max_cycles=100"]
    args += ["hydra.sweep.dir=sw", "hydra.launcher.max_parallel=1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "brainjar_sweep", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ignore_sigxfsz,
    )
    sw = tmp_path / "sw"
    deadline = time.monotonic() + 600
    while not (sw / "2" / "result.json").exists() and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    size = (sw / "sweep_results.json").stat().st_size
    resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (size, size))
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: the sweep stopped: cannot write")
    assert "File too large" in lines[0] and "brainjar-sweep resume sw" in lines[0]
    assert "Sweep summary: 8 jobs:" in out
    # what was written is intact: the sweep files parse, completed jobs kept their results
    json.loads((sw / "sweep_results.json").read_text())
    json.loads((sw / "completed_experiments.json").read_text())
    done = [json.loads(p.read_text())["status"] for p in sw.glob("*/result.json")]
    assert done and set(done) == {"completed"}
    resumed = sweep_cli(tmp_path, "resume", "sw")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((sw / "sweep_results.json").read_text())["completed_experiments"] == 8
    assert db_rows(tmp_path, "select count(*) from experiments where status='completed'") == [(8,)]


ANALYZE_CASES = [
    (
        ["--db", "notes.db"],
        ["--db='notes.db'", "a brainjar experiments database", "not a database"],
    ),
    (["--db", "/"], ["--db='/'", "a brainjar experiments database"]),
    (["--threshold", "nan"], ["--threshold=nan", "a relative change > 0"]),
    (["--threshold", "-1"], ["--threshold=-1.0", "a relative change > 0"]),
    (["--seed", "-1"], ["--seed=-1", "an integer in [0, 4294967295]"]),
    (["--bootstrap", "100000000000"], ["--bootstrap=100000000000", "[0, 1000000]"]),
]


@pytest.mark.parametrize(
    ("argv", "fragments"), ANALYZE_CASES, ids=[" ".join(a) for a, _ in ANALYZE_CASES]
)
def test_bad_analysis_options_are_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    fragments: list[str],
) -> None:
    from brainjar_sweep.analysis.cli import main

    monkeypatch.chdir(tmp_path)
    job = tmp_path / "sw" / "0"
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text("- seed=0\n")
    (job / "result.json").write_text('{"experiment_id": "e0", "status": "completed"}')
    (tmp_path / "notes.db").write_text("my notes")
    before = set(tmp_path.rglob("*"))
    code, lines = run_main(main, ["sw", *argv, "--export", "csv"], capsys)
    assert code == 2 and len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert set(tmp_path.rglob("*")) == before


MORE_CASES = [
    (["-m", "hydra.sweep.subdir=../../x"], ["hydra.sweep.subdir='../../x'", "inside the sweep"]),
    (["-m", "hydra.sweep.subdir=fixed"], ["hydra.sweep.subdir='fixed'", "differs per job"]),
    (
        ["-m", "hydra.sweeper.validator=nope.nope"],
        ["hydra.sweeper.validator='nope.nope'", "dotted"],
    ),
    (["-m", "hydra.sweeper.validator=os.sep"], ["hydra.sweeper.validator='os.sep'", "a function"]),
]
OPTUNA = ["-m", "hydra/sweeper=brainjar_optuna", "corruption_rate=interval(0,1)"]
if importlib.util.find_spec("optuna") is not None:  # the [optuna] extra
    MORE_CASES += [
        ([*OPTUNA, "hydra.sweep.dir=a_file"], ["hydra.sweep.dir='a_file'", "is a file"]),
        ([*OPTUNA, "hydra.sweep.subdir=../x"], ["hydra.sweep.subdir='../x'", "inside the sweep"]),
        (
            [*OPTUNA, "hydra.sweeper.storage=sqlite:///notes.db"],
            ["hydra.sweeper.storage='sqlite:///notes.db'", "is not a SQLite database"],
        ),
    ]


@pytest.mark.parametrize(
    ("argv", "fragments"), MORE_CASES, ids=[" ".join(a) for a, _ in MORE_CASES]
)
def test_bad_sweep_settings_are_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    fragments: list[str],
) -> None:
    test_bad_input_is_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys, argv, fragments)


@pytest.mark.parametrize(
    "override",
    [
        "+hydra.callbacks.x._target_=os.system",
        "hydra.sweeper.validator=os.system",
        "+db._target_=builtins.exec",
    ],
)
def test_resume_runs_no_code_a_changed_multirun_yaml_names(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    override: str,
) -> None:
    from brainjar_sweep.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "sw").mkdir()
    saved = {"hydra": {"overrides": {"task": ["seed=0,1", override], "hydra": []}}}
    (tmp_path / "sw" / "multirun.yaml").write_text(json.dumps(saved))
    before = set(tmp_path.rglob("*"))
    code, lines = run_main(main, ["resume", "sw"], capsys)
    assert code == 2 and len(lines) == 1, lines
    assert f"multirun.yaml='{override}' is not allowed: overrides of config values" in lines[0]
    assert set(tmp_path.rglob("*")) == before
