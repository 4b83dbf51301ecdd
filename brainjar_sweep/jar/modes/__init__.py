"""The classes that play the modes, one module each; each mode is declared (name, config
block, minds, class) in :mod:`brainjar_sweep.config.modes`, and :func:`mode_class` finds its
class from there."""

from __future__ import annotations

import importlib
import pkgutil

from brainjar_sweep.config.modes import mode_spec
from brainjar_sweep.jar.modes.base import Mode

__all__ = ["Mode", "mode_class"]

# the classes of this package are imported with it (a launcher's job-process server preloads
# the jar, so a job imports nothing more); a class elsewhere is imported when first run
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")


def mode_class(name: str) -> type[Mode]:
    """The class that plays mode ``name``, imported on first use."""
    cls = mode_spec(name).behaviour_class()
    if not (isinstance(cls, type) and issubclass(cls, Mode)):
        raise TypeError(f"mode {name}: {mode_spec(name).behaviour} is not a Mode")
    return cls
