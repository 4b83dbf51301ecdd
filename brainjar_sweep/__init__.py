"""brainjar-sweep: reproducible "brain in a jar" experiments and parameter sweeps.

The public API, imported on first use (so that ``python -m brainjar_sweep.device`` and
Hydra's plugin scan stay light):

>>> import brainjar_sweep as bj
>>> exp = bj.resolve_experiment(bj.compose(["max_cycles=3", "mode=split_brain"]))
>>> bj.Jar(exp, experiment_id="doc").run().metrics["total_cycles"]
3
"""

from __future__ import annotations

from brainjar_sweep._lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "compose": "brainjar_sweep.config",
    "resolve_experiment": "brainjar_sweep.config",
    "validate": "brainjar_sweep.config",
    "ConfigError": "brainjar_sweep.config",
    "ExperimentConfig": "brainjar_sweep.config",
    "Jar": "brainjar_sweep.jar",
    "RunResult": "brainjar_sweep.jar",
    "Mind": "brainjar_sweep.minds",
    "MindCrashed": "brainjar_sweep.minds",
    "Prompt": "brainjar_sweep.minds",
    "SimulatedMind": "brainjar_sweep.minds",
    "build_mind": "brainjar_sweep.minds",
    "ExperimentStore": "brainjar_sweep.store",
    "detect": "brainjar_sweep.device",
    "DeviceInfo": "brainjar_sweep.device",
    "load": "brainjar_sweep.analysis",
}

__all__ = ["__version__", *_EXPORTS]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
