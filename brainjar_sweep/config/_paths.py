"""Where the Hydra config tree lives: inside the package when installed, at the top level in a checkout."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent


def conf_dir() -> Path:
    """The ``conf/`` directory: ``brainjar_sweep/conf`` in a wheel, ``<checkout>/conf`` otherwise."""
    inside = _PKG / "conf"
    if (inside / "config.yaml").is_file():
        return inside
    return _PKG.parent / "conf"


def _checkout_plugins_on_path() -> None:
    """In a checkout run without installing (``PYTHONPATH=<checkout>``), let Hydra find ``launchers/hydra_plugins``.

    Installed (wheel or editable), the plugins are importable already and nothing changes.
    """
    launchers = _PKG.parent / "launchers"
    if not (launchers / "hydra_plugins").is_dir():
        return
    try:
        found = importlib.util.find_spec("hydra_plugins.brainjar_sweeper") is not None
    except ModuleNotFoundError:  # no hydra_plugins namespace at all
        found = False
    if not found:
        sys.path.append(str(launchers))


_checkout_plugins_on_path()
