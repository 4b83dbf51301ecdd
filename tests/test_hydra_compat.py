"""Hydra's and OmegaConf's private API is used in one module, for the versions it was written for.

The module (``hydra_plugins._brainjar_hydra_compat``) is shared by the app and its plugins; a
plugin imports it without the app, and Hydra's plugin scan leaves it alone."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import brainjar_sweep
from brainjar_sweep._hydra_compat import check_versions


@pytest.mark.parametrize(("hydra", "omegaconf"), [("1.4.0", "2.3.0"), ("1.3.2", "2.4.0")])
def test_other_versions_are_refused_in_one_line(hydra: str, omegaconf: str) -> None:
    with pytest.raises(RuntimeError) as caught:
        check_versions(hydra, omegaconf)
    line = str(caught.value)
    assert "\n" not in line and hydra in line and omegaconf in line
    assert 'pip install "hydra-core==1.3.8"' in line


def test_importing_with_another_hydra_fails_on_one_line_before_any_work(tmp_path: Path) -> None:
    code = "import hydra; hydra.__version__ = '1.4.0'; import brainjar_sweep.sweep.compose"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("RuntimeError: brainjar-sweep needs hydra-core 1.3.x"), last


def test_no_other_module_uses_hydras_private_api() -> None:
    root = Path(brainjar_sweep.__file__).parent
    private = re.compile(
        r"hydra\._internal|Singleton\b|\._get_node\(|\._value\(\)|_resolvers\b"
        r"|_apply_overrides_to_config|_parse_overrides_and_create_caching_repo"
    )
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert found == []


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_a_plugin_with_another_hydra_fails_on_one_line_too(tmp_path: Path) -> None:
    code = "import hydra; hydra.__version__ = '1.4.0'; import hydra_plugins.brainjar_sweeper._grid"
    proc = _python(code, tmp_path)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "IncompatibleHydra: brainjar-sweep needs hydra-core 1.3.x" in last, last


def test_hydras_plugin_scan_skips_the_module_and_only_warns_on_another_hydra(
    tmp_path: Path,
) -> None:
    scan = (
        "from hydra.core.plugins import Plugins\n"
        "from hydra.plugins.sweeper import Sweeper\n"
        "names = sorted(p.__name__ for p in Plugins.instance().discover(Sweeper))\n"
        "scanned = Plugins.instance().get_stats().modules_import_time\n"
        "print(names, 'hydra_plugins._brainjar_hydra_compat' in scanned)\n"
    )
    proc = _python(scan, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "'BrainjarSweeper'" in proc.stdout and proc.stdout.strip().endswith("False")
    # another Hydra: our sweeper is left out with a warning, Hydra itself still works
    proc = _python("import hydra; hydra.__version__ = '1.4.0'\n" + scan, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "'BasicSweeper'" in proc.stdout and "'BrainjarSweeper'" not in proc.stdout
    assert "brainjar-sweep needs hydra-core 1.3.x" in proc.stderr


def test_a_plugin_imports_the_module_without_the_app(tmp_path: Path) -> None:
    code = (
        "import sys, hydra_plugins._brainjar_hydra_compat as c\n"
        "print(c.grid_jobs, sorted(m for m in sys.modules if m.startswith('brainjar_sweep')))"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("[]"), proc.stdout


def test_the_grid_sweeper_works_after_the_module_was_imported_before_hydras_scan(
    tmp_path: Path,
) -> None:
    # the scan runs Hydra's basic sweeper module again: the brainjar sweeper must derive from
    # the class of the moment, not from one the compat module kept from before the scan
    code = (
        "import hydra_plugins._brainjar_hydra_compat\n"
        "from hydra.core.plugins import Plugins\n"
        "Plugins.instance()\n"
        "from hydra_plugins.brainjar_sweeper.brainjar_sweeper import BrainjarSweeper\n"
        "print(type(BrainjarSweeper(max_batch_size=2)).__name__)\n"
    )
    proc = _python(code, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "BrainjarSweeper"
