"""The sweep files, rewritten atomically as jobs finish, and read back (one owner of each).

- ``sweep_results.json``: the original project's shape, one entry per finished job, never
  duplicated; each entry's ``parameters`` hold the values that differ between the sweep's
  jobs, typed as the overrides give them (``corruption_rate=0`` is the number ``0``);
- ``completed_experiments.json``: ids of completed experiments, sorted;
- ``sweep_table.csv``: one row per job, loadable in one read (``pandas.read_csv``). Each
  column has one meaning: ``duration_seconds`` is the job's wall time as the launcher
  measured it (empty when no launcher timed it, e.g. a row rebuilt from ``result.json``);
  the experiment's own time is in ``result.json`` and the experiments DB. Swept parameters
  (the overrides whose value is not the same in every job; constants are in
  ``multirun.yaml``) and metrics follow the fixed columns.

Files written by earlier versions (numbers as texts in ``sweep_results.json``, constant
overrides as columns) are read back the same way.

>>> import tempfile
>>> sweep = Path(tempfile.mkdtemp())
>>> records = [JobRecord(n, [f"corruption_rate={r}", "+sweep=memory"], status="completed")
...            for n, r in enumerate(["0", "0.5"])]
>>> write_sweep_files(sweep, "s", records)
>>> [e["parameters"] for e in read_sweep_results(sweep)["results"]]
[{'corruption_rate': 0}, {'corruption_rate': 0.5}]
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from brainjar_sweep._atomic import write_text_atomic
from brainjar_sweep._clock import utc_now
from brainjar_sweep._secrets import scrub
from brainjar_sweep.records.identity import experiment_id_for
from brainjar_sweep.records.result import ResultUnreadable, read_result

RESULTS_NAME = "sweep_results.json"
COMPLETED_NAME = "completed_experiments.json"
TABLE_NAME = "sweep_table.csv"
SWEEP_FILE_NAMES = (RESULTS_NAME, COMPLETED_NAME, TABLE_NAME)
"""The files the launcher writes in a sweep dir."""

# the fixed leading columns of sweep_table.csv; swept parameters and metrics follow
TABLE_COLUMNS = (
    "job_num",
    "experiment_id",
    "status",
    "reason",
    "start_time",
    "end_time",
    "duration_seconds",
    "memory_gb",
)


class SweepFileUnreadable(ValueError):
    """A sweep file that exists but cannot be read (truncated, corrupt, not the expected shape).

    >>> str(SweepFileUnreadable("sweep_results.json: truncated or corrupt"))
    'sweep_results.json: truncated or corrupt'
    """


def override_key(override: str) -> str:
    """The key an override sets (``+``, ``++`` and ``~`` left out).

    >>> override_key("+sweep=ram_limits"), override_key("a.b=1")
    ('sweep', 'a.b')
    """
    return override.lstrip("+~").partition("=")[0]


@lru_cache(maxsize=1)
def _parser() -> Any:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create()


# values Hydra's grammar reads as an int, a float, and a plain word (a text)
_INT = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|[+-]?[0-9]+[eE][+-]?[0-9]+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPECIAL_WORDS = frozenset({"true", "false", "null", "nan", "inf"})


@lru_cache(maxsize=65536)
def override_value(override: str) -> Any:
    """The value of an override, typed as Hydra reads it (numbers, booleans, null, lists).

    >>> override_value("corruption_rate=0"), override_value("x=0.5"), override_value("y=true")
    (0, 0.5, True)
    >>> override_value("mode=split_brain"), override_value("z='0'")
    ('split_brain', '0')
    """
    text = override.partition("=")[2]
    if _INT.fullmatch(text):  # the common values, without the grammar's parser (~1 ms each)
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _WORD.fullmatch(text) and text.lower() not in _SPECIAL_WORDS:
        return text
    try:
        value = _parser().parse_override(override).value()
    except Exception:  # noqa: BLE001 - not Hydra's grammar: the text is the value
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text  # JSON has no NaN or infinity
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return text


@dataclass
class JobRecord:
    """What the sweep files say about one job.

    >>> JobRecord(3, ["+sweep=x", "seed=1"]).parameters
    {'sweep': 'x', 'seed': '1'}
    """

    job_num: int
    overrides: list[str]
    status: str = "pending"  # pending, running, completed, failed, timeout, interrupted, pruned
    reason: str | None = None
    experiment_id: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    duration_seconds: float | None = None  # the job's wall time, as the launcher measured it
    memory_gb: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    node: str | None = None  # the machine that ran it (Ray backend: its node id)

    @property
    def parameters(self) -> dict[str, str]:
        """Every override's key and value, as texts (environment variables a sweeper sets
        for a job, ``hydra.job.env_set.*``, are how it runs, not what it is: left out)."""
        out = {}
        for ov in self.overrides:
            key, _, value = ov.lstrip("+~").partition("=")
            if key.startswith(_ENV_SET):
                continue
            out[key] = value
        return out

    @property
    def outcome(self) -> str:
        """How the job ended: its status, refined by what the experiment itself returned (a
        job whose process ended well but whose experiment was pruned is ``pruned``).

        >>> JobRecord(0, [], status="completed", metrics={"status": "pruned"}).outcome
        'pruned'
        """
        if self.status == "completed" and self.metrics.get("status") == "pruned":
            return "pruned"
        return self.status

    @property
    def outcome_reason(self) -> str | None:
        """Why the job did not complete (a pruned job: the cycle it was stopped at)."""
        if self.outcome == "pruned" and not self.reason:
            cycles = self.metrics.get("total_cycles")
            return f"pruned by the study after cycle {cycles}" if cycles else "pruned"
        return self.reason


_ENV_SET = "hydra.job.env_set."


def swept_keys(records: list[JobRecord]) -> list[str]:
    """The override keys whose value is not the same in every job (sorted).

    >>> swept_keys([JobRecord(0, ["+sweep=x", "seed=1"]), JobRecord(1, ["+sweep=x", "seed=2"])])
    ['seed']
    """
    values: dict[str, set[str | None]] = {}
    params = [r.parameters for r in records]
    for key in {k for p in params for k in p}:
        values[key] = {p.get(key) for p in params}
    return sorted(k for k, v in values.items() if len(v) > 1)


def write_sweep_files(sweep_dir: str | Path, sweep_id: str, records: list[JobRecord]) -> None:
    """Rewrite the three sweep files from ``records`` (one per job of the sweep).

    >>> import csv, tempfile
    >>> sweep = Path(tempfile.mkdtemp())
    >>> write_sweep_files(sweep, "s", [JobRecord(n, ["+sweep=x", f"seed={n}"]) for n in (0, 1)])
    >>> next(csv.reader(open(sweep / "sweep_table.csv")))[len(TABLE_COLUMNS):]
    ['seed']
    """
    sweep_dir = Path(sweep_dir)
    swept = swept_keys(records)
    done = [r for r in records if r.status not in ("pending", "running")]
    results = []
    for r in sorted(done, key=lambda r: r.job_num):
        m = r.metrics
        typed = {override_key(ov): override_value(ov) for ov in r.overrides}
        results.append(
            {
                "experiment_id": r.experiment_id or experiment_id_for(sweep_id, r.job_num),
                "job_num": r.job_num,
                "parameters": {k: typed[k] for k in swept if k in typed},
                "status": r.outcome,
                "start_time": r.start_time,
                "end_time": r.end_time,
                "total_cycles": m.get("total_cycles", 0),
                "total_crashes": m.get("total_crashes", 0),
                "total_messages": m.get("total_messages", 0),
                "error_message": scrub(r.outcome_reason),
            }
        )
        if r.node is not None:
            results[-1]["node"] = r.node
    head = {
        "sweep_id": sweep_id,
        "timestamp": utc_now("seconds"),
        "total_experiments": len(records),
        "completed_experiments": len(results),
    }
    write_text_atomic(sweep_dir / RESULTS_NAME, _json_one_per_line(head, "results", results))
    completed = sorted(x["experiment_id"] for x in results if x["status"] == "completed")
    write_text_atomic(sweep_dir / COMPLETED_NAME, _json_one_per_line(None, None, completed))
    every_key = {k for r in records for k in r.parameters}
    metric_keys = sorted(
        {
            k
            for r in records
            for k, v in r.metrics.items()
            if isinstance(v, (int, float, str, bool)) or v is None
        }
        - set(TABLE_COLUMNS)
        - every_key
    )
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*TABLE_COLUMNS, *swept, *metric_keys])
    for r in sorted(records, key=lambda r: r.job_num):
        p = r.parameters
        row = [
            r.job_num,
            r.experiment_id,
            r.outcome,
            scrub(r.outcome_reason),
            r.start_time,
            r.end_time,
            r.duration_seconds,
            r.memory_gb,
        ]
        row += [p.get(k) for k in swept]
        row += [r.metrics.get(m) for m in metric_keys]
        w.writerow(row)
    write_text_atomic(sweep_dir / TABLE_NAME, buf.getvalue())


def _json_one_per_line(head: dict[str, Any] | None, key: str | None, items: list[Any]) -> str:
    """JSON of ``head`` with ``items`` under ``key`` last (or of ``items`` alone), the fields
    indented, one item per line. Written once per job's end, so it must stay cheap at
    thousands of jobs: each line is encoded by JSON's C encoder, which an indented dump
    (item by item, in Python) does not use; it costs a fifth.

    >>> print(_json_one_per_line({"a": 1}, "r", [{"x": 1}, {"x": 2}]))
    {
      "a": 1,
      "r": [
        {"x": 1},
        {"x": 2}
      ]
    }
    <BLANKLINE>
    >>> _json_one_per_line(None, None, []).strip()
    '[]'
    """
    pad = "    " if head is not None else "  "
    body = ",\n".join(pad + json.dumps(x, default=str) for x in items)
    array = f"[\n{body}\n{pad[:-2]}]" if items else "[]"
    if head is None:
        return array + "\n"
    fields = [f"  {json.dumps(k)}: {json.dumps(v, default=str)}" for k, v in head.items()]
    fields.append(f"  {json.dumps(key)}: {array}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


class SweepFilesWriter:
    """Writes the sweep files as jobs end, at most once every ``min_interval_s`` seconds, and
    always on :meth:`flush` (the sweep's end). Each write is whole and atomic (readers never
    see half a file); between writes the files lag by at most ``min_interval_s``.

    Rewriting the files after every job costs a sweep of N jobs N whole rewrites: at 2,000
    jobs about 25 ms each, 50 s of the launcher's time over the sweep; with a 2 s interval
    a sweep whose jobs end faster than that writes once per interval instead.

    >>> import tempfile
    >>> sweep = Path(tempfile.mkdtemp())
    >>> w = SweepFilesWriter(sweep, "s", min_interval_s=3600)
    >>> w.update([JobRecord(0, ["seed=0"], status="completed")])  # the first is written
    True
    >>> w.update([JobRecord(0, ["seed=0"], status="completed"), JobRecord(1, ["seed=1"], status="failed")])
    False
    >>> w.flush()
    True
    >>> read_sweep_results(sweep)["completed_experiments"]
    2
    """

    def __init__(self, sweep_dir: str | Path, sweep_id: str, min_interval_s: float = 2.0) -> None:
        if min_interval_s < 0:
            raise ValueError(f"min_interval_s={min_interval_s} is not allowed: a number >= 0")
        self.sweep_dir = Path(sweep_dir)
        self.sweep_id = sweep_id
        self.min_interval_s = float(min_interval_s)
        self._last: float | None = None
        self._pending: list[JobRecord] | None = None

    def due(self) -> bool:
        """Whether :meth:`update` would write now (the last write is ``min_interval_s`` old):
        a caller can build the records only then.

        >>> import tempfile
        >>> w = SweepFilesWriter(tempfile.mkdtemp(), "s", min_interval_s=60)
        >>> w.due(), w.update([]), w.due()
        (True, True, False)
        """
        import time

        return self._last is None or time.monotonic() - self._last >= self.min_interval_s

    def update(self, records: list[JobRecord]) -> bool:
        """The records now; written if the last write is ``min_interval_s`` old (True)."""
        import time

        now = time.monotonic()
        if self._last is not None and now - self._last < self.min_interval_s:
            self._pending = list(records)
            return False
        write_sweep_files(self.sweep_dir, self.sweep_id, records)
        self._last, self._pending = now, None
        return True

    def flush(self) -> bool:
        """Write what :meth:`update` held back (True if there was something)."""
        import time

        if self._pending is None:
            return False
        write_sweep_files(self.sweep_dir, self.sweep_id, self._pending)
        self._last, self._pending = time.monotonic(), None
        return True


def _number(text: str) -> Any:
    if text == "":
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"True": True, "False": False}.get(text, text)


def load_records(sweep_dir: str | Path, overrides: dict[int, list[str]]) -> dict[int, JobRecord]:
    """Records of an earlier run of this sweep, read back from its ``sweep_table.csv``.

    ``overrides`` maps each job number to its overrides (to tell parameters from metrics).

    >>> import tempfile
    >>> sweep = Path(tempfile.mkdtemp())
    >>> plan = {0: ["seed=0"], 1: ["seed=1"]}
    >>> write_sweep_files(sweep, "s", [JobRecord(0, plan[0], status="completed",
    ...                                          duration_seconds=7.5, metrics={"total_cycles": 5})])
    >>> rec = load_records(sweep, plan)[0]
    >>> rec.status, rec.duration_seconds, rec.metrics
    ('completed', 7.5, {'total_cycles': 5})
    """
    path = Path(sweep_dir) / TABLE_NAME
    if not path.is_file():
        return {}
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return {}  # damaged: the job dirs tell the rest
    out: dict[int, JobRecord] = {}
    for row in rows:
        try:
            num = int(row["job_num"])
        except (KeyError, TypeError, ValueError):
            continue
        ovr = overrides.get(num)
        if ovr is None or None in row or None in row.values():
            continue  # not this sweep's job, or a damaged row: its job dir tells
        params = {override_key(o) for o in ovr}
        rec = JobRecord(job_num=num, overrides=list(ovr))
        rec.status = row.get("status") or "pending"
        rec.reason = row.get("reason") or None
        rec.experiment_id = row.get("experiment_id") or None
        rec.start_time = row.get("start_time") or None
        rec.end_time = row.get("end_time") or None
        rec.duration_seconds = _number(row.get("duration_seconds") or "")
        rec.memory_gb = _number(row.get("memory_gb") or "")
        rec.metrics = {
            k: _number(v) for k, v in row.items() if k not in TABLE_COLUMNS and k not in params
        }
        out[num] = rec
    return out


def record_from_result(
    num: int, overrides: list[str], job_dir: str | Path, previous: JobRecord | None = None
) -> JobRecord | None:
    """A job's record rebuilt from its ``result.json`` (None if unreadable).

    ``result.json`` holds the experiment's own time, not the job's wall time: the record's
    ``duration_seconds`` and ``memory_gb`` come from ``previous`` (the job's record in the
    earlier table) when given, else stay empty.

    >>> record_from_result(0, ["seed=0"], "/nonexistent") is None
    True
    """
    try:
        body = read_result(job_dir)
    except (OSError, ResultUnreadable):
        return None
    rec = JobRecord(job_num=num, overrides=list(overrides))
    rec.status = str(body.get("status"))
    rec.reason = body.get("error")
    rec.experiment_id = body.get("experiment_id")
    rec.start_time = body.get("started_at")
    rec.end_time = body.get("ended_at")
    if previous is not None:
        rec.duration_seconds, rec.memory_gb = previous.duration_seconds, previous.memory_gb
    node = body.get("node")
    if isinstance(node, dict):
        rec.node = node.get("ray_node_id") or node.get("hostname")
    metrics = body.get("metrics") if isinstance(body.get("metrics"), dict) else {}
    rec.metrics = {
        k: v for k, v in metrics.items() if isinstance(v, (int, float, str, bool)) or v is None
    }
    rec.metrics["status"] = rec.status
    return rec


def rebuild_sweep_files(
    sweep_dir: str | Path, sweep_id: str, jobs: list[list[str]], job_dirs: dict[int, Path]
) -> None:
    """Rewrite the sweep files from the jobs' own ``result.json`` files.

    A resume with nothing left to run calls it, so that a truncated or damaged
    ``sweep_results.json`` or ``sweep_table.csv`` is repaired from what the jobs wrote.
    Jobs without a readable result are listed as pending; the wall times of the earlier
    table are kept where it can still be read.

    >>> import tempfile
    >>> sweep = Path(tempfile.mkdtemp())
    >>> rebuild_sweep_files(sweep, "s", [["seed=0"]], {})
    >>> read_sweep_results(sweep)["total_experiments"]
    1
    """
    earlier = load_records(sweep_dir, dict(enumerate(jobs)))
    records = []
    for num, overrides in enumerate(jobs):
        rec = None
        if num in job_dirs:
            rec = record_from_result(num, overrides, job_dirs[num], earlier.get(num))
        records.append(rec or JobRecord(job_num=num, overrides=list(overrides)))
    write_sweep_files(sweep_dir, sweep_id, records)


def read_sweep_results(sweep_dir: str | Path) -> dict[str, Any] | None:
    """A sweep's ``sweep_results.json`` (None if it has none).

    Raises:
        SweepFileUnreadable: it is truncated, corrupt, nested too deeply or not an object.

    >>> read_sweep_results("/nonexistent") is None
    True
    """
    path = Path(sweep_dir) / RESULTS_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SweepFileUnreadable(f"{RESULTS_NAME}: unreadable ({type(e).__name__})") from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise SweepFileUnreadable(f"{RESULTS_NAME}: truncated or corrupt") from None
    if not isinstance(body, dict):
        raise SweepFileUnreadable(f"{RESULTS_NAME}: not a sweep's results")
    return body


def read_sweep_summary(
    sweep_dir: str | Path, keys: tuple[str, ...] = ("sweep_id", "total_experiments")
) -> dict[str, Any] | None:
    """The fields of a sweep's ``sweep_results.json`` other than its ``results`` (None if it
    has none), without parsing every job's entry when ``keys`` can be had without.

    The fields are decoded one by one from the start of the file with JSON's own decoder,
    up to ``results``; when that gives every one of ``keys`` (the writer puts ``results``
    last), the rest is not read. Otherwise (fields in another order) the file is read whole.
    A file whose ``results`` are cut short still gives the fields before them.

    Raises:
        SweepFileUnreadable: the file cannot be read, and no field could be decoded.

    >>> import tempfile
    >>> sweep = Path(tempfile.mkdtemp())
    >>> write_sweep_files(sweep, "mem_001", [JobRecord(0, ["seed=0"], status="completed")])
    >>> text = (sweep / RESULTS_NAME).read_text()
    >>> _ = (sweep / RESULTS_NAME).write_text(text[: text.index('"results"') + 20])  # truncated
    >>> summary = read_sweep_summary(sweep)
    >>> summary["sweep_id"], summary["total_experiments"]
    ('mem_001', 1)
    """
    path = Path(sweep_dir) / RESULTS_NAME
    try:
        with open(path, "rb") as f:
            head = f.read(_SUMMARY_BYTES)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SweepFileUnreadable(f"{RESULTS_NAME}: unreadable ({type(e).__name__})") from None
    found = _fields_before_results(codecs.getincrementaldecoder("utf-8")("replace").decode(head))
    if all(k in found for k in keys):
        return found
    try:
        body = read_sweep_results(sweep_dir)
    except SweepFileUnreadable:
        if found:
            return found
        raise
    return None if body is None else {k: v for k, v in body.items() if k != "results"}


_SUMMARY_BYTES = 8192  # the fields the writer puts before the results fit with room to spare


def _fields_before_results(text: str) -> dict[str, Any]:
    """The top-level fields of a JSON object before its ``results``, decoded one by one from
    the start of ``text`` (as many as could be: the text may be cut short).

    >>> _fields_before_results('{"a": 1, "b": [2], "results": [{"x"')
    {'a': 1, 'b': [2]}
    """
    decoder = json.JSONDecoder()
    out: dict[str, Any] = {}

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    try:
        pos = skip(0)
        if text[pos] != "{":
            return out
        pos = skip(pos + 1)
        while text[pos] != "}":
            key, pos = decoder.raw_decode(text, pos)
            pos = skip(pos)
            if not isinstance(key, str) or text[pos] != ":" or key == "results":
                break
            value, pos = decoder.raw_decode(text, skip(pos + 1))
            out[key] = value
            pos = skip(pos)
            if text[pos] == ",":
                pos = skip(pos + 1)
            elif text[pos] != "}":
                break
    except (ValueError, IndexError, RecursionError):
        pass  # cut short, or not JSON: what was decoded stands
    return out
