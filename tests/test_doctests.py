"""Every docstring example in the package and its plugins runs, once (they are documentation).

Each module is one test. A module listed in ``NO_EXAMPLES`` has none (and must keep it so, or
leave the list); every other module must have at least one, so that examples that disappear
(a renamed docstring, a broken import that hides a module) fail here instead of passing as
nothing. An example that needs an optional extra is named in ``NEEDS``: without the extra the
module's other examples run and the test is then skipped with the extra's install command.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import hydra_plugins
import pytest
from _extras import missing, need

import brainjar_sweep

# some examples compose configs: put Hydra's global state back after each module
pytestmark = pytest.mark.usefixtures("hydra_restore_singletons")

OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

# modules with no examples of their own (programs, registrations, plain data and plugin shells)
NO_EXAMPLES = {
    "brainjar_sweep._plugin_tree",
    "brainjar_sweep.config._paths",
    "brainjar_sweep.config._register",
    "brainjar_sweep.config.callbacks",
    "brainjar_sweep.config.vocabularies",
    "brainjar_sweep.config.schema",
    "brainjar_sweep.minds.base",
    "brainjar_sweep.modes.amnesiac_loop",
    "brainjar_sweep.modes.base",
    "brainjar_sweep.modes.hive_cluster",
    "brainjar_sweep.modes.illusory_operator",
    "brainjar_sweep.modes.panopticon_observer",
    "brainjar_sweep.modes.split_brain",
    "brainjar_sweep.modes.unstable_memory",
    "brainjar_sweep.minds.llama_cpp",
    "brainjar_sweep.sweep",
    "brainjar_sweep.sweep.compose",
    "hydra_plugins.brainjar_jetson_launcher",
    "hydra_plugins.brainjar_jetson_launcher._backend",
    "hydra_plugins.brainjar_jetson_launcher._launch",
    "hydra_plugins.brainjar_jetson_launcher._local",
    "hydra_plugins.brainjar_jetson_launcher._ray",
    "hydra_plugins.brainjar_jetson_launcher._ray._node",
    "hydra_plugins.brainjar_jetson_launcher._warm",
    "hydra_plugins.brainjar_jetson_launcher.config",
    "hydra_plugins.brainjar_jetson_launcher.jetson_launcher",
    "hydra_plugins.brainjar_optuna_sweeper",
    "hydra_plugins.brainjar_optuna_sweeper._async",
    "hydra_plugins.brainjar_optuna_sweeper._batch",
    "hydra_plugins.brainjar_optuna_sweeper._core",
    "hydra_plugins.brainjar_optuna_sweeper.config",
    "hydra_plugins.brainjar_optuna_sweeper.optuna_sweeper",
    "hydra_plugins.brainjar_sweeper",
    "hydra_plugins.brainjar_sweeper._dry_run",
    "hydra_plugins.brainjar_sweeper._grid",
    "hydra_plugins.brainjar_sweeper._sweep_dir",
    "hydra_plugins.brainjar_sweeper.brainjar_sweeper",
    "hydra_plugins.brainjar_sweeper.config",
}

# docstrings (module.qualified_name) whose examples need an optional extra
NEEDS: dict[str, tuple[str, ...]] = {
    "brainjar_sweep.config._external.db_url": ("postgres",),
    "brainjar_sweep.sweep.pruning.make_pruner": ("optuna",),
    "brainjar_sweep.sweep.pruning.open_storage": ("optuna",),
    "brainjar_sweep.watch.server.make_app": ("web",),
}


def _modules() -> list[str]:
    ours = [
        m.name
        for m in pkgutil.walk_packages(brainjar_sweep.__path__, "brainjar_sweep.")
        if not m.name.endswith(".__main__")  # programs: importing one runs it
    ]
    plugins = [
        m.name
        for m in pkgutil.walk_packages(hydra_plugins.__path__, "hydra_plugins.")
        if m.name.split(".")[1].lstrip("_").startswith("brainjar_")
    ]
    return sorted(ours) + sorted(plugins)


MODULES = _modules()


def test_every_listed_module_exists() -> None:
    assert NO_EXAMPLES <= set(MODULES), sorted(NO_EXAMPLES - set(MODULES))
    for qualified in NEEDS:
        assert any(qualified.startswith(f"{m}.") for m in MODULES), qualified


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write (a database, outputs) write here
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=OPTIONS)
    found = [t for t in finder.find(module, name) if t.examples]
    left_out: set[str] = set()
    for test in sorted(found, key=lambda t: t.name):
        extras = NEEDS.get(test.name, ())
        absent = [x for x in extras if missing(x)]
        if absent:
            left_out.update(absent)
            continue
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} failing example(s) in {name}"
    if name in NO_EXAMPLES:
        assert not found, f"{name} has examples now: take it out of NO_EXAMPLES"
    else:
        assert found, f"{name} has no docstring examples (list it in NO_EXAMPLES if it should not)"
        assert result.attempted > 0 or left_out, f"no example of {name} ran"
    for qualified in NEEDS:  # every docstring named in NEEDS still exists (module.function)
        if qualified.rsplit(".", 1)[0] == name:
            assert any(t.name == qualified for t in found), f"NEEDS names {qualified}: not found"
    if left_out:
        need(*sorted(left_out))
