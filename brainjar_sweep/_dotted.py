"""Loading a function named by a dotted path in a config (``package.module.function``)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def load_dotted(path: str | None) -> Callable[..., Any] | None:
    """The object at ``path``, or None for an empty path.

    >>> load_dotted("os.path.join")("a", "b")
    'a/b'
    >>> load_dotted(None) is None
    True
    """
    if not path:
        return None
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)
