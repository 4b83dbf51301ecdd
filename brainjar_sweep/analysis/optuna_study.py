"""Optuna studies of ``hydra/sweeper=brainjar_optuna`` sweeps: parameter importances and history.

The study is found from the sweep dir: ``optimization_results.yaml`` (its ``name`` and
``storage``), else ``multirun.yaml`` (``hydra.sweeper.storage`` and ``study_name``), else the
default ``optuna.db`` in the sweep dir. Optuna is imported only when a study is read; without
it the report says so in one line. Nothing is written to the study.

Example:
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> optuna_section(SweepData(jobs=pd.DataFrame())) is None
    True
    >>> list(history_figures(SweepData(jobs=pd.DataFrame())))
    []
"""

from __future__ import annotations

import importlib.util
import math
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from brainjar_sweep._errors import first_line as _one_line
from brainjar_sweep._imports import try_import
from brainjar_sweep._yaml import load_yaml_file
from brainjar_sweep.analysis._names import safe_name
from brainjar_sweep.analysis.load import SweepData, SweepInfo

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from brainjar_sweep.analysis.report.document import Plot, Section

__all__ = [
    "StudyRef",
    "curves_figure",
    "draw",
    "find_study",
    "has_curves",
    "history_figures",
    "optuna_section",
    "report_section",
    "param_importances",
]

NO_OPTUNA = try_import("optuna").message()
"""The line the report shows without the [optuna] extra."""


@dataclass
class StudyRef:
    """Where the study of one sweep lives."""

    sweep: SweepInfo
    storage: str | None
    name: str | None
    objectives: list[str] = field(default_factory=list)


def _yaml_mapping(path: Path) -> dict[str, Any]:
    try:
        loaded = load_yaml_file(path)
    except (OSError, yaml.YAMLError, UnicodeDecodeError, ValueError):
        return {}  # unreadable or crafted (nested too deeply): no study
    return loaded if isinstance(loaded, dict) else {}


def _sqlite_path(url: str) -> Path | None:
    m = re.match(r"sqlite:///(.*)$", url)
    return Path(m.group(1)) if m else None


def find_study(sweep: SweepInfo) -> StudyRef | None:
    """The study of an optuna sweep, or None when the sweep is not one.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> find_study(SweepInfo(path=d, sweep_id="s", source="job dirs")) is None
        True
        >>> _ = (d / "optuna.db").write_bytes(b"")
        >>> find_study(SweepInfo(path=d, sweep_id="s", source="job dirs")).storage.endswith("db")
        True
    """
    root = Path(sweep.path)
    opt = sweep.optimization or _yaml_mapping(root / "optimization_results.yaml") or {}
    conf = _yaml_mapping(root / "multirun.yaml")
    hydra = conf.get("hydra") if isinstance(conf.get("hydra"), dict) else {}
    sweeper = hydra.get("sweeper") if isinstance(hydra.get("sweeper"), dict) else {}
    is_optuna = "optuna" in str(sweeper.get("_target_", "")).lower()
    default_db = root / "optuna.db"
    if not (opt or is_optuna or default_db.is_file()):
        return None
    candidates = [opt.get("storage"), sweeper.get("storage") if is_optuna else None]
    storage = None
    for url in candidates:
        if not url or not isinstance(url, str):
            continue
        path = _sqlite_path(url)
        if path is None:
            # a server a sweep file names is never connected to: it would receive the
            # analyst's credentials (only SQLite files next to the sweep are read)
            continue
        cwd = (
            (hydra.get("runtime") or {}).get("cwd")
            if isinstance(hydra.get("runtime"), dict)
            else None
        )
        tries = [path] if path.is_absolute() else [Path(cwd or ".") / path, root / path]
        found = next((p for p in tries if p.is_file()), None)
        if found is not None:
            storage = f"sqlite:///{found.resolve()}"
            break
    if storage is None and default_db.is_file():
        storage = f"sqlite:///{default_db.resolve()}"
    name = opt.get("name") or (sweeper.get("study_name") if is_optuna else None)
    objectives = opt.get("objective") or (sweeper.get("objective") if is_optuna else None) or []
    if isinstance(objectives, str):
        objectives = [objectives]
    return StudyRef(sweep, storage, str(name) if name else None, [str(o) for o in objectives])


def _load(optuna: Any, ref: StudyRef) -> Any:
    if ref.storage is None:
        raise LookupError("no study storage found (no optuna.db in the sweep dir)")
    name = ref.name
    if name is None:
        names = optuna.get_all_study_names(storage=ref.storage)
        if len(names) != 1:
            raise LookupError(f"{len(names)} studies in {ref.storage}; no study name recorded")
        name = names[0]
    return optuna.load_study(study_name=name, storage=ref.storage)


def _optuna() -> Any | None:
    """Optuna, quiet, or None without the [optuna] extra."""
    with try_import("optuna") as extra:
        import optuna
    if not extra.is_successful():
        return None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _objective_names(study: Any, ref: StudyRef) -> list[str]:
    n = len(study.directions)
    names = study.metric_names or ref.objectives
    if not names or len(names) != n:
        definition = study.user_attrs.get("definition") or {}
        names = definition.get("objective") or []
    if len(names) != n:
        names = [f"objective {i}" for i in range(n)] if n > 1 else ["objective"]
    return [str(x) for x in names]


def param_importances(
    study: Any, objective: int = 0, *, seed: int = 0
) -> tuple[dict[str, float], str, list[str]]:
    """(importances, method, warnings) for one objective of a study.

    fANOVA (seeded) when scikit-learn is installed, else PED-ANOVA (deterministic).
    Raises what Optuna raises, e.g. when too few trials completed.
    """
    import optuna

    if importlib.util.find_spec("sklearn") is not None:
        evaluator: Any = optuna.importance.FanovaImportanceEvaluator(seed=seed)
        method = f"fANOVA, seed {seed}"
    else:
        evaluator = optuna.importance.PedAnovaImportanceEvaluator()
        method = "PED-ANOVA"
    target = None if len(study.directions) == 1 else (lambda t: t.values[objective])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = optuna.importance.get_param_importances(study, evaluator=evaluator, target=target)
    notes = sorted({str(w.message) for w in caught if not issubclass(w.category, FutureWarning)})
    return {k: float(v) for k, v in result.items()}, method, notes


def _refs(data: SweepData) -> list[StudyRef]:
    return [ref for s in data.sweeps if (ref := find_study(s)) is not None]


def optuna_section(data: SweepData, *, seed: int = 0) -> Section | None:
    """The report section on the Optuna studies of the sweeps, or None for grid sweeps."""
    from brainjar_sweep.analysis.report.document import Section, Table

    refs = _refs(data)
    if not refs:
        return None
    sec = Section("Optuna study")
    optuna = _optuna()
    if optuna is None:
        sec.blocks.append(f"Parameter importances skipped: {NO_OPTUNA}.")
        return sec
    for ref in refs:
        label = ref.sweep.sweep_id
        try:
            study = _load(optuna, ref)
            trials = study.get_trials(deepcopy=False)
        except Exception as exc:  # noqa: BLE001 - any storage problem is one line
            sec.blocks.append(f"{label}: cannot read the study: {_one_line(exc)}")
            continue
        ts = optuna.trial.TrialState
        done = sum(t.state == ts.COMPLETE for t in trials)
        failed = sum(t.state == ts.FAIL for t in trials)
        pruned = [t for t in trials if t.state == ts.PRUNED]
        names = _objective_names(study, ref)
        dirs = [d.name.lower() for d in study.directions]
        stops = sorted(t.last_step for t in pruned if t.last_step is not None)
        at = ""
        if stops:
            span = f" {stops[0]}" if stops[0] == stops[-1] else f"s {stops[0]}-{stops[-1]}"
            at = f", stopped at cycle{span}"
        sec.blocks.append(
            f"{label}: study {study.study_name!r}, {len(trials)} trials ({done} complete, "
            f"{len(pruned)} pruned{at}, {failed} failed; importances and the best value "
            "use complete trials only); "
            + ", ".join(f"{d} {n}" for n, d in zip(names, dirs, strict=False))
            + "."
        )
        columns: list[dict[str, float]] = []
        method, notes, errors = "", [], []
        for i, name in enumerate(names):
            try:
                imp, method, w = param_importances(study, i, seed=seed)
            except Exception as exc:  # noqa: BLE001 - e.g. too few completed trials
                errors.append(f"{name}: {_one_line(exc)}")
                columns.append({})
                continue
            notes += w
            columns.append(imp)
        params = sorted(
            {p for c in columns for p in c}, key=lambda p: -max(c.get(p, 0) for c in columns)
        )
        if errors:
            sec.blocks.append("Parameter importances not computed for " + "; ".join(errors))
        if params:
            rows = [[p, *(_pct(c[p]) if p in c else "-" for c in columns)] for p in params]
            note = f"Share of the objective's variance explained ({method})."
            if notes:
                note += " Optuna: " + " ".join(dict.fromkeys(notes))
            sec.blocks.append(
                Table(f"Parameter importances: {label}", ["parameter", *names], rows, note)
            )
    return sec


def _pct(v: float) -> str:
    return "-" if not math.isfinite(v) else f"{v:.3f}"


def history_figure(study: Any, names: Sequence[str], title: str = "") -> Figure:
    """Objective value per trial number (complete trials) with the best-so-far line."""
    import optuna

    from brainjar_sweep.analysis._figure import new_figure
    from brainjar_sweep.analysis.metrics import label

    n = max(1, len(study.directions))
    fig = new_figure(8.0, 1.0 + 3.0 * n, top=0.6, bottom=0.6, left=0.85, right=1.6)
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    trials = [
        t for t in study.get_trials(deepcopy=False) if t.state == optuna.trial.TrialState.COMPLETE
    ]
    trials.sort(key=lambda t: t.number)
    for i, (ax, d) in enumerate(zip(axes, study.directions, strict=False)):
        xs = [t.number for t in trials]
        ys = [float(t.values[i]) for t in trials]
        ax.scatter(xs, ys, s=18, color="tab:blue", label="trial", zorder=3)
        best, line = None, []
        pick = max if d == optuna.study.StudyDirection.MAXIMIZE else min
        for y in ys:
            best = y if best is None or not math.isfinite(best) else pick(best, y)
            line.append(best)
        if xs:
            ax.step(xs, line, where="post", color="tab:red", label="best so far")
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
        else:
            ax.text(0.5, 0.5, "no completed trial", ha="center", transform=ax.transAxes)
        ax.set_ylabel(f"{label(names[i])}, {d.name.lower()}d", fontsize=9)
        ax.grid(True, alpha=0.3)
    axes[-1].set_xlabel("trial number")
    fig.suptitle(f"Optimisation history{': ' + title if title else ''}", fontsize=11)
    return fig


def curves_figure(study: Any, name: str, title: str = "") -> Figure:
    """The intermediate value each trial reported per cycle: complete trials as lines,
    pruned ones dashed and ending in a cross at the cycle they were stopped at."""
    import optuna

    from brainjar_sweep.analysis._figure import new_figure
    from brainjar_sweep.analysis.metrics import label

    ts = optuna.trial.TrialState
    fig = new_figure(8.0, 4.0, top=0.6, bottom=0.6, left=0.85, right=1.6)
    ax = fig.subplots(1, 1)
    shown = {"complete": False, "pruned": False}
    for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number):
        if not t.intermediate_values or t.state not in (ts.COMPLETE, ts.PRUNED):
            continue
        steps = sorted(t.intermediate_values)
        ys = [t.intermediate_values[s] for s in steps]
        kind = "pruned" if t.state == ts.PRUNED else "complete"
        style = (
            {"color": "tab:gray", "linestyle": "--", "alpha": 0.8}
            if kind == "pruned"
            else {"color": "tab:blue", "alpha": 0.7}
        )
        ax.plot(steps, ys, linewidth=1.0, label=None if shown[kind] else kind, **style)
        if kind == "pruned":
            ax.scatter([steps[-1]], [ys[-1]], marker="x", color="tab:red", zorder=3, s=30)
        shown[kind] = True
    if any(shown.values()):
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False)
    ax.set_xlabel("cycle")
    ax.set_ylabel(f"{label(name)} so far", fontsize=9)
    ax.grid(True, alpha=0.3)
    fig.suptitle(f"Learning curves{': ' + title if title else ''}", fontsize=11)
    return fig


def has_curves(data: SweepData) -> bool:
    """Whether a study of the sweeps holds intermediate values (its trials reported per cycle).

    Example:
        >>> import pandas as pd
        >>> has_curves(SweepData(jobs=pd.DataFrame()))
        False
    """
    refs = _refs(data)
    optuna = _optuna() if refs else None
    for ref in refs if optuna is not None else []:
        try:
            trials = _load(optuna, ref).get_trials(deepcopy=False)
        except Exception:  # noqa: BLE001 - the report section says why
            continue
        if any(t.intermediate_values for t in trials):
            return True
    return False


def history_figures(data: SweepData) -> Iterator[tuple[str, str, Figure]]:
    """``(file name, caption, figure)``: the optimisation history of every study of the sweeps."""
    refs = _refs(data)
    if not refs:
        return
    optuna = _optuna()
    if optuna is None:
        return
    for ref in refs:
        try:
            study = _load(optuna, ref)
        except Exception:  # noqa: BLE001 - the report section says why
            continue
        names = _objective_names(study, ref)
        suffix = "" if len(refs) == 1 else "__" + safe_name(ref.sweep.sweep_id)
        yield (
            f"optuna_history{suffix}.png",
            f"optimisation history ({ref.sweep.sweep_id})",
            history_figure(study, names, ref.sweep.sweep_id),
        )
        if any(t.intermediate_values for t in study.get_trials(deepcopy=False)):
            yield (
                f"optuna_curves{suffix}.png",
                f"objective per cycle of each trial, pruned ones marked ({ref.sweep.sweep_id})",
                curves_figure(study, names[0], ref.sweep.sweep_id),
            )


def report_section(data: SweepData, *, seed: int = 0) -> Section | None:
    """:func:`optuna_section` with the plots it shows: the optimisation history, and the
    learning curves when the trials reported per cycle."""
    from brainjar_sweep.analysis.report.document import Plot

    study = optuna_section(data, seed=seed)
    if study is None:
        return None
    ids = ", ".join(s.sweep_id for s in data.sweeps)
    study.plots = [
        Plot("optuna_history.png", f"optimisation history ({ids})", "history", score=2.0)
    ]
    if has_curves(data):
        study.plots.append(
            Plot(
                "optuna_curves.png",
                f"objective per cycle of each trial, pruned ones marked ({ids})",
                "curves",
                score=2.0,
            )
        )
    return study


def draw(data: SweepData, plot: Plot) -> Figure | None:
    """The figure of a ``history`` or ``curves`` plot of the report (None when there is none)."""
    if plot.kind == "history":
        return next((fig for _, _, fig in history_figures(data)), None)
    curves = (f for n, _, f in history_figures(data) if n.startswith("optuna_curves"))
    return next(curves, None)
