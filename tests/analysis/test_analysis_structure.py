"""The analysis and the self-report parser stay places one can change with confidence: no
module over 600 lines, no function over 80, no module importing another's private name, and a
self-report parser that imports nothing else of the project.

The source is read (``ast``); imports inside functions count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import brainjar_sweep

ROOT = Path(brainjar_sweep.__file__).parent
CHECKED = sorted([*(ROOT / "analysis").rglob("*.py"), *(ROOT / "selfreport").rglob("*.py")])
MAX_FUNCTION, MAX_MODULE = 80, 600


def _name(path: Path) -> str:
    return path.relative_to(ROOT.parent).with_suffix("").as_posix().replace("/", ".")


@pytest.mark.parametrize("path", CHECKED, ids=_name)
def test_short_functions_and_modules(path: Path) -> None:
    text = path.read_text()
    assert text.count("\n") <= MAX_MODULE, f"{path.name}: {text.count(chr(10))} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION, f"{path.name}: {node.name} has {length} lines"


def _project_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every ``from brainjar_sweep... import name`` in ``path``."""
    return [
        (node.module, alias.name)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("brainjar_sweep")
        for alias in node.names
    ]


def test_no_module_imports_another_modules_private_name() -> None:
    private = [
        f"{_name(path)}: {module}.{name}"
        for path in CHECKED
        for module, name in _project_imports(path)
        if name.startswith("_") and module.rpartition(".")[2] != name
    ]
    assert private == []


def test_the_self_report_parser_imports_nothing_else_of_the_project() -> None:
    parser = [p for p in CHECKED if "selfreport" in p.parts]
    assert len(parser) >= 5  # the modules were found
    others = {
        module
        for path in parser
        for module, _ in _project_imports(path)
        if not module.startswith("brainjar_sweep.selfreport")
    }
    assert others == set()
