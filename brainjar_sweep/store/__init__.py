"""The experiments store: experiments, attempts and their events in one database.

A SQLite file shared by concurrent writer processes (the default), or a
PostgreSQL database shared by every machine of a sweep
(``postgresql://user@host:port/dbname``, the ``[postgres]`` extra; the password
comes from ``PGPASSWORD`` or ``~/.pgpass``, never from the URL): callers only
see :class:`ExperimentStore` and a URL.

Example:
    >>> from brainjar_sweep.store import EVENT_TABLES, ExperimentStore
    >>> with ExperimentStore("sqlite://") as store:
    ...     store.create_experiment(experiment_id="e1", name="demo", mode="isolated",
    ...         config={}, config_hash="0", sweep_id=None, job_num=None, seed=0)
    ...     attempt = store.start_attempt("e1", hostname="localhost", pid=1)
    ...     n = store.write_events("e1", attempt, {"cycles": [{"cycle_number": 1}]})
    ...     store.finish_attempt("e1", attempt, status="completed")
    ...     store.summary("e1")["total_cycles"]
    1
"""

from brainjar_sweep.store._engine import experiment_db_url
from brainjar_sweep.store._store import ExperimentNotFoundError, ExperimentStore, default_db_path
from brainjar_sweep.store.reader import (
    StoreReader,
    StoreUnreadable,
    past_cycle_seconds,
    sweep_config_hashes,
)
from brainjar_sweep.store.schema import (
    EVENT_TABLES,
    FINAL_STATUSES,
    STATUSES,
    SUMMARY_COLUMNS,
    event_columns,
)

__all__ = [
    "EVENT_TABLES",
    "FINAL_STATUSES",
    "STATUSES",
    "SUMMARY_COLUMNS",
    "ExperimentNotFoundError",
    "ExperimentStore",
    "StoreReader",
    "StoreUnreadable",
    "default_db_path",
    "event_columns",
    "experiment_db_url",
    "past_cycle_seconds",
    "sweep_config_hashes",
]
