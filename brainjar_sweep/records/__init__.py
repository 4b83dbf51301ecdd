"""The records a sweep leaves on disk, and the rules that name them (one owner of each).

- :mod:`.identity`: a sweep's resolved dir and id, an experiment's id, ``config_hash``;
- :mod:`.result`: a job's ``result.json`` (one writer, one reader);
- :mod:`.sweep_files`: ``sweep_results.json``, ``completed_experiments.json`` and
  ``sweep_table.csv`` (written as jobs finish, read back on resume and by the analysis).

>>> from brainjar_sweep.records import experiment_id_for, sweep_id_for
>>> experiment_id_for(sweep_id_for("sw", configured="mem"), 3)
'mem_exp0003'
"""

from brainjar_sweep.records.identity import (
    config_hash,
    experiment_id_for,
    resolve_sweep_dir,
    run_id_for,
    sweep_id_for,
)
from brainjar_sweep.records.result import (
    RESULT_NAME,
    ForeignResult,
    ResultUnreadable,
    encode_result,
    parse_result,
    read_result,
    read_status,
    result_path,
    write_result,
)
from brainjar_sweep.records.sweep_files import (
    RESULTS_NAME,
    SWEEP_FILE_NAMES,
    TABLE_COLUMNS,
    TABLE_NAME,
    JobRecord,
    SweepFilesWriter,
    SweepFileUnreadable,
    load_records,
    read_sweep_results,
    read_sweep_summary,
    rebuild_sweep_files,
    record_from_result,
    swept_keys,
    write_sweep_files,
)

__all__ = [
    "RESULTS_NAME",
    "RESULT_NAME",
    "SWEEP_FILE_NAMES",
    "TABLE_COLUMNS",
    "TABLE_NAME",
    "ForeignResult",
    "JobRecord",
    "ResultUnreadable",
    "SweepFileUnreadable",
    "SweepFilesWriter",
    "config_hash",
    "experiment_id_for",
    "load_records",
    "encode_result",
    "parse_result",
    "read_result",
    "read_status",
    "read_sweep_results",
    "read_sweep_summary",
    "rebuild_sweep_files",
    "record_from_result",
    "resolve_sweep_dir",
    "result_path",
    "run_id_for",
    "sweep_id_for",
    "swept_keys",
    "write_result",
    "write_sweep_files",
]
