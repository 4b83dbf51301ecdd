"""The jar: the resource-limited box an experiment's minds live in.

Its pieces are imported on first use: importing the jar does not load every mode, the runner
and the minds. The questions it asks and their parsing live in :mod:`brainjar_sweep.selfreport`.

>>> from brainjar_sweep.config import compose, resolve_experiment
>>> from brainjar_sweep.jar import Jar
>>> Jar(resolve_experiment(compose(["max_cycles=2"])), experiment_id="doc").run().status
'completed'
"""

from __future__ import annotations

from brainjar_sweep._lazy import lazy_exports

_EXPORTS = {
    "CORE_BATTERY": "brainjar_sweep.selfreport",
    "Interrupted": "brainjar_sweep.jar.runner",
    "Jar": "brainjar_sweep.jar.runner",
    "Message": "brainjar_sweep.jar.memory",
    "MindState": "brainjar_sweep.jar.memory",
    "Mode": "brainjar_sweep.modes",
    "mode_class": "brainjar_sweep.modes",
    "Question": "brainjar_sweep.selfreport",
    "RunResult": "brainjar_sweep.jar.runner",
    "parse_answer": "brainjar_sweep.selfreport",
}

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
