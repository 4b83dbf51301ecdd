"""Watch a sweep live in the browser: ``brainjar-sweep watch <sweep dir>`` (extra ``[web]``).

The page shows a running or finished sweep (grid or Optuna) from its files and the
experiments database, read-only, and updates itself through server-sent events. See
docs/watch.md.

>>> print(watch_command("multirun/memory_corruption_comprehensive_001"))
brainjar-sweep watch multirun/memory_corruption_comprehensive_001
"""

from __future__ import annotations

import os
import shlex

from brainjar_sweep._lazy import lazy_exports

_EXPORTS = {
    "SweepView": "brainjar_sweep.watch.state",
    "memory_chart": "brainjar_sweep.watch.charts",
    "make_app": "brainjar_sweep.watch.server",
    "serve": "brainjar_sweep.watch.server",
}

__all__ = ["watch_command", *_EXPORTS]


def watch_command(sweep_dir: str | os.PathLike[str]) -> str:
    """The command that opens the watch page of ``sweep_dir`` (for a sweep's summary to print).

    >>> watch_command("runs/my sweep")
    "brainjar-sweep watch 'runs/my sweep'"
    """
    return f"brainjar-sweep watch {shlex.quote(os.fspath(sweep_dir))}"


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
