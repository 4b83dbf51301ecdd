"""Optional dependencies: import them when present, fail with one helpful line when not.

Code that needs an extra imports it inside ``with try_import("llama") as imported:`` and calls
``imported.check()`` where the extra becomes necessary::

    with try_import("llama") as _llama:
        import llama_cpp

    def load(...):
        _llama.check()  # ImportError: llama-cpp-python is not installed: pip install ...

Importing the module that does this never fails; only using the missing extra does, with a
message that names the command that installs it.

>>> with try_import("llama", package="no-such-package") as imp:
...     import no_such_module_here  # noqa: F401
>>> imp.is_successful()
False
>>> imp.check()
Traceback (most recent call last):
...
brainjar_sweep._imports.MissingExtra: no-such-package is not installed: pip install "brainjar-sweep[llama]"
"""

from __future__ import annotations

import importlib.util
from types import TracebackType

__all__ = ["MissingExtra", "extra_available", "install_hint", "try_import"]

# extra name -> (distribution a user would recognise, module that proves it is installed)
EXTRAS: dict[str, tuple[str, str]] = {
    "llama": ("llama-cpp-python", "llama_cpp"),
    "optuna": ("optuna", "optuna"),
    "parquet": ("pyarrow", "pyarrow"),
    "ray": ("ray", "ray"),
    "postgres": ("psycopg", "psycopg"),
    "web": ("starlette", "starlette"),
}


class MissingExtra(ImportError):
    """An optional dependency is missing; the message says how to install it."""


def install_hint(extra: str) -> str:
    """The command that installs an extra.

    >>> install_hint("llama")
    'pip install "brainjar-sweep[llama]"'
    """
    return f'pip install "brainjar-sweep[{extra}]"'


def extra_available(extra: str) -> bool:
    """Whether an extra's key module can be imported (found, not imported).

    >>> extra_available("no-such-extra")
    False
    """
    spec = EXTRAS.get(extra)
    if spec is None:
        return False
    try:
        return importlib.util.find_spec(spec[1]) is not None
    except (ImportError, ValueError):
        return False


class try_import:
    """A context manager that keeps an ImportError for later (used like a function, see above)."""

    def __init__(self, extra: str, package: str | None = None, *, what: str = "") -> None:
        self.extra = extra
        self.package = package or EXTRAS.get(extra, (extra, extra))[0]
        self.what = what
        """What needs the extra ("parquet export"), named in the message when given."""
        self._error: ImportError | None = None

    def __enter__(self) -> try_import:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if isinstance(exc, ImportError):
            self._error = exc
            return True
        return False

    def is_successful(self) -> bool:
        """Whether every import in the block succeeded."""
        return self._error is None

    def message(self) -> str:
        """The one line a user sees when the extra is missing.

        >>> try_import("parquet").message()
        'pyarrow is not installed: pip install "brainjar-sweep[parquet]"'
        >>> try_import("parquet", what="parquet export").message()
        'parquet export needs pyarrow: pip install brainjar-sweep[parquet]'
        """
        if self.what:
            return f"{self.what} needs {self.package}: pip install brainjar-sweep[{self.extra}]"
        return f"{self.package} is not installed: {install_hint(self.extra)}"

    def check(self) -> None:
        """Raise :class:`MissingExtra` (one line) if an import of the block failed."""
        if self._error is not None:
            raise MissingExtra(self.message()) from self._error
