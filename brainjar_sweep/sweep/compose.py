"""Composing every job's config of a sweep quickly, with Hydra's own code paths.

Hydra's ``load_sweep_config`` re-runs the whole composition (search path, defaults
list, merges) for every job: about 45 ms each on a small board. Jobs of a sweep
differ mostly in value overrides (``corruption_rate=0.5``), which Hydra applies
*after* composition (``_hydra_compat.apply_value_overrides``). So:
compose once per distinct set of config-group and ``hydra.*`` overrides, then for
each job deep-copy that config and apply the job's value overrides through the same
Hydra function, and fill the fields Hydra derives from the overrides
(``hydra.overrides.task``, ``hydra.job.override_dirname``). The result equals
``load_sweep_config``'s (a test compares them job by job).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

from brainjar_sweep._hydra_compat import (
    apply_value_overrides,
    config_repository,
    overrides_dirname,
)


class JobComposer:
    """Builds job configs of one sweep; caches the composition per group-override set.

    ``loader`` is the sweep's ``hydra_context.config_loader``; ``master`` the sweep's config.
    """

    def __init__(self, loader: Any, master: DictConfig) -> None:
        self.loader = loader
        self.master = master
        self.parser = OverridesParser.create(config_loader=loader)
        self._cache: dict[tuple[str, ...], bytes] = {}
        hydra_ovr = OmegaConf.to_container(master.hydra.overrides.hydra)
        assert isinstance(hydra_ovr, list)
        self.hydra_overrides: list[str] = [str(x) for x in hydra_ovr]
        # the config repository as this sweep sees it (a hydra.searchpath override adds to it)
        self.repo = config_repository(loader, master.hydra.job.config_name, self.hydra_overrides)

    def _is_structural(self, ov: Override) -> bool:
        """Group choices and hydra.* overrides change the composition itself."""
        if ov.is_hydra_override() or ov.package is not None:
            return True
        key = ov.key_or_group
        return bool(self.repo.group_exists(key)) or bool(
            self.repo.group_exists(key.replace(".", "/"))
        )

    def compose(self, overrides: Sequence[str]) -> DictConfig:
        """The job config for ``overrides`` (equal to Hydra's ``load_sweep_config``)."""
        parsed = self.parser.parse_overrides(list(overrides))
        structural = tuple(o.input_line for o in parsed if self._is_structural(o))
        values = [o for o in parsed if not self._is_structural(o)]
        base = self._cache.get(structural)
        if base is None:
            composed = self.loader.load_configuration(
                config_name=self.master.hydra.job.config_name,
                overrides=self.hydra_overrides + list(structural),
                run_mode=RunMode.RUN,
            )
            # kept pickled: unpickling is a deep copy at a quarter of deepcopy's cost
            base = pickle.dumps(composed, protocol=pickle.HIGHEST_PROTOCOL)
            self._cache[structural] = base
        cfg = pickle.loads(base)
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
        OmegaConf.copy_cache(from_config=self.master, to_config=cfg)
        return cfg
