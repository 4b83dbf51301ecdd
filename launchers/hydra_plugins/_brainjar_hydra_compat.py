"""Every use of Hydra's and OmegaConf's private API in brainjar-sweep, its Hydra plugins and
its app, for the versions it was written for (hydra-core 1.3.x, omegaconf 2.3.x).

Hydra's public API cannot compose a job's config without re-running the whole composition, nor
give back a node's unresolved value, nor carry its global state into a job's process; these
helpers do it with the functions Hydra and OmegaConf use themselves. On another version this
module refuses to import, in one line, instead of failing later in a way nobody can read.

It lives in the ``hydra_plugins`` namespace, beside the plugins, so that a plugin imports it
without importing the app (the app imports it through ``brainjar_sweep._hydra_compat``). Its
name starts with ``_``: Hydra's plugin scan, which imports every other module of the
namespace, leaves it alone. Its error on another version is an ``ImportError`` as well, so a
scan that reaches it through a plugin warns that the plugin is incompatible instead of failing.

>>> check_versions("1.3.8", "2.3.0")
>>> check_versions("1.4.0", "2.3.0")
Traceback (most recent call last):
...
hydra_plugins._brainjar_hydra_compat.IncompatibleHydra: brainjar-sweep needs hydra-core 1.3.x and omegaconf 2.3.x (it uses their private API), found hydra-core 1.4.0 and omegaconf 2.3.0: pip install "hydra-core==1.3.8" "omegaconf>=2.3,<2.4"
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import hydra
import omegaconf

HYDRA_SERIES = "1.3."
OMEGACONF_SERIES = "2.3."


class IncompatibleHydra(RuntimeError, ImportError):
    """Hydra or OmegaConf is not of the series this module was written for."""


def check_versions(hydra_version: str, omegaconf_version: str) -> None:
    """Raise :class:`IncompatibleHydra` (one line) unless the versions are those this module
    was written for."""
    if hydra_version.startswith(HYDRA_SERIES) and omegaconf_version.startswith(OMEGACONF_SERIES):
        return
    raise IncompatibleHydra(
        f"brainjar-sweep needs hydra-core {HYDRA_SERIES}x and omegaconf {OMEGACONF_SERIES}x "
        f"(it uses their private API), found hydra-core {hydra_version} and omegaconf "
        f'{omegaconf_version}: pip install "hydra-core==1.3.8" "omegaconf>=2.3,<2.4"'
    )


check_versions(hydra.__version__, omegaconf.__version__)

# imported only once the versions are known to have them
from hydra._internal.config_loader_impl import (  # noqa: E402
    ConfigLoaderImpl,
    get_overrides_dirname,
)
from hydra.core.override_parser.types import Override  # noqa: E402
from hydra.core.singleton import Singleton  # noqa: E402
from omegaconf.basecontainer import BaseContainer  # noqa: E402

__all__ = [
    "IncompatibleHydra",
    "apply_value_overrides",
    "check_hydra_context",
    "check_versions",
    "child_node",
    "config_repository",
    "flush_loggers",
    "grid_batches",
    "grid_jobs",
    "hydra_state",
    "hydra_view",
    "is_interpolation",
    "node_value",
    "override_value",
    "overrides_dirname",
    "raw_value",
    "restore_hydra_state",
    "save_config",
    "swap_child",
    "task_and_hydra_copies",
]


def apply_value_overrides(overrides: Sequence[Any], cfg: omegaconf.DictConfig) -> None:
    """Apply parsed value overrides to a composed ``cfg`` as Hydra does after composition.

    >>> from hydra.core.override_parser.overrides_parser import OverridesParser
    >>> cfg = omegaconf.OmegaConf.create({"a": 1})
    >>> apply_value_overrides(OverridesParser.create().parse_overrides(["a=2"]), cfg)
    >>> cfg.a
    2
    """
    ConfigLoaderImpl._apply_overrides_to_config(list(overrides), cfg)


def overrides_dirname(
    overrides: Sequence[Any], kv_sep: str, item_sep: str, exclude_keys: Sequence[str]
) -> str:
    """``hydra.job.override_dirname`` of parsed ``overrides``, as Hydra derives it.

    >>> from hydra.core.override_parser.overrides_parser import OverridesParser
    >>> ovs = OverridesParser.create().parse_overrides(["b=2", "a=1"])
    >>> overrides_dirname(ovs, "=", ",", [])
    'a=1,b=2'
    """
    return str(
        get_overrides_dirname(
            overrides=list(overrides),
            kv_sep=kv_sep,
            item_sep=item_sep,
            exclude_keys=list(exclude_keys),
        )
    )


def config_repository(loader: Any, config_name: str | None, hydra_overrides: list[str]) -> Any:
    """The config repository a sweep sees (a ``hydra.searchpath`` override adds to it), from
    the sweep's config loader (``hydra_context.config_loader``)."""
    _, repo = loader._parse_overrides_and_create_caching_repo(config_name, hydra_overrides)
    return repo


def hydra_state() -> Any:
    """Hydra's global state (its singletons, OmegaConf's resolvers), to put back with
    :func:`restore_hydra_state` (in this process, or pickled in a job's).

    >>> restore_hydra_state(hydra_state())
    """
    return Singleton.get_state()


def restore_hydra_state(state: Any, keep_plugins: bool = False) -> None:
    """Put back Hydra's global state saved by :func:`hydra_state`.

    With ``keep_plugins``, plugins loaded already in this process are kept instead of
    scanned again (a job's process started from a server that imported them).

    >>> restore_hydra_state(hydra_state(), keep_plugins=True)
    """
    if not keep_plugins:
        Singleton.set_state(state)
        return
    from hydra.core.plugins import Plugins

    plugins = Singleton._instances.get(Plugins)
    Singleton._instances = state["instances"]
    if plugins is not None:
        Singleton._instances[Plugins] = plugins
    else:
        Plugins.instance()
    BaseContainer._resolvers = state["omegaconf_resolvers"]


def child_node(cfg: omegaconf.Container, key: str | int) -> Any:
    """The node of ``cfg`` at ``key`` without resolving it (None if it has none).

    >>> child_node(omegaconf.OmegaConf.create({"a": "${b}", "b": 1}), "a")._value()
    '${b}'
    """
    return cfg._get_node(key)


def raw_value(cfg: omegaconf.Container, dotted: str) -> Any:
    """The value at the dotted key ``dotted`` as written, interpolations unresolved.

    >>> raw_value(omegaconf.OmegaConf.create({"x": [{"y": "${nope}"}]}), "x.0.y")
    '${nope}'
    """
    node: Any = cfg
    for part in dotted.split("."):
        node = node._get_node(int(part) if part.isdigit() else part)
    return node._value()


def node_value(node: Any) -> Any:
    """A node's value as written (an interpolation stays its text).

    >>> node_value(child_node(omegaconf.OmegaConf.create({"a": "${b}"}), "a"))
    '${b}'
    """
    return node._value()


def grid_batches(overrides: Sequence[Any], max_batch_size: int | None) -> list[list[list[str]]]:
    """A grid of parsed overrides in batches of jobs, as Hydra's basic sweeper launches them.

    >>> from hydra.core.override_parser.overrides_parser import OverridesParser
    >>> grid_batches(OverridesParser.create().parse_overrides(["a=1,2,3"]), 2)
    [[['a=1'], ['a=2']], [['a=3']]]
    """
    return _basic_sweeper().split_arguments(list(overrides), max_batch_size)


def grid_jobs(overrides: Sequence[Any]) -> list[list[str]]:
    """Every job of a grid of parsed overrides, in the order Hydra's basic sweeper runs them.

    >>> from hydra.core.override_parser.overrides_parser import OverridesParser
    >>> grid_jobs(OverridesParser.create().parse_overrides(["a=1,2", "b=x"]))
    [['a=1', 'b=x'], ['a=2', 'b=x']]
    """
    return [job for batch in grid_batches(overrides, None) for job in batch]


def override_value(value: Any) -> str:
    """A value as Hydra writes it on the right of an override (quoted where it must be).

    >>> override_value(0.5), override_value(None), override_value([1, "x"])
    ('0.5', 'null', '[1,x]')
    """
    return str(Override._get_value_element_as_str(value))


def swap_child(cfg: omegaconf.DictConfig, key: str, node: Any) -> Any:
    """Put ``node`` at ``key`` of ``cfg`` as it is (no copy, no validation); return the node
    that was there. Lets a caller patch a copy of one subtree and put the original back.

    >>> cfg = omegaconf.OmegaConf.create({"a": {"x": 1}, "b": "${a.x}"})
    >>> import copy
    >>> old = swap_child(cfg, "a", copy.deepcopy(child_node(cfg, "a")))
    >>> cfg.a.x = 2
    >>> cfg.b
    2
    >>> _ = swap_child(cfg, "a", old)
    >>> cfg.b
    1
    """
    content = cfg.__dict__["_content"]
    old = content[key]
    node._set_parent(cfg)
    content[key] = node
    return old


def is_interpolation(node: Any) -> bool:
    """Whether a node's value is an interpolation (a string or a whole container).

    >>> is_interpolation(child_node(omegaconf.OmegaConf.create({"a": "${b}", "b": 1}), "a"))
    True
    """
    return bool(node._is_interpolation())


def task_and_hydra_copies(
    config: omegaconf.DictConfig,
) -> tuple[omegaconf.DictConfig, omegaconf.DictConfig]:
    """A job's task config (``config`` but its ``hydra`` node) and its Hydra config (``{"hydra":
    ...}``), as Hydra's ``run_job`` makes them, from one deep copy of ``config``.

    ``run_job`` copies the whole config and drops the copy's ``hydra`` node for the task, and
    copies the masked copy ``HydraConfig`` holds for the ``JobReturn``: the ``hydra`` node,
    most of a small app's config, copied twice where once does. Here the one copy's ``hydra``
    node is moved under a root made as ``OmegaConf.masked_copy`` makes it.

    >>> cfg = omegaconf.OmegaConf.create({"a": 1, "hydra": {"job": {"num": 3}}})
    >>> task, hydra_cfg = task_and_hydra_copies(cfg)
    >>> dict(task), hydra_cfg.hydra.job.num, "hydra" in cfg
    ({'a': 1}, 3, True)
    """
    whole = copy.deepcopy(config)
    node = whole.__dict__["_content"].pop("hydra")
    hydra_cfg = omegaconf.DictConfig(content={})
    node._set_parent(hydra_cfg)
    node._invalidate_flags_cache()
    hydra_cfg.__dict__["_content"]["hydra"] = node
    return whole, hydra_cfg


def hydra_view(config: omegaconf.DictConfig) -> omegaconf.DictConfig:
    """``{"hydra": ...}`` holding ``config``'s own ``hydra`` node, no copy: what
    ``HydraConfig.set_config`` holds (a masked copy whose ``hydra`` node's parent is
    ``config``), for reading it while nothing changes it.

    >>> cfg = omegaconf.OmegaConf.create({"a": 1, "hydra": {"job": {"num": "${a}"}}})
    >>> view = hydra_view(cfg)
    >>> list(view), view.hydra.job.num, view.hydra is cfg.hydra
    (['hydra'], 1, True)
    """
    view = omegaconf.DictConfig(content={})
    view.__dict__["_content"]["hydra"] = config._get_node("hydra")
    return view


def check_hydra_context(hydra_context: Any) -> None:
    """Raise Hydra's own error for a missing ``hydra_context`` (as its ``run_job`` does)."""
    from hydra.core.utils import _check_hydra_context

    _check_hydra_context(hydra_context)


def save_config(cfg: omegaconf.DictConfig, filename: str, output_dir: Any) -> None:
    """Write one of a job's ``.hydra`` files as Hydra's ``run_job`` writes it."""
    from hydra.core.utils import _save_config

    _save_config(cfg, filename, output_dir)


def flush_loggers() -> None:
    """Flush every logging handler, as Hydra's ``run_job`` does after the task."""
    from hydra.core.utils import _flush_loggers

    _flush_loggers()


def _basic_sweeper() -> Any:
    """Hydra's grid sweeper class, as its module holds it now.

    Hydra's plugin scan runs that module again, which makes a new class; its methods name the
    class through the module (``super(BasicSweeper, self)``), so a subclass must derive from
    the one of the moment: never a copy kept here from an earlier import.
    """
    from hydra._internal.core_plugins import basic_sweeper

    return basic_sweeper.BasicSweeper


def __getattr__(name: str) -> Any:
    """``BasicSweeper``: Hydra's grid sweeper, the base of the ``brainjar`` sweeper (the class
    of the moment, see :func:`_basic_sweeper`)."""
    if name == "BasicSweeper":
        return _basic_sweeper()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
