"""The sweep dir: writable, owned by one sweep, and on resume holding this same sweep."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from hydra_plugins.brainjar_sweeper._grid import definition
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from brainjar_sweep.sweep.errors import SweepDefinitionChanged, SweepRefused

log = logging.getLogger(__name__)


def check_sweep_dir(config: DictConfig) -> None:
    """Where the sweep writes can be written, before it writes its first file."""
    from brainjar_sweep.config.validate import check_sweep_dirs

    check_sweep_dirs(config)


def check_definition(sweeper: Any, arguments: list[str], sweep_dir: Path) -> None:
    saved_path = sweep_dir / "multirun.yaml"
    if not saved_path.is_file():
        return
    try:
        saved = OmegaConf.load(saved_path)
        before = {str(o).partition("=")[0]: str(o) for o in saved.hydra.overrides.task}
    except Exception as e:  # damaged, or not a sweep's config: one line, nothing run
        from brainjar_sweep.config.errors import ConfigError

        raise ConfigError(
            "hydra.sweep.dir",
            str(sweep_dir),
            f"a sweep dir whose multirun.yaml is a sweep's saved config ({type(e).__name__})",
        ) from None
    before.update(
        {k: f"{k}={v}" for k, v in (OmegaConf.select(saved, "hydra.sweeper.params") or {}).items()}
    )
    now = {o.partition("=")[0]: o for o in definition(sweeper, arguments)}
    now = {k: v for k, v in now.items() if not k.startswith("hydra.")}
    before = {k: v for k, v in before.items() if not k.startswith("hydra.")}
    if before == now:
        return
    diffs = []
    for key in sorted(set(before) | set(now)):
        if before.get(key) != now.get(key):
            diffs.append(f"{before.get(key, '(none)')} -> {now.get(key, '(none)')}")
    raise SweepDefinitionChanged(
        f"cannot resume {sweeper.config.hydra.sweep.dir}: the sweep definition differs from its multirun.yaml: "
        + "; ".join(diffs)
    )


def _holds_a_sweep(sweep_dir: Path) -> bool:
    from brainjar_sweep.sweep.ownership import OWNER_NAME

    return (sweep_dir / "multirun.yaml").is_file() or (sweep_dir / OWNER_NAME).is_file()


def _time_stamped(config: DictConfig) -> bool:
    """Whether hydra.sweep.dir is Hydra's default, made of the start time."""
    raw = OmegaConf.to_container(config.hydra.sweep, resolve=False)
    return isinstance(raw, dict) and "${now:" in str(raw.get("dir"))


def own_new_dir(sweeper: Any, sweep_dir: Path) -> tuple[Any, Path]:
    """Own a fresh sweep dir: ``sweep_dir``, or when it holds another sweep and is the default
    time-stamped one, ``<sweep_dir>_2``, ``_3``, ... (refused in one line otherwise)."""
    from brainjar_sweep.sweep.ownership import SweepBusy, read_owner, take_over, try_claim

    stamped = _time_stamped(sweeper.config)
    given = str(sweeper.config.hydra.sweep.dir)  # named as the user gave it
    candidate = sweep_dir
    for k in range(2, 10_000):
        own = try_claim(candidate)
        if own is not None and not _holds_a_sweep(candidate):
            take_over(own)
            break
        if own is not None:
            os.close(own.fd)
        if not stamped:
            if own is None:
                owner = read_owner(candidate) or {}
                raise SweepBusy(
                    f"hydra.sweep.dir={given} is in use by the running sweep of pid "
                    f"{owner.get('pid')} on {owner.get('host')}; choose another hydra.sweep.dir"
                )
            raise SweepRefused(
                f"hydra.sweep.dir={given} holds another sweep (its multirun.yaml); resume it "
                f"with: brainjar-sweep resume {given}, or choose another hydra.sweep.dir"
            )
        candidate = sweep_dir.with_name(f"{sweep_dir.name}_{k}")
    if candidate != sweep_dir:
        log.warning(
            "%s holds another sweep started at the same time: using %s", sweep_dir, candidate
        )
        with read_write(sweeper.config), open_dict(sweeper.config):
            sweeper.config.hydra.sweep.dir = str(candidate)
            ovr = [
                o
                for o in sweeper.config.hydra.overrides.hydra
                if not o.startswith("hydra.sweep.dir=")
            ]
            sweeper.config.hydra.overrides.hydra = [*ovr, f"hydra.sweep.dir={candidate}"]
    return own, candidate
