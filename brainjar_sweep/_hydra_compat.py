"""The app's door to Hydra's and OmegaConf's private API: everything lives in the one
compatibility module the app shares with its Hydra plugins,
``hydra_plugins._brainjar_hydra_compat`` (a plugin imports it without importing the app).

On another Hydra or OmegaConf version, importing this module fails with one line
(``RuntimeError: brainjar-sweep needs hydra-core 1.3.x ...``) before any work starts.

>>> from brainjar_sweep._hydra_compat import check_versions
>>> check_versions("1.3.8", "2.3.0")
"""

from __future__ import annotations

import brainjar_sweep._plugin_tree  # noqa: F401  (a checkout: the plugins' tree on sys.path)

try:
    from hydra_plugins._brainjar_hydra_compat import (
        apply_value_overrides,
        check_versions,
        child_node,
        config_repository,
        grid_jobs,
        hydra_state,
        is_interpolation,
        node_value,
        overrides_dirname,
        raw_value,
        restore_hydra_state,
        swap_child,
    )
except RuntimeError as e:  # another version: one line, as a plain error of the app
    raise RuntimeError(str(e)) from None

__all__ = [
    "apply_value_overrides",
    "check_versions",
    "child_node",
    "config_repository",
    "grid_jobs",
    "hydra_state",
    "is_interpolation",
    "node_value",
    "overrides_dirname",
    "raw_value",
    "restore_hydra_state",
    "swap_child",
]
