"""The launcher and the Optuna sweeper stay places one can change with confidence: no import
cycle between their modules, no function over 80 lines, no module over 500, and no fact of the
brainjar app in the launcher; and Hydra's and OmegaConf's private API is used in one module
only, for the app and the plugins.

The imports are read from the source (``ast``), each module's imports of modules of the same
set, wherever they are in the file (deferred imports included): a cycle among them means two
modules that cannot be understood one without the other.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "launchers" / "hydra_plugins" / "brainjar_jetson_launcher"
COMPAT = LAUNCHER.parent / "_brainjar_hydra_compat.py"
OPTUNA = LAUNCHER.parent / "brainjar_optuna_sweeper"
CHECKED = [
    *sorted(LAUNCHER.rglob("*.py")),
    ROOT / "brainjar_sweep" / "_supervisor.py",
    COMPAT,
    *sorted(OPTUNA.rglob("*.py")),
]
MAX_FUNCTION, MAX_MODULE = 80, 500


def _name(path: Path) -> str:
    if path.is_relative_to(LAUNCHER.parent):
        rel = path.relative_to(LAUNCHER.parent.parent)
    else:
        rel = path.relative_to(ROOT)
    parts = list(rel.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def import_graph(paths: list[Path]) -> dict[str, set[str]]:
    """Each module -> the modules of ``paths`` it imports (a package's ``__init__`` excluded
    as a target when it only documents the package)."""
    names = {_name(p): p for p in paths}
    return {name: {m for m in _imports(p) if m in names and m != name} for name, p in names.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles of ``graph`` (each found once, from its first module).

    >>> cycles({"a": {"b"}, "b": {"a"}, "c": set()})
    [['a', 'b', 'a']]
    """
    found: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                loop = path[path.index(nxt) :] + [nxt]
                if frozenset(loop) not in seen:
                    seen.add(frozenset(loop))
                    found.append(loop)
            elif len(path) < 50:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    return found


SWEEPERS = sorted((LAUNCHER.parent / "brainjar_sweeper").glob("*.py")) + sorted(
    (LAUNCHER.parent / "brainjar_optuna_sweeper").glob("*.py")
)


def test_no_import_cycle_between_the_launchers_modules() -> None:
    graph = import_graph(CHECKED + SWEEPERS)
    assert len(graph) >= 10, sorted(graph)  # the modules were found
    assert (
        "hydra_plugins.brainjar_jetson_launcher._book"
        in graph["hydra_plugins.brainjar_jetson_launcher._backend"]
    )
    assert cycles(graph) == []


def test_no_import_cycle_between_the_optuna_sweepers_modules() -> None:
    graph = import_graph(sorted(OPTUNA.rglob("*.py")))
    assert len(graph) >= 10, sorted(graph)  # the modules of one concept each were found
    core = "hydra_plugins.brainjar_optuna_sweeper._core"
    assert "hydra_plugins.brainjar_optuna_sweeper._batch" in graph[core]
    assert cycles(graph) == []


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: _name(p))
def test_short_functions_and_modules(path: Path) -> None:
    text = path.read_text()
    assert text.count("\n") <= MAX_MODULE, f"{path.name}: {text.count(chr(10))} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION, f"{path.name}: {node.name} has {length} lines"


# the package itself: a module a reader can hold (600 lines), a function that fits a screen
PACKAGE = sorted((ROOT / "brainjar_sweep").rglob("*.py"))
MAX_PACKAGE_MODULE = 600


def test_the_package_has_short_functions_and_modules() -> None:
    assert len(PACKAGE) > 100  # the package was found
    long: list[str] = []
    for path in PACKAGE:
        text = path.read_text()
        name = path.relative_to(ROOT).as_posix()
        if text.count("\n") > MAX_PACKAGE_MODULE:
            long.append(f"{name}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION:
                    long.append(f"{name}: {node.name} has {length} lines")
    assert long == []


def test_the_launcher_knows_no_fact_of_the_brainjar_app() -> None:
    pattern = re.compile(r"db\.|resources\.|result\.json|sweep_id|experiment_id|crash")
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted(LAUNCHER.rglob("*"))
        if path.is_file() and path.suffix in (".py", ".yaml", ".md")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []


# Hydra's and OmegaConf's private API: its internal package, private attributes and methods
PRIVATE_API = re.compile(
    r"hydra\._internal|\bSingleton\b|\._instances\b|\b_resolvers\b|_get_value_element_as_str"
    r"|\bsplit_arguments\b|\bConfigLoaderImpl\b|\bget_overrides_dirname\b"
    r"|_apply_overrides_to_config|_parse_overrides_and_create_caching_repo|\b_get_node\b"
    r"|\._value\(\)|\._set_parent\(|\._is_interpolation\(|\b_content\b|omegaconf\.basecontainer"
    r"|\b_flush_loggers\b|_invalidate_flags_cache|_check_hydra_context|\b_save_config\b"
)


def test_hydras_private_api_is_used_in_the_compat_module_alone() -> None:
    files = sorted((ROOT / "brainjar_sweep").rglob("*.py")) + sorted(LAUNCHER.parent.rglob("*.py"))
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in files
        if path != COMPAT
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if PRIVATE_API.search(line)
    ]
    assert hits == []
    # the pattern finds what it is meant to: the compat module's own uses
    found = {m.group(0) for m in PRIVATE_API.finditer(COMPAT.read_text())}
    assert len(found) >= 10, sorted(found)
