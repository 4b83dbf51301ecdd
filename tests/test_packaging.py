"""Packaging: the app and its Hydra plugin work from a checkout, an editable install and a wheel.

Every test makes a fresh virtual environment under ``tmp_path`` and installs into it with
pip (its wheel cache keeps repeated installs fast). The source tree is copied into
``tmp_path`` first, so nothing is ever built or written inside the checkout. The app is
always run from an unrelated working directory, so that nothing is imported from the
current directory by accident.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
HYDRA = "hydra-core==1.3.8"
PIP_TIMEOUT = 900
RUN_TIMEOUT = 180

# not part of a source tree when it is copied without git's help
_IGNORED_ANYWHERE = shutil.ignore_patterns(
    ".git", "__pycache__", "*.pyc", "*.egg-info", ".venv*", ".pytest_cache", ".ruff_cache"
)
_IGNORED_AT_TOP = {".benchmarks", "build", "dist", "outputs", "multirun", "logs"}


def _ignored(directory: str, names: list[str]) -> set[str]:
    skip = set(_IGNORED_ANYWHERE(directory, names))
    if Path(directory) == ROOT:
        skip |= _IGNORED_AT_TOP & set(names)
    return skip


_DISCOVER = (
    "from hydra.core.plugins import Plugins\n"
    "from hydra.plugins.sweeper import Sweeper\n"
    "print(sorted(p.__name__ for p in Plugins.instance().discover(Sweeper)))\n"
)


# --------------------------------------------------------------------------- helpers


def _git_files() -> list[str] | None:
    """Files git knows about (tracked, plus new ones not ignored), or None without git."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        return None
    proc = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    if proc.returncode != 0:
        return None
    return [name for name in proc.stdout.decode().split("\0") if name]


def copy_source(dest: Path) -> Path:
    """Copy the project's source files (what git would commit) into ``dest``."""
    names = _git_files()
    if names is None:
        shutil.copytree(ROOT, dest, ignore=_ignored, symlinks=True)
        return dest
    for name in names:
        src = ROOT / name
        if not src.is_file():  # deleted in the working tree, not yet in git
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    return dest


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without anything that could leak the checkout or this venv."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONSAFEPATH"}
    }
    env.update(
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
    )
    env.update(extra)
    return env


def make_venv(path: Path) -> Path:
    """Create a virtual environment at ``path`` and return its Python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    bindir = path / ("Scripts" if os.name == "nt" else "bin")
    return bindir / ("python.exe" if os.name == "nt" else "python")


def run(
    cmd: Sequence[str | Path], cwd: Path, env: dict[str, str], timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    """Assert a zero exit and return stdout; show both streams otherwise."""
    assert proc.returncode == 0, (
        f"{' '.join(proc.args)} exited {proc.returncode}\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    )
    return proc.stdout


def pip_install(python: Path, args: Iterable[str], cwd: Path, env: dict[str, str]) -> None:
    ok(run([python, "-m", "pip", "install", "--quiet", *args], cwd, env, timeout=PIP_TIMEOUT))


def project_table() -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        tomllib = pytest.importorskip("tomli")
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def app(python: Path, *args: str, cwd: Path, env: dict[str, str]) -> str:
    return ok(run([python, "-m", "brainjar_sweep", *args], cwd, env))


def python_says(python: Path, code: str, cwd: Path, env: dict[str, str]) -> str:
    return ok(run([python, "-c", code], cwd, env)).strip()


def where(python: Path, module: str, cwd: Path, env: dict[str, str]) -> Path:
    """The directory a module (or package) is imported from in that Python."""
    code = f"import pathlib, {module} as m; print(pathlib.Path(m.__file__).resolve().parent)"
    return Path(python_says(python, code, cwd, env))


def check_one_run(python: Path, cwd: Path, env: dict[str, str]) -> None:
    """``python -m brainjar_sweep max_cycles=3`` writes result.json and the database under cwd."""
    cwd.mkdir(parents=True, exist_ok=True)
    app(python, "max_cycles=3", cwd=cwd, env=env)
    results = sorted(cwd.glob("outputs/*/*/result.json"))
    assert len(results) == 1, f"expected one result.json under {cwd}, found {results}"
    body = json.loads(results[0].read_text())
    assert body["status"] == "completed", body
    assert body["metrics"]["total_cycles"] == 3, body["metrics"]
    assert (cwd / "logs" / "experiments.db").is_file()


def check_plugin(python: Path, cwd: Path, env: dict[str, str]) -> None:
    """Hydra discovers the sweeper, on the command line and through its plugin API."""
    cwd.mkdir(parents=True, exist_ok=True)
    assert "BrainjarSweeper" in app(python, "--info", "plugins", cwd=cwd, env=env)
    assert "BrainjarSweeper" in python_says(python, _DISCOVER, cwd, env)


def check_multirun(python: Path, cwd: Path, env: dict[str, str]) -> None:
    """``-m max_cycles=2,3`` writes two job dirs, each with its result."""
    cwd.mkdir(parents=True, exist_ok=True)
    app(python, "-m", "max_cycles=2,3", cwd=cwd, env=env)
    jobs = sorted(p.parent for p in cwd.glob("multirun/*/*/*/.hydra"))
    assert [j.name for j in jobs] == ["0", "1"], jobs
    cycles = [json.loads((j / "result.json").read_text())["metrics"]["total_cycles"] for j in jobs]
    assert cycles == [2, 3]


def purelib(python: Path, cwd: Path, env: dict[str, str]) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(python_says(python, code, cwd, env)).resolve()


# --------------------------------------------------------------------------- the cases


def test_source_checkout_without_installing(tmp_path: Path) -> None:
    """Only the dependencies are installed; the checkout is reached through PYTHONPATH."""
    src = copy_source(tmp_path / "src")
    python = make_venv(tmp_path / "venv")
    deps = project_table()["project"]["dependencies"]
    pip_install(python, [HYDRA, *deps], tmp_path, clean_env())

    env = clean_env(PYTHONPATH=str(src))
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    assert where(python, "brainjar_sweep", cwd, env) == (src / "brainjar_sweep").resolve()
    check_one_run(python, cwd, env)


def test_editable_install(tmp_path: Path) -> None:
    """``pip install -e``: the app runs and Hydra's namespace scan finds the plugin."""
    src = copy_source(tmp_path / "src")
    python = make_venv(tmp_path / "venv")
    env = clean_env()
    pip_install(python, [HYDRA, "-e", str(src)], tmp_path, env)

    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    assert where(python, "brainjar_sweep", cwd, env) == (src / "brainjar_sweep").resolve()
    plugin = where(python, "hydra_plugins.brainjar_sweeper", cwd, env)
    assert plugin == (src / "launchers" / "hydra_plugins" / "brainjar_sweeper").resolve()
    check_one_run(python, cwd / "run", env)
    check_plugin(python, cwd / "info", env)
    check_multirun(python, cwd / "sweep", env)


def test_wheel_install(tmp_path: Path) -> None:
    """``pip install <tree>``: works with the source tree gone; conf/ ships inside the package."""
    src = copy_source(tmp_path / "src")
    python = make_venv(tmp_path / "venv")
    env = clean_env()
    pip_install(python, [HYDRA, str(src)], tmp_path, env)
    shutil.rmtree(src)

    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    site = purelib(python, cwd, env)
    assert where(python, "brainjar_sweep", cwd, env) == site / "brainjar_sweep"
    assert where(python, "hydra_plugins.brainjar_sweeper", cwd, env) == (
        site / "hydra_plugins" / "brainjar_sweeper"
    )
    assert (site / "brainjar_sweep" / "conf" / "config.yaml").is_file()
    assert not (site / "hydra_plugins" / "__init__.py").exists(), (
        "hydra_plugins must stay a namespace"
    )
    conf = python_says(
        python, "from brainjar_sweep.config import conf_dir; print(conf_dir())", cwd, env
    )
    assert Path(conf).resolve() == site / "brainjar_sweep" / "conf"

    check_one_run(python, cwd / "run", env)
    check_plugin(python, cwd / "info", env)
    check_multirun(python, cwd / "sweep", env)
    # the console script declared in [project.scripts] imports and answers --help
    script = python.parent / ("brainjar-sweep.exe" if os.name == "nt" else "brainjar-sweep")
    assert ok(run([script, "--help"], cwd, env)).strip()


def test_sdist_and_wheel_contents(tmp_path: Path) -> None:
    """The sdist holds the whole source tree, and the wheel built from it has the right layout."""
    src = copy_source(tmp_path / "src")
    python = make_venv(tmp_path / "venv")
    env = clean_env()
    pip_install(python, project_table()["build-system"]["requires"], tmp_path, env)
    dist = tmp_path / "dist"
    ok(run([python, "-m", "hatchling", "build", "-t", "sdist", "-d", dist], src, env))
    (sdist,) = dist.glob("*.tar.gz")
    ok(run([python, "-m", "pip", "wheel", "--no-deps", "-w", dist, sdist], tmp_path, env, 600))
    (wheel,) = dist.glob("*.whl")

    source = {
        p.relative_to(src).as_posix()
        for top in ("brainjar_sweep", "conf", "launchers")
        for p in (src / top).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    with tarfile.open(sdist) as tf:
        in_sdist = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert not source - in_sdist, f"missing from the sdist: {sorted(source - in_sdist)}"
    assert "pyproject.toml" in in_sdist

    expected = set()
    for name in source:
        if name.startswith("conf/"):
            expected.add("brainjar_sweep/" + name)
        elif name.startswith("launchers/"):
            expected.add(name.removeprefix("launchers/"))
        else:
            expected.add(name)
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = {n for n in zf.namelist() if ".dist-info/" not in n}
    assert not expected - in_wheel, f"missing from the wheel: {sorted(expected - in_wheel)}"
    assert not in_wheel - expected, f"unexpected in the wheel: {sorted(in_wheel - expected)}"
    assert "hydra_plugins/__init__.py" not in in_wheel
