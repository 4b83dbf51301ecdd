"""The jar: the resource-limited box an experiment's minds live in.

>>> from brainjar_sweep.config import compose, resolve_experiment
>>> Jar(resolve_experiment(compose(["max_cycles=2"])), experiment_id="doc").run().status
'completed'
"""

from brainjar_sweep.jar.memory import Message, MindState
from brainjar_sweep.jar.modes import MODES, Mode
from brainjar_sweep.jar.runner import Interrupted, Jar, RunResult
from brainjar_sweep.jar.selfreport import CORE_BATTERY, Question, parse_answer

__all__ = [
    "CORE_BATTERY",
    "Interrupted",
    "Jar",
    "MODES",
    "Message",
    "MindState",
    "Mode",
    "Question",
    "RunResult",
    "parse_answer",
]
