"""Loading a function named by a dotted path in a config (``package.module.function``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def load_dotted(path: str | None, key: str = "dotted path") -> Callable[..., Any] | None:
    """The function at ``path``, or None for an empty path.

    A path that names nothing callable is a :class:`ConfigError` naming ``key``.

    >>> load_dotted("os.path.join")("a", "b")
    'a/b'
    >>> load_dotted(None) is None
    True
    >>> load_dotted("nope.nope", "hydra.sweeper.validator")
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: hydra.sweeper.validator='nope.nope' is not allowed: the dotted path of a function (package.module.function): No module named 'nope'
    """
    if not path:
        return None
    module, _, name = str(path).rpartition(".")
    try:
        found = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError, TypeError) as e:
        from brainjar_sweep.config.errors import ConfigError

        raise ConfigError(key, path, f"{_ALLOWED}: {e}") from None
    if not callable(found):
        from brainjar_sweep.config.errors import ConfigError

        raise ConfigError(key, path, _ALLOWED)
    return found


_ALLOWED = "the dotted path of a function (package.module.function)"
