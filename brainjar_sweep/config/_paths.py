"""Where the Hydra config tree lives: inside the package when installed, at the top level in a checkout."""

from __future__ import annotations

from pathlib import Path

import brainjar_sweep._plugin_tree  # noqa: F401  (a checkout: Hydra finds the plugins)

_PKG = Path(__file__).resolve().parent.parent


def conf_dir() -> Path:
    """The ``conf/`` directory: ``brainjar_sweep/conf`` in a wheel, ``<checkout>/conf`` otherwise."""
    inside = _PKG / "conf"
    if (inside / "config.yaml").is_file():
        return inside
    return _PKG.parent / "conf"
