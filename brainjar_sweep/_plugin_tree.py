"""Where the project's Hydra plugins are: ``launchers/hydra_plugins`` beside the package.

Installed (wheel or editable), the plugins are importable already and importing this module
changes nothing. In a checkout run without installing (``PYTHONPATH=<checkout>``), it puts
``launchers/`` on ``sys.path``, so that Hydra's namespace scan finds the plugins and the app
finds the Hydra compatibility module they share (``hydra_plugins._brainjar_hydra_compat``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

LAUNCHERS = Path(__file__).resolve().parent.parent / "launchers"


def _checkout_plugins_on_path() -> None:
    if not (LAUNCHERS / "hydra_plugins").is_dir():
        return
    try:
        found = importlib.util.find_spec("hydra_plugins.brainjar_sweeper") is not None
    except ModuleNotFoundError:  # no hydra_plugins namespace at all
        found = False
    if not found:
        sys.path.append(str(LAUNCHERS))


_checkout_plugins_on_path()
