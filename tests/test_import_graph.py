"""No import cycles between the package's implementation modules.

Every ``import`` counts, at module level or inside a function (a lazy import is still a
dependency); imports only for type checkers (``if TYPE_CHECKING:``) do not. A package's
``__init__`` only re-exports: an import of a package counts as imports of the modules it
re-exports.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import brainjar_sweep

ROOT = Path(brainjar_sweep.__file__).parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, package: str) -> set[str]:
    """Dotted names ``path`` imports (``from a import b`` gives ``a.b``), type-checking
    imports left out."""

    class Visitor(ast.NodeVisitor):
        def __init__(self) -> None:
            self.found: set[str] = set()

        def visit_If(self, node: ast.If) -> None:
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            self.found.update(a.name for a in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            self.found.update(f"{base}.{a.name}" for a in node.names)

    visitor = Visitor()
    visitor.visit(ast.parse(path.read_text()))
    return visitor.found


def _graph() -> dict[str, set[str]]:
    modules = _modules()

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = {owner(t) for t in _imports(path, package) if t.startswith("brainjar_sweep")}
        edges[name] = {t for t in targets if t is not None and t != name}
    packages = {n for n, p in modules.items() if p.name == "__init__.py"}

    def through(name: str, seen: frozenset[str]) -> set[str]:
        out: set[str] = set()
        for t in edges[name]:
            if t not in packages:
                out.add(t)
            elif t not in seen:
                out |= through(t, seen | {t})
        return out

    return {n: through(n, frozenset()) - {n} for n in modules if n not in packages}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    found.append(sorted(comp))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_implementation_modules() -> None:
    assert _cycles(_graph()) == []


def test_the_lifecycle_does_not_import_the_entry_point() -> None:
    graph = _graph()
    hooks = ("lifecycle", "resume", "job_end", "_job_ids")
    for name in hooks:
        assert "brainjar_sweep.app" not in graph[f"brainjar_sweep.sweep.{name}"]
    assert "brainjar_sweep.records.identity" in graph["brainjar_sweep.sweep._job_ids"]


def test_the_analysis_loads_neither_the_jar_the_modes_nor_the_minds() -> None:
    """Reading self-reports needs their parser (``selfreport``), not the jar that asks them."""
    modules = [
        "brainjar_sweep.analysis",
        "brainjar_sweep.analysis.beliefs",
        "brainjar_sweep.analysis.cli",
        "brainjar_sweep.analysis.plots",
        "brainjar_sweep.analysis.report",
    ]
    code = (
        f"import sys\nfor m in {modules!r}: __import__(m)\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('brainjar_sweep.')))"
    )
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(out.stdout.split())
    assert "brainjar_sweep.selfreport" in loaded  # the modules were imported
    assert not {
        m
        for m in loaded
        if m.startswith(("brainjar_sweep.jar", "brainjar_sweep.modes", "brainjar_sweep.minds"))
    }
    timed = re.findall(r"\|\s*(brainjar_sweep\.\S+)", out.stderr)
    assert "brainjar_sweep.analysis.report" in timed
    assert not [m for m in timed if re.match(r"brainjar_sweep\.(jar|modes|minds)", m)]


def test_checking_a_config_loads_the_modes_but_no_runner_mind_or_store() -> None:
    """Validation reads every mode's declaration, which holds its class: the class stays light."""
    code = (
        "import sys\nimport brainjar_sweep.config\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith(('brainjar_sweep', 'sqlalchemy'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "brainjar_sweep.modes.split_brain" in loaded
    heavy = (
        "brainjar_sweep.jar.runner",
        "brainjar_sweep.minds",
        "brainjar_sweep.store",
        "sqlalchemy",
    )
    assert not {m for m in loaded if m.startswith(heavy)}
