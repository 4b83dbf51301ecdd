"""Composing every job's config of a sweep quickly, with Hydra's own code paths.

Hydra's ``load_sweep_config`` re-runs the whole composition (search path, defaults
list, merges) for every job: about 45 ms each on a small board. Jobs of a sweep
differ mostly in value overrides (``corruption_rate=0.5``), which Hydra applies
*after* composition (``_hydra_compat.apply_value_overrides``). So a
:class:`JobComposer` composes once per distinct set of config-group and ``hydra.*``
overrides (a *group* of jobs), and then:

- :meth:`JobComposer.compose` gives a job's whole config: a copy of its group's config
  with the job's value overrides applied through the same Hydra function and the fields
  Hydra derives from them filled (``hydra.overrides.task``, ``hydra.job.override_dirname``).
  It equals ``load_sweep_config``'s (a test compares them job by job). A launcher calls it
  when the job starts, so a sweep keeps only each job's overrides, not its config.
- :meth:`JobComposer.experiment` gives a job's experiment as the plain, resolved dict the
  validator checks (every key but ``hydra``), without copying the whole config: the job's
  value overrides are applied to copies of only the top-level subtrees they touch, put in
  the group's config for the moment it takes to resolve them, and the originals put back.
  What no override touches and holds no interpolation is resolved once per group; what
  holds an interpolation is resolved again for every job, since it may depend on the job's
  values. A job whose overrides add or delete a top-level key takes the full path
  (:meth:`compose`, then resolve). Equal to resolving :meth:`compose`'s config (tested).

A sweep's plan therefore costs one composition per group plus, per job, parsing its
overrides (each distinct override once per config loader, shared by the composers of one
sweep) and resolving what it touches. :class:`JobConfigs` holds a sweep's jobs as overrides
and composes a job's config when it is read: what a running sweep keeps per job.
"""

from __future__ import annotations

import copy
import pickle
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.types import RunMode
from omegaconf import DictConfig, ListConfig, OmegaConf, open_dict
from omegaconf.errors import MissingMandatoryValue

from brainjar_sweep._hydra_compat import (
    apply_value_overrides,
    child_node,
    config_repository,
    is_interpolation,
    overrides_dirname,
    swap_child,
)


@dataclass
class _Group:
    """What the jobs of one set of structural overrides share."""

    cfg: DictConfig  # the composed config; patched for a moment per job, never handed out
    pickled: bytes  # the same, pickled: unpickling is a deep copy at a quarter of deepcopy's cost
    keys: tuple[str, ...]  # the experiment's top-level keys (all but hydra), in order
    dynamic: frozenset[str]  # those whose subtree holds an interpolation
    static: bytes  # the others, resolved once and pickled (each job gets its own copy)


def _has_interpolation(node: Any) -> bool:
    if is_interpolation(node):
        return True
    if isinstance(node, DictConfig):
        return any(_has_interpolation(child_node(node, k)) for k in node.keys())
    if isinstance(node, ListConfig):
        return any(_has_interpolation(child_node(node, i)) for i in range(len(node)))
    return False


def _resolve(cfg: DictConfig, key: str) -> Any:
    node = child_node(cfg, key)
    if isinstance(node, (DictConfig, ListConfig)):
        return OmegaConf.to_container(node, resolve=True)
    return cfg[key]


def _resolve_keys(cfg: DictConfig, keys: Sequence[str]) -> dict[str, Any]:
    """``keys`` of ``cfg`` resolved to plain values; an interpolation that does not resolve is
    a ``ConfigError`` naming its key (as ``config.resolve_experiment`` says it)."""
    from omegaconf.errors import InterpolationResolutionError

    from brainjar_sweep.config import interpolation_error

    try:
        return {k: _resolve(cfg, k) for k in keys}
    except InterpolationResolutionError as e:
        raise interpolation_error(cfg, e) from None


# parsed overrides by config loader (Hydra's parser takes about 1 ms an override)
_PARSED: weakref.WeakKeyDictionary[Any, dict[str, Override]] = weakref.WeakKeyDictionary()
# composed groups by config loader, with the sweep config they were composed for: the
# sweeper's plan and the launcher's composer share each composition (about 0.1 s each)
_GROUPS: weakref.WeakKeyDictionary[
    Any, tuple[DictConfig, tuple[str, ...], dict[tuple[str, ...], _Group]]
] = weakref.WeakKeyDictionary()


def _drop_keys(cfg: DictConfig, keys: Sequence[str]) -> None:
    """Take the top-level ``keys`` a job added out of ``cfg`` again."""
    if keys:
        with open_dict(cfg):
            for k in keys:
                del cfg[k]


class JobComposer:
    """Builds job configs of one sweep; caches the composition per group-override set.

    ``loader`` is the sweep's ``hydra_context.config_loader``; ``master`` the sweep's config.
    A sweeper plans with :meth:`experiment` (validation, needs, estimates: nothing kept per
    job but its overrides) and a launcher composes a job with :meth:`compose` when it starts.
    """

    def __init__(self, loader: Any, master: DictConfig) -> None:
        self.loader = loader
        self.master = master
        self.parser = OverridesParser.create(config_loader=loader)
        # each distinct override parsed once per config loader: the sweeper's plan and the
        # launcher's composer (another JobComposer of the same sweep) share the parses
        self._parsed: dict[str, Override] = _PARSED.setdefault(loader, {})
        self._structural: dict[str, bool] = {}
        hydra_ovr = OmegaConf.to_container(master.hydra.overrides.hydra)
        assert isinstance(hydra_ovr, list)
        self.hydra_overrides: list[str] = [str(x) for x in hydra_ovr]
        # shared only while the sweep config and its Hydra overrides are the same: a sweep moved
        # to another dir (``hydra.sweep.dir`` overridden again) composes its own
        shared = _GROUPS.get(loader)
        if shared is None or shared[0] is not master or shared[1] != tuple(self.hydra_overrides):
            shared = _GROUPS[loader] = (master, tuple(self.hydra_overrides), {})
        self._groups: dict[tuple[str, ...], _Group] = shared[2]
        # the config repository as this sweep sees it (a hydra.searchpath override adds to it)
        self.repo = config_repository(loader, master.hydra.job.config_name, self.hydra_overrides)

    def _is_structural(self, ov: Override) -> bool:
        """Group choices and hydra.* overrides change the composition itself."""
        if ov.is_hydra_override() or ov.package is not None:
            return True
        key = ov.key_or_group
        known = self._structural.get(key)
        if known is None:
            known = bool(self.repo.group_exists(key)) or bool(
                self.repo.group_exists(key.replace(".", "/"))
            )
            self._structural[key] = known
        return known

    def _parse(self, overrides: Sequence[str]) -> list[Override]:
        """Parsed overrides; each distinct override is parsed once per sweep."""
        out = []
        for line in overrides:
            ov = self._parsed.get(line)
            if ov is None:
                ov = self.parser.parse_overrides([line])[0]
                self._parsed[line] = ov
            out.append(ov)
        return out

    def _group(self, structural: tuple[str, ...]) -> _Group:
        group = self._groups.get(structural)
        if group is None:
            composed = self.loader.load_configuration(
                config_name=self.master.hydra.job.config_name,
                overrides=self.hydra_overrides + list(structural),
                run_mode=RunMode.RUN,
            )
            OmegaConf.copy_cache(from_config=self.master, to_config=composed)
            keys = tuple(str(k) for k in composed.keys() if k != "hydra")
            dynamic = {k for k in keys if _has_interpolation(child_node(composed, k))}
            static = {}
            for k in keys:
                if k in dynamic:
                    continue
                try:
                    static[k] = _resolve(composed, k)
                except MissingMandatoryValue:  # `???`, set by every job (or by none: its error)
                    dynamic.add(k)
            group = _Group(
                cfg=composed,
                pickled=pickle.dumps(composed, protocol=pickle.HIGHEST_PROTOCOL),
                keys=keys,
                dynamic=frozenset(dynamic),
                static=pickle.dumps(static, protocol=pickle.HIGHEST_PROTOCOL),
            )
            self._groups[structural] = group
        return group

    def _split(self, overrides: Sequence[str]) -> tuple[list[Override], _Group, list[Override]]:
        parsed = self._parse(overrides)
        structural = tuple(o.input_line for o in parsed if self._is_structural(o))
        values = [o for o in parsed if not self._is_structural(o)]
        return parsed, self._group(structural), values

    def changes_composition(self, overrides: Sequence[str]) -> bool:
        """Whether ``overrides`` hold a group choice, a package or a ``hydra.`` key: anything
        that composes the job otherwise than the sweep's config with values set."""
        return any(self._is_structural(o) for o in self._parse(overrides))

    def compose(self, overrides: Sequence[str], num: int | None = None) -> DictConfig:
        """The job config for ``overrides`` (equal to Hydra's ``load_sweep_config``).

        With ``num``, the job's number and id are set as a sweeper sets them
        (``hydra.job.num``, ``hydra.job.id``).
        """
        parsed, group, values = self._split(overrides)
        cfg = pickle.loads(group.pickled)
        apply_value_overrides(values, cfg)
        app = [o for o in parsed if not o.is_hydra_override()]
        conf = cfg.hydra.job.config.override_dirname
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in app]
            cfg.hydra.overrides.hydra = self.hydra_overrides + [
                o.input_line for o in parsed if o.is_hydra_override()
            ]
            cfg.hydra.job.override_dirname = overrides_dirname(
                app, conf.kv_sep, conf.item_sep, conf.exclude_keys
            )
            if num is not None:
                cfg.hydra.job.num = num
                cfg.hydra.job.id = f"{cfg.hydra.job.name}_{num}"
        OmegaConf.copy_cache(from_config=self.master, to_config=cfg)
        return cfg

    def experiment(self, overrides: Sequence[str]) -> dict[str, Any]:
        """The job's experiment: every top-level key but ``hydra``, resolved to plain values,
        the dict ``config.validate`` checks. Raises as :meth:`compose` does on a bad override,
        and ``ConfigError`` on an interpolation that does not resolve. The dict is the job's
        own (nothing in it is shared with another job's). One thread at a time: the group's
        config holds the job's values while they are resolved.

        A top-level key a job adds (``+x=1``, ``++x=1``) is added to the group's config for
        that moment and taken out again; a job that deletes a top-level key (``~x``) takes
        the full path (:meth:`compose`, then resolve).
        """
        _, group, values = self._split(overrides)
        touched: list[str] = []
        added: list[str] = []
        for ov in values:
            top = ov.key_or_group.split(".", 1)[0]
            if ov.is_delete() and top == ov.key_or_group and top in group.keys:
                # a deleted top-level key: the whole config, as Hydra composes it
                cfg = self.compose(overrides)
                return _resolve_keys(cfg, [str(k) for k in cfg.keys() if k != "hydra"])
            if top not in group.keys:
                if top not in added:
                    added.append(top)  # a new top-level key (or Hydra's error for it)
            elif top not in touched:
                touched.append(top)
        cfg = group.cfg
        originals = {k: swap_child(cfg, k, copy.deepcopy(child_node(cfg, k))) for k in touched}
        try:
            apply_value_overrides(values, cfg)
            new = [k for k in (str(k) for k in cfg.keys()) if k not in group.keys and k != "hydra"]
            fresh = _resolve_keys(
                cfg, [k for k in group.keys if k in group.dynamic or k in touched] + new
            )
        finally:
            for k, node in originals.items():
                swap_child(cfg, k, node)
            _drop_keys(cfg, [k for k in added if k in cfg.keys()])
        static = pickle.loads(group.static)
        out = {k: fresh[k] if k in fresh else static[k] for k in group.keys}
        out.update((k, fresh[k]) for k in new)
        return out


class JobConfigs(Sequence[DictConfig]):
    """A sweep's job configs, each composed by a :class:`JobComposer` when it is asked for
    and not kept: what a sweep holds per job is its overrides and its number.

    ``cfgs[i]`` composes job ``i`` (numbered ``nums[i]``, its position by default) afresh;
    :meth:`hold` keeps one composed config (a job that is running) until :meth:`release`.
    Checks that read every job's config (the sweep's id, resume, the Ray check) read them
    one at a time, so a sweep of thousands of jobs never holds thousands of configs.
    """

    def __init__(
        self,
        composer: JobComposer,
        jobs: Sequence[Sequence[str]],
        nums: Sequence[int] | None = None,
        experiments: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        self.composer = composer
        self.jobs = [list(ov) for ov in jobs]
        self.nums = list(nums) if nums is not None else list(range(len(self.jobs)))
        # each job's experiment as a sweeper checked it (JobComposer.experiment), when kept
        self.experiments = list(experiments) if experiments is not None else None
        self._held: dict[int, DictConfig] = {}

    def __len__(self) -> int:
        return len(self.jobs)

    @overload
    def __getitem__(self, i: int) -> DictConfig: ...

    @overload
    def __getitem__(self, i: slice) -> list[DictConfig]: ...

    def __getitem__(self, i: int | slice) -> DictConfig | list[DictConfig]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        held = self._held.get(i)
        if held is not None:
            return held
        if not 0 <= i < len(self.jobs):
            raise IndexError(i)
        return self.composer.compose(self.jobs[i], num=self.nums[i])

    def only(self, positions: Sequence[int]) -> JobConfigs:
        """The configs of the jobs at ``positions`` (in that order), composed when asked."""
        return JobConfigs(
            self.composer, [self.jobs[p] for p in positions], [self.nums[p] for p in positions]
        )

    def append(self, overrides: Sequence[str], num: int) -> None:
        """One more job (a streamed launch)."""
        self.jobs.append(list(overrides))
        self.nums.append(num)

    def hold(self, i: int) -> DictConfig:
        """Job ``i``'s config, composed once and kept until :meth:`release` (a running job)."""
        cfg = self._held.get(i)
        if cfg is None:
            cfg = self._held[i] = self[i]
        return cfg

    def release(self, i: int) -> None:
        """Forget job ``i``'s held config (it ended)."""
        self._held.pop(i, None)
