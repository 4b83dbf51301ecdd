"""Every use of Hydra's and OmegaConf's private API in brainjar_sweep, for the versions it was
written for (hydra-core 1.3.x, omegaconf 2.3.x).

Hydra's public API cannot compose a job's config without re-running the whole composition, nor
give back a node's unresolved value; these helpers do it with the functions Hydra and OmegaConf
use themselves. On another version the package refuses to import, in one line, instead of
failing later in a way nobody can read.

>>> check_versions("1.3.8", "2.3.0")
>>> check_versions("1.4.0", "2.3.0")
Traceback (most recent call last):
...
RuntimeError: brainjar-sweep needs hydra-core 1.3.x and omegaconf 2.3.x (it uses their private API), found hydra-core 1.4.0 and omegaconf 2.3.0: pip install "hydra-core==1.3.8" "omegaconf>=2.3,<2.4"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import hydra
import omegaconf

HYDRA_SERIES = "1.3."
OMEGACONF_SERIES = "2.3."


def check_versions(hydra_version: str, omegaconf_version: str) -> None:
    """Raise ``RuntimeError`` (one line) unless the versions are those this module was written for."""
    if hydra_version.startswith(HYDRA_SERIES) and omegaconf_version.startswith(OMEGACONF_SERIES):
        return
    raise RuntimeError(
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
from hydra.core.singleton import Singleton  # noqa: E402


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
    """Hydra's global state (its singletons), to put back with :func:`restore_hydra_state`.

    >>> restore_hydra_state(hydra_state())
    """
    return Singleton.get_state()


def restore_hydra_state(state: Any) -> None:
    """Put back Hydra's global state saved by :func:`hydra_state`."""
    Singleton.set_state(state)


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


def grid_jobs(overrides: Sequence[Any]) -> list[list[str]]:
    """Every job of a grid of parsed overrides, in the order Hydra's basic sweeper runs them.

    >>> from hydra.core.override_parser.overrides_parser import OverridesParser
    >>> grid_jobs(OverridesParser.create().parse_overrides(["a=1,2", "b=x"]))
    [['a=1', 'b=x'], ['a=2', 'b=x']]
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    return [job for batch in BasicSweeper.split_arguments(list(overrides), None) for job in batch]


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
