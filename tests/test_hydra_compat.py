"""Hydra's and OmegaConf's private API is used in one module, for the versions it was written for."""

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
        if path.name != "_hydra_compat.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if private.search(line)
    ]
    assert found == []
