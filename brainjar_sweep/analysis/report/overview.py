"""The sections that describe a sweep rather than test it: its overview, its jobs' status
and its design.

Example:
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> jobs = pd.DataFrame({"status": ["completed"] * 2, "p": [0, 1], "m": [0.5, 1.0]})
    >>> data = SweepData(jobs=jobs, params=["p"], metrics=["m"])
    >>> report_title(data), overview_section(data, ["p"], []).title, status_section(data)
    ('Sweep analysis', 'Overview', None)
"""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd

from brainjar_sweep.analysis.design import Design
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.report.document import Section, Table
from brainjar_sweep.analysis.report.formatting import MAX_WARNINGS, value_text
from brainjar_sweep.analysis.stats import (
    MAX_LEVELS,
    levels,
    replicate_counts,
)


def report_title(data: SweepData) -> str:
    ids = [s.sweep_id for s in data.sweeps]
    if not ids:
        return "Sweep analysis"
    swept = f" ({' x '.join(data.swept)})" if data.swept else ""
    if len(ids) > 3:
        return f"Sweep analysis: {ids[0]} and {len(ids) - 1} more sweeps{swept}"
    return "Sweep analysis: " + ", ".join(ids) + swept


def overview_section(data: SweepData, swept: list[str], notes: list[str]) -> Section:
    sec = Section("Overview")
    jobs = data.jobs
    counts = Counter(jobs["status"].tolist())
    found = sum(s.jobs_found for s in data.sweeps)
    foreign = sum(1 for _, why in data.skipped if why.startswith("foreign entry"))
    skipped = len(data.skipped) - foreign
    parts = ", ".join(
        f"{counts[s]} {s}" for s in ("completed", "pruned", "failed", "timeout") if counts[s]
    )
    sec.blocks.append(
        f"Jobs: {found} found, {len(jobs)} used ({parts or 'none'}), {skipped} skipped"
        + (f"; {foreign} other entries ignored" if foreign else "")
        + ". Statistics use completed jobs only."
    )
    sweeps = []
    for s in data.sweeps:
        grid = f", grid of {s.grid_size}" if s.grid_size else ""
        sweeps.append(
            f"{s.path} (sweep {s.sweep_id}; read from {s.source}; "
            f"{s.jobs_used} of {s.jobs_found} jobs used{grid})"
        )
    if sweeps:
        sec.blocks.append("Sweeps:")
        sec.blocks.append(sweeps)
    sec.blocks.append(
        "Experiments DB: " + (", ".join(data.db_urls) if data.db_urls else "none read")
    )
    done = data.completed
    if swept:
        described = []
        for p in swept:
            vals = levels(done[p].tolist())
            shown = ", ".join(value_text(v) for v in vals[:12]) + (" ..." if len(vals) > 12 else "")
            binned = ""
            if len(vals) > MAX_LEVELS and pd.api.types.is_numeric_dtype(done[p]):
                binned = "; grouped into quantile bins of about equal size for comparisons"
            described.append(f"{p}: {len(vals)} values ({shown}{binned})")
        sec.blocks.append("Swept parameters:")
        sec.blocks.append(described)
    else:
        sec.blocks.append("No parameter varies among the completed jobs.")
    rep = data.replicate
    if rep is not None:
        per = replicate_counts(data)
        lo, hi = int(per.min()), int(per.max())
        span = str(lo) if lo == hi else f"{lo}-{hi}"
        sec.blocks.append(
            f"Replicates: {rep} takes {done[rep].nunique()} values; {span} completed jobs per"
            " cell. Cells (combinations of the swept parameters) average their replicates;"
            f" {rep} is never compared as a parameter."
        )
    reruns = _reruns(done)
    if reruns:
        sec.blocks.append(
            f"{reruns} completed jobs repeat the configuration and seed of another job"
            " (re-runs); identical ones count once, the others are averaged within their"
            " cell and seed."
        )
    fixed = data.fixed
    if fixed:
        sec.blocks.append(
            "Fixed: " + ", ".join(f"{k}={value_text(v)}" for k, v in sorted(fixed.items()))
        )
    for s in data.sweeps:
        if s.optimization:
            best = {k: v for k, v in s.optimization.items() if k.startswith("best")}
            sec.blocks.append(f"Optimization results of {s.sweep_id}: {json.dumps(best)}")
    sec.blocks += notes
    if data.warnings:
        shown = data.warnings[:MAX_WARNINGS]
        more = len(data.warnings) - len(shown)
        sec.blocks.append(f"Warnings ({len(data.warnings)}):")
        sec.blocks.append(shown + ([f"... and {more} more"] if more > 0 else []))
    return sec


def _reruns(done: pd.DataFrame) -> int:
    if "config_hash" not in done or done["config_hash"].isna().all():
        return 0
    keyed = done.dropna(subset=["config_hash"])
    return int(keyed.duplicated(subset=["config_hash"]).sum())


def status_section(data: SweepData) -> Section | None:
    jobs = data.jobs
    bad = jobs[jobs["status"] != "completed"]
    if bad.empty and not data.skipped:
        return None
    sec = Section("Job status")
    rows = []
    for status, group in jobs.groupby("status", sort=True):
        reasons = Counter(r for r in group["reason"].tolist() if isinstance(r, str) and r)
        top = "; ".join(f"{r} ({n})" for r, n in reasons.most_common(2))
        rows.append([str(status), str(len(group)), top or "–"])
    if data.skipped:
        reasons = Counter(why.split(" (")[0] for _, why in data.skipped)
        top = "; ".join(f"{r} ({n})" for r, n in reasons.most_common(3))
        rows.append(["skipped", str(len(data.skipped)), top])
    sec.blocks.append(Table("Jobs by status", ["status", "jobs", "most common reasons"], rows))
    return sec


def design_section(design: Design) -> Section:
    sec = Section("Design")
    rep = design.replicate
    if not design.replicated:
        sec.blocks.append(
            "Replicates: none. Every cell holds one run"
            + (f" with the same {rep}" if rep else "")
            + ", so there is no independent repetition to estimate noise from."
        )
    elif rep is None:
        sec.blocks.append("Replicates: no replicate key; each job is its own unit.")
    elif design.blocked:
        sec.blocks.append(
            f"Replicates: {rep} is the unit of replication ({design.units} values). The same"
            f" {rep} values recur across cells (common random numbers), so every comparison is"
            f" made within {rep} (blocked): per {rep}, the cells of the other parameters are"
            f" averaged, and {rep}s are the independent units of each test."
        )
    else:
        sec.blocks.append(
            f"Replicates: {rep} differs between cells, so cells are independent samples; jobs"
            " are the units of each test."
        )
    sec.blocks += design.notes or ["No copies, nesting or design quantities found."]
    if not design.replicated and design.params:
        sec.blocks.append(
            "No replication: no test is run (a test over one job per cell would compare"
            " single runs). Add seed=0,1,2 to the sweep."
        )
    return sec
