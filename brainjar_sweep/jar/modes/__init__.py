"""One module per mode; :data:`MODES` maps a mode name to its class."""

from __future__ import annotations

from brainjar_sweep.jar.modes.amnesiac_loop import AmnesiacLoop
from brainjar_sweep.jar.modes.base import Mode
from brainjar_sweep.jar.modes.determinism_revelation import DeterminismRevelation
from brainjar_sweep.jar.modes.hive_cluster import HiveCluster
from brainjar_sweep.jar.modes.illusory_operator import IllusoryOperator
from brainjar_sweep.jar.modes.panopticon_observer import PanopticonObserver
from brainjar_sweep.jar.modes.panopticon_subject import PanopticonSubject
from brainjar_sweep.jar.modes.prisoners_dilemma import PrisonersDilemma
from brainjar_sweep.jar.modes.split_brain import SplitBrain
from brainjar_sweep.jar.modes.unstable_memory import UnstableMemory

MODES: dict[str, type[Mode]] = {
    cls.name: cls
    for cls in (
        AmnesiacLoop,
        UnstableMemory,
        PanopticonSubject,
        PanopticonObserver,
        SplitBrain,
        PrisonersDilemma,
        DeterminismRevelation,
        IllusoryOperator,
        HiveCluster,
    )
}

__all__ = ["MODES", "Mode"]
