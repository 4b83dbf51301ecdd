"""Load Hydra multirun sweeps and the experiments DB into tidy pandas tables.

A path may be a sweep dir (``multirun/<date>/<time>``), a dir holding several sweeps
(``multirun/<date>``, ``multirun``), a single job dir, or a file inside a sweep dir.

When a sweep has the launcher's sweep files, ``sweep_table.csv`` is read in one go
(and ``multirun.yaml`` or ``sweep_results.json`` tell its parameter columns from its
metric columns); the job dirs are only checked with ``stat``. A job whose
``result.json`` changed after the table was written, whose ``.hydra/`` is gone, that
the table lists as unfinished, or that the table does not know is read from its own
files. Sweeps without sweep files are read job dir by job dir. Broken or foreign job
dirs (missing ``.hydra/``, truncated ``result.json``, interrupted jobs, entries that
are not jobs) give warnings and are skipped; nothing here raises on them.

The experiments DB (its URL recorded in ``result.json``/``multirun.yaml``, or given
as ``db=``) is opened read-only and joined on ``(experiment_id, attempt)``: the
self-reports of exactly the attempt each job reported (with per-job scores,
named as ``result.json`` names them: ``memory_accuracy_mean``, or ``sr_<question_id>``), and, when first used, the cycles, crashes and interventions.

The package's modules: :mod:`.model` (the data and its columns), :mod:`.values` (values and
levels), :mod:`.discover` (finding sweeps and jobs), :mod:`.job_dirs` and :mod:`.sweep_files`
(reading them), :mod:`.database` (the experiments DB through the store's read API) and
:mod:`.loader` (the entry points).

Example:
    >>> import tempfile
    >>> try:
    ...     load([tempfile.mkdtemp()])
    ... except LoadError as exc:
    ...     print(str(exc).split(" under ")[0])
    no sweep or job dirs
"""

from __future__ import annotations

from brainjar_sweep.analysis.load.discover import find_sweeps
from brainjar_sweep.analysis.load.loader import load, load_each, pool_problem
from brainjar_sweep.analysis.load.model import (
    EVENT_COLUMNS,
    ID_COLUMNS,
    REPLICATE_KEYS,
    LoadError,
    SweepData,
    SweepInfo,
)
from brainjar_sweep.analysis.load.values import parse_value, sort_levels

__all__ = [
    "EVENT_COLUMNS",
    "ID_COLUMNS",
    "REPLICATE_KEYS",
    "LoadError",
    "SweepData",
    "SweepInfo",
    "find_sweeps",
    "load",
    "load_each",
    "parse_value",
    "pool_problem",
    "sort_levels",
]
