"""Every docstring example in the package runs (they are part of the documentation)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import brainjar_sweep

# some examples compose configs: put Hydra's global state back after each module
pytestmark = pytest.mark.usefixtures("hydra_restore_singletons")

# modules whose examples need an optional extra, or that run as a program
SKIP = {"brainjar_sweep.__main__", "brainjar_sweep.analysis.__main__"}

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(brainjar_sweep.__path__, "brainjar_sweep.")
    if m.name not in SKIP
) + [
    # the plugins' own modules with examples
    "hydra_plugins.brainjar_jetson_launcher._core",
    "hydra_plugins.brainjar_jetson_launcher._ray",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write (a database, outputs) write here
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}"
