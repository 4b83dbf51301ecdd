"""What a sweep varies, read back by its jobs: the grid recorded in the ``sweeps`` table.

A job of a sweep knows its sweep id and its own overrides, not the sweep's definition: the
grid is the sweeper's ``params`` plus the sweep overrides of the command line, which the
sweeper saved in ``<sweep dir>/multirun.yaml`` before launching the first job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from brainjar_sweep._yaml import load_yaml

__all__ = ["grid_of", "record_sweep_job"]


def grid_of(params: Mapping[str, Any] | None, task: Sequence[str]) -> dict[str, str]:
    """The grid: ``params`` (key -> values as written), then the sweep overrides of ``task``.

    >>> grid_of({"seed": "0,1,2"}, ["+sweep=ram_limits", "corruption_rate=0,0.5", "seed=3,4"])
    {'seed': '3,4', 'corruption_rate': '0,0.5'}
    """
    grid = {str(k): str(v) for k, v in (params or {}).items()}
    parser = OverridesParser.create()
    for text in task:
        try:
            (override,) = parser.parse_overrides([text])
        except Exception:  # noqa: BLE001 - Hydra parsed it already; an odd one is not a grid
            continue
        if override.is_sweep_override():
            grid[override.key_or_group] = text.split("=", 1)[1]
    return grid


def _saved_task(sweep_dir: Path) -> list[str]:
    try:
        saved = load_yaml((sweep_dir / "multirun.yaml").read_text(encoding="utf-8")) or {}
    except (
        OSError,
        yaml.YAMLError,
        UnicodeDecodeError,
        ValueError,
    ):  # a node that does not share the sweep dir
        return []
    task: Any = saved
    for key in ("hydra", "overrides", "task"):
        task = task.get(key) if isinstance(task, dict) else None
    return [str(t) for t in task] if isinstance(task, list) else []


def record_sweep_job(store: Any, sweep_id: str, exp: Mapping[str, Any], hc: Any) -> None:
    """Register the sweep of this job (its description, question, grid and dir) in ``store``.

    Once a job of the sweep has recorded it from the same sweep dir, a later job only reads
    the row: the grid comes from that dir's ``multirun.yaml``, which every job reads alike,
    and reading and parsing it, then writing, cost each short job more than its own records.
    """
    sweep_dir = Path(str(hc.sweep.dir))
    if not sweep_dir.is_absolute():
        sweep_dir = Path(str(hc.runtime.cwd)) / sweep_dir
    if _recorded(store.sweep(sweep_id), exp, sweep_dir):
        return
    params = OmegaConf.select(hc, "sweeper.params", default=None)
    params = OmegaConf.to_container(params) if params is not None else None
    store.record_sweep(
        sweep_id,
        description=exp.get("description"),
        research_question=exp.get("research_question"),
        grid=grid_of(params, _saved_task(sweep_dir)),
        sweep_dir=str(sweep_dir),
    )


def _recorded(row: Mapping[str, Any] | None, exp: Mapping[str, Any], sweep_dir: Path) -> bool:
    """Whether ``row`` (the sweep's, or None) holds all this job would record.

    >>> row = {"grid_json": '{"seed": "0,1"}', "sweep_dir": "/s", "description": "d",
    ...        "research_question": None}
    >>> _recorded(row, {"description": "d"}, Path("/s"))
    True
    >>> _recorded(row, {"research_question": "why?"}, Path("/s"))
    False
    >>> _recorded(row, {}, Path("/elsewhere"))
    False
    """
    return (
        row is not None
        and row["grid_json"] is not None
        and row["sweep_dir"] == str(sweep_dir)
        and all(row[key] or not exp.get(key) for key in ("description", "research_question"))
    )
