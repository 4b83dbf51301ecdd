"""A researcher's first hour with ``brainjar-analyze``, replayed as the README has it.

Two unrelated sweeps run on the same day (``multirun/<date>``): the README's 6-job
corruption sweep and a 2-job sweep of modes. Analysing the day must analyse each sweep on
its own, name config-group choices by name, pool only when asked and only what pools,
and put the answer first: a summary, a table of contents, flat and self-evident results
folded away, ranked plots next to their findings, one name per metric.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from brainjar_sweep.analysis import SweepData, load, load_each
from brainjar_sweep.analysis.plots import belief_plot, metric_vs_param


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=600
    )


def _analyze(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return _run(cwd, "-m", "brainjar_sweep.analysis", *args)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The README's two sweeps, run one after the other in one directory."""
    cwd = tmp_path_factory.mktemp("first_hour")
    for sweep in (
        ["corruption_rate=0,0.5,1", "max_cycles=10,20"],
        ["mode=amnesiac_loop,unstable_memory", "max_cycles=5"],
    ):
        proc = _run(cwd, "-m", "brainjar_sweep", "-m", *sweep)
        assert proc.returncode == 0, proc.stderr[-2000:]
    yield cwd


def _date_dir(cwd: Path) -> str:
    (date_dir,) = (cwd / "multirun").iterdir()
    assert len(list(date_dir.iterdir())) == 2, "the two sweeps share the date dir"
    return f"multirun/{date_dir.name}"


@pytest.mark.slow
def test_a_day_of_sweeps_is_reported_sweep_by_sweep(day: Path) -> None:
    proc = _analyze(day, _date_dir(day), "-o", "report.md")
    assert proc.returncode == 0, proc.stderr
    assert "2 sweeps, each analysed on its own: 8 jobs used (8 completed)" in proc.stdout
    md = (day / "report.md").read_text()
    heads = re.findall(r"^## Sweep analysis: .*$", md, re.M)
    assert [h.split("(")[-1] for h in heads] == ["corruption_rate x max_cycles)", "mode)"]
    # choices by name, never a serialised config; no pooling of one sweep's defaults
    assert '{"' not in md and "${" not in md
    designs = re.findall(r"^Design: .*$", md, re.M)
    assert designs[0].startswith(
        "Design: corruption_rate: 3 values (0, 0.5, 1); max_cycles: 2 values (10, 20);"
    )
    assert designs[1].startswith("Design: mode: 2 values (amnesiac_loop, unstable_memory);")
    assert "mode: 3 values" not in md and "(5, 10, 20)" not in md
    # a metric flat along a parameter at each run length is one line, not a row per value
    effect = md[md.index("### Effect of corruption_rate") : md.index("### Effect of max_cycles")]
    assert (
        "The same at every value of corruption_rate: crash_rate (0.1 at max_cycles=10,"
        " 0.2 at max_cycles=20)" in effect
    )
    assert "| crash_rate |" not in effect
    # plots and exports: one folder, one set of files per sweep
    proc = _analyze(
        day, _date_dir(day), "--plots", "p", "--export", "csv", "--export-path", "e.csv"
    )
    assert proc.returncode == 0, proc.stderr
    times = sorted(d.name for d in (day / _date_dir(day)).iterdir())
    folders = [d.name for d in (day / "p").iterdir()]
    # the mode sweep changes nothing measured: nothing to plot, no folder
    assert len(folders) == 1 and folders[0].endswith(times[0]), folders
    exports = sorted(p.name for p in day.glob("e.*.csv") if p.name.count(".") == 2)
    assert len(exports) == 2, exports
    # the database's name of a metric points to its one name
    proc = _analyze(day, _date_dir(day), "--metric", "sr_memory_accuracy")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: unknown metric 'sr_memory_accuracy': it is called 'memory_accuracy_mean'"
    )


@pytest.mark.slow
def test_the_python_api_pools_with_choices_by_name(day: Path) -> None:
    data = load([day / _date_dir(day)], use_db=False)
    assert set(data.jobs["mode"]) == {"amnesiac_loop", "unstable_memory"}
    assert data.warnings[0].startswith("pooled sweep ") and "load_each" in data.warnings[0]
    each = load_each([day / _date_dir(day)], use_db=False)
    assert [sorted(d.swept) for d in each] == [["corruption_rate", "max_cycles"], ["mode"]]


@pytest.mark.slow
def test_pooling_is_asked_for_and_refused_for_different_grids(day: Path) -> None:
    proc = _analyze(day, _date_dir(day), "--pool", "-o", "pooled.md")
    assert proc.returncode == 2 and not (day / "pooled.md").exists()
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("error: --pool: sweep ") and "varies max_cycles, mode" in line
    assert "only sweeps of the same grid keys pool" in line


@pytest.mark.slow
def test_pooling_sweeps_of_one_grid(tmp_path: Path) -> None:
    for rates, where in (("0,0.5", "a"), ("1", "b")):
        proc = _run(
            tmp_path,
            "-m",
            "brainjar_sweep",
            "-m",
            f"corruption_rate={rates}",
            "max_cycles=10",
            f"hydra.sweep.dir=grid/{where}",
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    proc = _analyze(tmp_path, "grid", "--pool", "-o", "pooled.md")
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "pooled.md").read_text()
    assert "Design: corruption_rate: 3 values (0, 0.5, 1);" in md, md[:3000]
    assert "## Sweep analysis: " not in md  # one analysis, not one per sweep


@pytest.mark.slow
def test_the_report_answers_first(day: Path) -> None:
    sweep = sorted((day / _date_dir(day)).iterdir())[0]
    proc = _analyze(day, str(sweep), "-o", "one.md", "--plots", "plots", "--html", "one.html")
    assert proc.returncode == 0, proc.stderr
    md = (day / "one.md").read_text()
    lines = md.splitlines()
    assert lines[2] == "## Question and answer"
    contents = lines.index("## Contents")
    assert contents < 40, "the contents follow a short answer"
    assert (
        md.index("## Contents") < md.index("## Effect of corruption_rate") < md.index("## Overview")
    )
    # the plot that shows most sits in the answer, before the contents
    first_plot = next(i for i, line in enumerate(lines) if line.startswith("!["))
    assert first_plot < contents and "01-memory_accuracy_mean__vs__" in lines[first_plot]
    # self-evident: total_cycles is max_cycles when every run completes
    assert "Not tested, fixed by the design (in the tables, not plotted): total_cycles" in md
    names = sorted(p.name for p in (day / "plots").iterdir())
    assert not [n for n in names if "total_cycles" in n]
    assert all(re.match(r"\d\d-", n) for n in names) and names[0].startswith("01-")
    # one name per metric: the result.json name, never the database's sr_ score
    assert "memory_accuracy_mean" in md and "sr_memory_accuracy" not in md
    html = (day / "one.html").read_text()
    assert html.index('id="contents"') < html.index("Effect of corruption_rate</h2>")
    assert html.index("<img") < html.index('id="contents"')
    assert len(html) < 1_000_000


# ------------------------------------------------------------------ plots a reviewer accepts


def _texts(fig: Any) -> list[str]:
    """Every text a figure shows: titles, axis labels, tick labels, legend entries."""
    fig.canvas.draw()
    out = [t.get_text() for t in fig.findobj(Text)]
    return [t for t in out if t]


def _grid(n_other: int = 3, cycles: tuple[int, ...] = (15, 20, 25)) -> SweepData:
    rows = []
    for c in cycles:
        for o in range(n_other):
            for seed in range(3):
                rows.append(
                    {
                        "status": "completed",
                        "max_cycles": c,
                        "corruption_rate": o / 10,
                        "seed": seed,
                        "memory_accuracy_mean": 90 - c - 3 * o + seed,
                        "total_crashes": c // 5 + o,
                    }
                )
    jobs = pd.DataFrame(rows)
    return SweepData(
        jobs,
        params=["max_cycles", "corruption_rate", "seed"],
        metrics=["memory_accuracy_mean", "total_crashes"],
    )


@pytest.mark.parametrize("n_other", [3, 11], ids=["few-lines", "many-combinations"])
def test_metric_plot_labels_scale_legend_and_integer_ticks(n_other: int) -> None:
    fig = metric_vs_param(_grid(n_other), "memory_accuracy_mean", "max_cycles", n_boot=50)
    ax = fig.axes[0]
    texts = _texts(fig)
    # words with the unit and range, no internal names anywhere
    assert ax.get_ylabel() == "memory accuracy, mean self-report (0-100)"
    assert ax.get_xlabel() == "run length (cycles)"
    assert not [t for t in texts if "_" in t], texts
    assert ax.get_ylim()[0] <= 0 and ax.get_ylim()[1] >= 100  # the metric's whole range
    assert [t.get_text() for t in ax.get_xticklabels()] == ["15", "20", "25"]
    # every drawn line is in the legend, and the legend is right of the data
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels and not [t for t in labels if t.startswith("_")]
    curves = [c.get_label() for c in ax.containers]  # every line with its error bars
    assert curves and set(curves) <= set(labels)
    assert len(curves) == (3 if n_other == 3 else 1)  # many combinations: a mean and a band
    plain = [line for line in ax.get_lines() if line.get_label().startswith("_")]
    assert all(line in {x for c in ax.containers for x in c.get_children()} for line in plain)
    renderer = fig.canvas.get_renderer()
    assert legend.get_window_extent(renderer).x0 >= ax.get_window_extent(renderer).x1


def test_counts_get_integer_ticks() -> None:
    fig = metric_vs_param(_grid(), "total_crashes", "corruption_rate", n_boot=50)
    fig.canvas.draw()
    ticks = [float(t) for t in fig.axes[0].get_yticks()]
    assert ticks and all(t == int(t) for t in ticks)


def test_stance_is_a_diverging_scale_not_a_zig_zag() -> None:
    rows = []
    for rate in [i / 10 for i in range(11)]:
        for cycle in (0, 3, 6, 9):
            text = "I am the same mind." if rate * cycle < 3 else "I am not the same mind."
            rows.append(
                {
                    "experiment_id": f"e{rate}",
                    "attempt": 1,
                    "status": "completed",
                    "cycle_number": cycle,
                    "corruption_rate": rate,
                    "response": text,
                }
            )
    data = SweepData(jobs=pd.DataFrame({"status": ["completed"]}), self_reports=pd.DataFrame(rows))
    fig = belief_plot(data, "same", "corruption_rate")
    (image,) = fig.axes[0].get_images()
    assert image.get_cmap().name == "RdBu" and image.get_clim() == (-1.0, 1.0)
    assert not fig.axes[0].get_lines()  # no line per value
    assert fig.axes[1].get_ylabel().startswith("net stance (-1 negated, +1 affirmed)")


def test_continuous_samples_are_a_scatter_not_bins() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 40)
    jobs = pd.DataFrame(
        {"status": "completed", "corruption_rate": x, "memory_accuracy_mean": 90 - 80 * x}
    )
    data = SweepData(jobs, params=["corruption_rate"], metrics=["memory_accuracy_mean"])
    fig = metric_vs_param(data, "memory_accuracy_mean", "corruption_rate", n_boot=50)
    (points,) = fig.axes[0].collections
    assert len(points.get_offsets()) == 40
    assert sorted(points.get_offsets()[:, 0]) == sorted(x.tolist())
    assert not [t for t in _texts(fig) if "(" in t and "]" in t]  # no bin labels "(0.1, 0.2]"


@pytest.fixture(scope="module")
def preset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 33-job memory_corruption preset, run and analysed as the README says."""
    cwd = tmp_path_factory.mktemp("preset")
    proc = _run(cwd, "-m", "brainjar_sweep", "-m", "+sweep=memory_corruption")
    assert proc.returncode == 0, proc.stderr[-2000:]
    sweep = "multirun/memory_corruption_comprehensive_001"
    proc = _analyze(cwd, sweep, "-o", "r.md", "--html", "r.html", "--plots", "plots")
    assert proc.returncode == 0, proc.stderr
    return cwd


@pytest.mark.slow
def test_the_preset_report_answers_its_question_first(preset: Path) -> None:
    """The 33-job preset: an answer in a few lines, ranked plots, flat metrics folded."""
    tmp_path = preset
    md = (tmp_path / "r.md").read_text()
    lines = md.splitlines()
    contents = lines.index("## Contents")
    answer = "\n".join(lines[:contents])
    assert "Question: At which corruption rate does identity coherence" in answer
    # the levels the preset's question is about answer it, first
    first = next(line for line in lines if line.startswith("- "))
    assert first.startswith("- memory_accuracy_mean falls below 50 between corruption_rate=")
    assert "memory_accuracy_mean changes with corruption_rate" in answer
    assert "Folded away: constant in every job: total_cycles = 25." in answer
    assert answer.count("![") >= 1 and contents < 40
    # total_cycles is 25 in all 33 jobs: no table rows, no plot
    assert "| total_cycles |" not in md
    pngs = sorted(p.name for p in (tmp_path / "plots").iterdir())
    assert 1 <= len(pngs) <= 12 and not [n for n in pngs if "total_cycles" in n]
    assert pngs[0] == "01-memory_accuracy_mean__vs__corruption_rate.png"
    html = (tmp_path / "r.html").read_text()
    assert len(html) < 700_000 and html.count("<img") == len(pngs)
    assert "sr_" not in md


def test_analyze_help_imports_no_analysis_and_load_stays_the_function() -> None:
    code = (
        "import sys, contextlib, io\n"
        "from brainjar_sweep.analysis.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--help']) == 0\n"
        "heavy = [m for m in ('pandas', 'scipy', 'matplotlib', 'sqlalchemy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "import brainjar_sweep.analysis.load\n"
        "from brainjar_sweep.analysis import load\n"
        "import brainjar_sweep\n"
        "assert callable(load) and brainjar_sweep.load is load, load\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def _browser() -> str:
    """The headless browser (Debian's chromium), or skip (fail where CI requires it)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    reason = "needs a browser: apt-get install -y chromium"
    if os.environ.get("BRAINJAR_REQUIRE_EXTRAS") == "1":
        pytest.fail(f"BRAINJAR_REQUIRE_EXTRAS=1 but the test {reason}", pytrace=False)
    pytest.skip(reason)


_PROBE = """<script>addEventListener("load", () => {
  const box = (e) => (e ? e.getBoundingClientRect().top : -1);
  document.body.dataset.layout = JSON.stringify({
    answer: box(document.querySelector("section.answer li")),
    plot: box(document.querySelector("section.answer img")),
    contents: box(document.getElementById("contents")),
    height: document.documentElement.scrollHeight});
});</script>"""


@pytest.mark.slow
def test_the_first_screen_shows_the_answer_and_its_plot(preset: Path, tmp_path: Path) -> None:
    """In a real browser at 1280x900: the answer and its best plot on the first screen.

    ``BRAINJAR_SCREENSHOT=docs/images/report-first-screen.png`` also writes that screen
    (how the picture in docs/analysis.md is made).
    """
    browser = _browser()
    page = (preset / "r.html").read_text()
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", _PROBE + "</body>"))
    args = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"]
    proc = subprocess.run(
        [*args, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()],
        capture_output=True,
        text=True,
        timeout=300,
    )
    found = re.search(r'data-layout="([^"]*)"', proc.stdout)
    assert found, proc.stderr[-2000:]
    layout = json.loads(html.unescape(found.group(1)))
    assert 0 < layout["answer"] < layout["plot"] < 900 and layout["plot"] < layout["contents"]
    assert layout["height"] < 10_000  # was 20,000 pixels, plots from 13,000 down
    target = os.environ.get("BRAINJAR_SCREENSHOT")
    if target:
        shot = Path(target).resolve()
        shot.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [*args, "--hide-scrollbars", f"--screenshot={shot}", (preset / "r.html").as_uri()],
            check=True,
            capture_output=True,
            timeout=300,
        )
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_level_a_question_is_about_is_a_labelled_line() -> None:
    fig = metric_vs_param(_grid(), "memory_accuracy_mean", "corruption_rate", n_boot=50, level=50.0)
    ax = fig.axes[0]
    assert "level 50" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert [line.get_ydata()[0] for line in ax.get_lines() if line.get_ls() == "--"] == [50.0]
