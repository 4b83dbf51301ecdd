"""The documentation stays true to the code.

- ``docs/configuration.md`` is exactly what ``tools/gen_config_reference.py`` generates;
- every ``console`` example in ``docs/*.md`` and ``docs/modes/*.md`` runs (exit code 0, in a
  fresh directory) and prints the output lines shown under it;
- every ``python -m brainjar_sweep`` command shown in a ``text`` block (where commands that
  fail are shown) fails, prints the lines shown under it, and writes nothing;
- each mode page lists its mode's parameters with their real defaults;
- relative links (and their anchors) resolve;
- an example that needs an optional extra says so (``<!-- extras: ray -->`` on the line above its
  block) and is skipped with the install command when the extra is missing.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest
from _extras import missing, need

from brainjar_sweep.config.schema import MODE_CLASSES, MODES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
DOC_FILES = sorted(DOCS.glob("*.md")) + sorted((DOCS / "modes").glob("*.md"))
COMMAND_TIMEOUT_S = 120


class Example(NamedTuple):
    """One ``$ command`` of a console block and the output lines shown under it."""

    where: str
    command: str
    expected: tuple[str, ...]
    extras: tuple[
        str, ...
    ] = ()  # optional extras it needs: ``<!-- extras: ray -->`` above its block


def _fenced_blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """(info string, line number of the opening fence, lines) of each fenced block."""
    blocks: list[tuple[str, int, list[str]]] = []
    info: str | None = None
    start = 0
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if info is None:
            if line.startswith("```"):
                info, start, body = line[3:].strip(), number, []
        elif line.startswith("```"):
            blocks.append((info, start, body))
            info = None
        else:
            body.append(line)
    assert info is None, f"unclosed fence opened on line {start}"
    return blocks


_EXTRAS_NOTE = re.compile(r"^<!-- extras: ([\w, ]+) -->$")


def _extras_above(lines: list[str], fence: int) -> tuple[str, ...]:
    """The extras named by a ``<!-- extras: a, b -->`` line just above the fence on line ``fence``."""
    above = [line for line in lines[: fence - 1] if line.strip()]
    match = _EXTRAS_NOTE.match(above[-1].strip()) if above else None
    return tuple(x.strip() for x in match.group(1).split(",")) if match else ()


def _examples(kind: str) -> list[Example]:
    """The ``$ `` commands of every fenced block whose info string is exactly ``kind``."""
    examples: list[Example] = []
    for path in DOC_FILES:
        rel = path.relative_to(DOCS).as_posix()
        text = path.read_text()
        for info, start, body in _fenced_blocks(text):
            if info != kind:
                continue
            extras = _extras_above(text.splitlines(), start)
            current: list[str] | None = None
            for offset, line in enumerate(body, 1):
                if line.startswith("$ "):
                    current = [f"{rel}:{start + offset}", line[2:]]
                    examples.append(Example(current[0], current[1], (), extras))
                elif current is not None and line.strip():
                    last = examples[-1]
                    examples[-1] = last._replace(expected=(*last.expected, line.rstrip()))
                elif kind == "console":
                    assert not line.strip(), f"{rel}:{start + offset}: output before a command"
    return examples


def _load_script(path: Path):  # type: ignore[no-untyped-def]
    """A script of ``tools/`` as a module (it is no part of the installed package)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _load_script(ROOT / "tools" / "gen_config_reference.py")
EXAMPLES = _examples("console")
# commands shown failing (in `text` blocks), with the error they print
FAILING = [e for e in _examples("text") if e.command.startswith("python -m brainjar_sweep")]


def test_reference_is_generated_from_the_code() -> None:
    committed = (DOCS / "configuration.md").read_text()
    assert committed == reference.render_reference(), (
        "docs/configuration.md is out of date; run: "
        "python tools/gen_config_reference.py > docs/configuration.md"
    )


def test_reference_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert reference.main(["--check"]) == 0
    stale = tmp_path / "configuration.md"
    stale.write_text("# old\n")
    assert reference.main(["--check", "--file", str(stale)]) == 1
    assert reference.main(["--check", "--file", str(tmp_path / "missing.md")]) == 1
    assert "out of date" in capsys.readouterr().err


def test_reference_script_examples() -> None:
    import doctest

    result = doctest.testmod(reference, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_reference_script_runs_from_a_checkout(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_config_reference.py"), "--check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "configuration.md is up to date" in proc.stdout


# what in a command shows that it needs an extra
_USES_EXTRA = {
    "ray": "backend=ray",
    "optuna": "brainjar_optuna",
    "llama": "mind=llama_cpp",
    "parquet": "parquet",
    "web": "brainjar-sweep watch",
}


@pytest.mark.parametrize("example", EXAMPLES + FAILING, ids=lambda e: e.where)
def test_an_example_that_uses_an_extra_declares_it(example: Example) -> None:
    used = {extra for extra, word in _USES_EXTRA.items() if word in example.command}
    assert used <= set(example.extras), (
        f"{example.where} uses {sorted(used)}: put <!-- extras: {', '.join(sorted(used))} --> "
        "on the line above its block"
    )


def test_docs_have_console_examples() -> None:
    assert len(EXAMPLES) >= len(MODES)
    pages = {e.where.split(":")[0] for e in EXAMPLES}
    for mode in MODES:
        assert f"modes/{mode}.md" in pages, f"docs/modes/{mode}.md has no console example"


def _follows(expected: tuple[str, ...], output: str) -> bool:
    """Whether the expected lines appear in the output, in order (surrounding blanks ignored)."""
    lines = iter(line.strip() for line in output.splitlines())
    return all(any(want.strip() == got for got in lines) for want in expected)


def _run(example: Example, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run one example's command with bash, in ``cwd``."""
    env = dict(os.environ)
    # `python` in an example is the interpreter running the tests
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(
        ["bash", "-c", example.command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="session")
def console_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[subprocess.CompletedProcess[str]]]]:
    """The selected examples, started together (a few at a time), each in a fresh directory."""
    selected = [
        item.callspec.params["example"]
        for item in request.session.items
        if "example" in getattr(getattr(item, "callspec", None), "params", {})
    ]
    selected = [e for e in selected if not any(missing(x) for x in e.extras)]
    pool = ThreadPoolExecutor(max_workers=min(4, max(2, os.cpu_count() or 2)))
    futures = {e.where: pool.submit(_run, e, tmp_path_factory.mktemp("console")) for e in selected}
    yield futures
    pool.shutdown(cancel_futures=True)


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.where for e in EXAMPLES])
def test_console_example_runs(
    example: Example, console_runs: dict[str, Future[subprocess.CompletedProcess[str]]]
) -> None:
    need(*example.extras)
    proc = console_runs[example.where].result()
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{example.where}: exit code {proc.returncode}\n{output[-3000:]}"
    assert _follows(example.expected, output), (
        f"{example.where}: expected output {list(example.expected)} not found in:\n{output[-3000:]}"
    )


_PARAM_ROW = re.compile(r"^\| `mode\.(\w+)` \| `([^`]*)` \|")


@pytest.mark.parametrize("mode", MODES)
def test_mode_page_lists_parameters_and_defaults(mode: str) -> None:
    page = DOCS / "modes" / f"{mode}.md"
    assert page.is_file(), f"docs/modes/{mode}.md is missing"
    listed = dict(m.groups() for m in map(_PARAM_ROW.match, page.read_text().splitlines()) if m)
    fields = {
        f.name: reference._yaml(reference._default(f))
        for f in dataclasses.fields(MODE_CLASSES[mode])
        if f.name != "name"
    }
    assert listed == fields


def _slug(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub's) gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    in_fence = False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        if in_fence or not line.startswith("#"):
            continue
        slug = _slug(line.lstrip("#"))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


_LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("path", DOC_FILES, ids=[p.relative_to(DOCS).as_posix() for p in DOC_FILES])
def test_relative_links_resolve(path: Path) -> None:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    for target in _LINK.findall(text):
        if re.match(r"^[a-z]+:", target):
            continue  # an absolute URL
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        assert dest.exists(), f"{path.name}: broken link {target}"
        if anchor:
            assert dest.is_file(), f"{path.name}: anchor on a directory: {target}"
            assert anchor in _anchors(dest), f"{path.name}: no heading for {target}"


@pytest.mark.parametrize("example", FAILING, ids=[e.where for e in FAILING])
def test_failing_example_fails_as_shown(example: Example, tmp_path: Path) -> None:
    need(*example.extras)
    proc = _run(example, tmp_path)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, f"{example.where}: succeeded, but is shown failing"
    assert _follows(example.expected, output), (
        f"{example.where}: expected output {list(example.expected)} not found in:\n{output[-3000:]}"
    )
    assert not any(tmp_path.iterdir()), f"{example.where}: a refused command wrote files"
