"""Tests that need an optional extra: skipped with the install command when it is missing.

The README's test command installs ``[test]`` only, so every test, doctest and docs example that
needs an extra (llama, optuna, ray, postgres, parquet, web) asks :func:`need` first. When the extra is
missing the test is skipped with a reason that names the extra and its install command, unless
``BRAINJAR_REQUIRE_<EXTRA>=1`` (or ``BRAINJAR_REQUIRE_EXTRAS=1`` for all of them) is set, as CI
does: then it fails, so that a broken install cannot pass as a green run of skips.
"""

from __future__ import annotations

import os

import pytest

from brainjar_sweep._imports import EXTRAS, extra_available

# an extra's test-time modules beyond the one that proves the extra is installed
_ALSO = {"llama": ("gguf", "numpy"), "web": ("uvicorn", "jinja2")}


def required(extra: str) -> bool:
    """Whether this run must have ``extra`` (``BRAINJAR_REQUIRE_<EXTRA>=1``)."""
    return "1" in (
        os.environ.get(f"BRAINJAR_REQUIRE_{extra.upper()}"),
        os.environ.get("BRAINJAR_REQUIRE_EXTRAS"),
    )


def hint(extra: str) -> str:
    """Why a test of ``extra`` did not run, and the command that makes it run."""
    return (
        f"needs the [{extra}] extra ({EXTRAS[extra][0]}): "
        f'pip install "hydra-core==1.3.8" -e ".[test,{extra}]"'
    )


def missing(extra: str) -> bool:
    """Whether ``extra`` (or a module its tests need) cannot be imported."""
    import importlib.util

    if not extra_available(extra):
        return True
    return any(importlib.util.find_spec(m) is None for m in _ALSO.get(extra, ()))


def need(*extras: str, module_level: bool = False) -> None:
    """Skip the calling test (or module) unless every extra is installed; fail if required."""
    __tracebackhide__ = True  # the skip is reported at the test's line, not here
    for extra in extras:
        if extra not in EXTRAS:
            raise ValueError(f"unknown extra {extra!r}: one of {sorted(EXTRAS)}")
        if not missing(extra):
            continue
        reason = hint(extra)
        if required(extra):
            pytest.fail(f"BRAINJAR_REQUIRE_{extra.upper()}=1 but the test {reason}", pytrace=False)
        pytest.skip(reason, allow_module_level=module_level)
