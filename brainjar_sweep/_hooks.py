"""The functions a config names by dotted path (the sweeper's and the launcher's hooks), loaded
with Hydra's own ``hydra.utils.get_method``; a path that names no function is one line.

Light on purpose: a plugin imports it at start-up, and the app's config package (which fills
Hydra's ConfigStore) is imported only to report a bad path."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

_ALLOWED = "the dotted path of a function (package.module.function)"


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
    >>> load_dotted("os.sep", "hydra.sweeper.validator")
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: hydra.sweeper.validator='os.sep' is not allowed: the dotted path of a function (package.module.function)
    """
    if not path:
        return None
    from hydra.utils import get_method

    # get_method logs its error too: the one line below says it all
    hydra_log = logging.getLogger("hydra.utils")
    was = hydra_log.disabled
    hydra_log.disabled = True
    try:
        return get_method(str(path))
    except ValueError as e:
        from brainjar_sweep.config.errors import ConfigError

        if str(e).startswith("Located non-callable"):
            raise ConfigError(key, path, _ALLOWED) from None
        raise ConfigError(key, path, f"{_ALLOWED}: {_why(e)}") from None
    except Exception as e:  # noqa: BLE001 - any import failure of the named module
        from brainjar_sweep.config.errors import ConfigError

        raise ConfigError(key, path, f"{_ALLOWED}: {_why(e)}") from None
    finally:
        hydra_log.disabled = was


def _why(error: BaseException) -> str:
    """The first line of what went wrong (the import's own error when there is one).

    >>> _why(ImportError("Error loading 'x':\\nmore"))
    "Error loading 'x':"
    """
    cause = error.__cause__ or error
    text = str(cause).strip() or type(cause).__name__
    return text.splitlines()[0]
