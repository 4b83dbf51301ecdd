"""``brainjar-analyze``: from multirun dirs and the experiments DB to a report, plots and exports.

Usage::

    brainjar-analyze PATH... [--db URL] [--metric M ...] [--keyword K ...]
                     [--output report.md] [--html report.html] [--plots DIR]
                     [--export csv|parquet|json] [--export-path P]
                     [--cross METRIC=LEVEL ...] [--question TEXT] [--replicate KEY]
                     [--correction holm|fdr_bh]

With no option besides the paths it prints the report to the terminal. Bad paths,
unknown metrics and other input errors give one line on stderr (exit code 2); a
path with no usable job exits with code 1. Skipped jobs are warnings, never errors.

Example:
    >>> main(["/no/such/dir"])
    2
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="brainjar-analyze",
        description="Analyse brainjar sweeps: statistics, tests, confidence intervals, plots.",
        epilog="Example: brainjar-analyze multirun/2026-11-26 --plots plots --html report.html",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="sweep dirs (multirun/<date>/<time>), dirs of sweeps (multirun/<date>) or job dirs",
    )
    p.add_argument(
        "--db",
        metavar="URL",
        help="experiments DB URL (postgresql://user@host:port/dbname, password from PGPASSWORD "
        "or ~/.pgpass) or SQLite path; overrides the recorded one; read-only",
    )
    p.add_argument("--no-db", action="store_true", help="do not read the experiments DB")
    p.add_argument(
        "--metric",
        action="extend",
        nargs="+",
        metavar="M",
        help="metrics to report (default: crash rate, cycles, crashes, messages/cycle, self-report scores)",
    )
    p.add_argument(
        "--keyword",
        action="extend",
        nargs="+",
        metavar="K",
        help="belief keywords to follow in self-reports (default: same trust consistent die)",
    )
    p.add_argument("--output", "-o", metavar="report.md", help="write the report as Markdown")
    p.add_argument(
        "--html", metavar="report.html", help="write one self-contained HTML report with plots"
    )
    p.add_argument("--plots", metavar="DIR", help="write PNG plots into DIR")
    p.add_argument("--export", choices=("csv", "parquet", "json"), help="export the tidy tables")
    p.add_argument(
        "--export-path", metavar="P", help="where to export (default: sweep_analysis.<format>)"
    )
    p.add_argument(
        "--threshold", type=float, default=0.5, help="relative change for threshold effects (0.5)"
    )
    p.add_argument(
        "--bootstrap", type=int, default=2000, metavar="N", help="bootstrap resamples (2000)"
    )
    p.add_argument("--seed", type=int, default=0, help="bootstrap and permutation seed (0)")
    p.add_argument(
        "--cross",
        action="append",
        default=[],
        metavar="METRIC=LEVEL",
        help="report where the mean of METRIC crosses LEVEL along each numeric parameter "
        "(repeatable; adds to the levels the sweep declares)",
    )
    p.add_argument(
        "--question",
        metavar="TEXT",
        help="the research question (default: the sweep's research_question)",
    )
    p.add_argument(
        "--replicate",
        metavar="KEY",
        help="the swept key whose values are replicates (default: seed)",
    )
    p.add_argument(
        "--correction",
        choices=("holm", "fdr_bh"),
        default="holm",
        help="multiple-test correction over all tests: holm (family-wise, default) or fdr_bh "
        "(Benjamini-Hochberg)",
    )
    p.add_argument(
        "--with-config",
        action="store_true",
        help="also read every job's resolved config and add the values that differ as cfg.* columns",
    )
    return p


def _error(message: str, code: int = 2) -> int:
    from brainjar_sweep._secrets import scrub

    print(f"error: {scrub(message)}", file=sys.stderr)
    return code


def _db_problem(db: str) -> str | None:
    """Why ``--db`` cannot be used (a password in it, a missing driver), or None.

    Example:
        >>> _db_problem("postgresql://lab:s3cret@head/brainjar")
        "--db='postgresql://lab:***@head/brainjar' is not allowed: a URL without a password; set PGPASSWORD or use ~/.pgpass"
        >>> import tempfile
        >>> from brainjar_sweep.store import ExperimentStore
        >>> db = tempfile.mkdtemp() + "/experiments.db"
        >>> ExperimentStore(db).close()
        >>> _db_problem(db) is None
        True
        >>> "a brainjar experiments database" in _db_problem(tempfile.mkdtemp() + "/none.db")
        True
    """
    from brainjar_sweep.config.errors import ConfigError
    from brainjar_sweep.config.validate import check_url_secret_and_driver

    if "://" not in db or db.lower().startswith("sqlite"):
        # a SQLite file named by the analyst must be one we can read (no server, no secret)
        from brainjar_sweep.store import StoreReader, StoreUnreadable
        from brainjar_sweep.store._engine import normalize_url

        try:
            StoreReader.open(normalize_url(db)).close()
        except StoreUnreadable as why:
            return str(ConfigError("--db", db, f"a brainjar experiments database ({why})"))
        return None
    try:
        check_url_secret_and_driver("--db", db)
    except ConfigError as exc:
        return str(exc)
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``brainjar-analyze``; return the exit code.

    Example:
        >>> main(["/no/such/sweep"])
        2
    """
    from brainjar_sweep.analysis.load import LoadError, load
    from brainjar_sweep.analysis.report import MissingExtraError, _require

    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not 0 <= args.bootstrap <= 1_000_000:
        return _error(f"--bootstrap={args.bootstrap} is not allowed: an integer in [0, 1000000]")
    if not 0 < args.threshold < float("inf"):  # also refuses nan
        return _error(f"--threshold={args.threshold} is not allowed: a relative change > 0")
    if not 0 <= args.seed <= 2**32 - 1:
        return _error(f"--seed={args.seed} is not allowed: an integer in [0, 4294967295]")
    if args.export == "parquet":
        try:
            _require("pyarrow", "parquet", "parquet export")
        except MissingExtraError as exc:
            return _error(str(exc))
    if args.export_path and not args.export:
        return _error("--export-path needs --export csv|parquet|json")
    cross: dict[str, float] = {}
    for item in args.cross:
        metric, sep, level = item.partition("=")
        try:
            value = float(level) if sep and metric else float("nan")
        except ValueError:
            value = float("nan")
        if value != value or value in (float("inf"), float("-inf")):
            return _error(f"--cross={item!r} is not allowed: METRIC=LEVEL with a finite number")
        cross[metric] = value
    args.cross_levels = cross
    problem = _db_problem(args.db) if args.db and not args.no_db else None
    if problem:
        return _error(problem)
    try:
        data = load(args.paths, db=args.db, with_config=args.with_config, use_db=not args.no_db)
    except LoadError as exc:
        code = 2 if str(exc).startswith(("no such path", "not a sweep", "no sweep")) else 1
        return _error(str(exc), code)
    metrics = args.metric
    if metrics:
        unknown = [m for m in metrics if m not in data.metrics]
        if unknown:
            return _error(f"unknown metric {unknown[0]!r}; available: {', '.join(data.metrics)}")
    for metric in args.cross_levels:
        if metric not in data.metrics:
            return _error(
                f"--cross={metric!r} names an unknown metric; available: {', '.join(data.metrics)}"
            )
    if args.replicate and args.replicate not in data.jobs.columns:
        allowed = ", ".join(data.params) or "none"
        return _error(f"--replicate={args.replicate!r} is not a parameter; allowed: {allowed}")
    return _run(args, data, metrics)


def _run(args: argparse.Namespace, data: object, metrics: list[str] | None) -> int:
    from rich.console import Console

    from brainjar_sweep._secrets import scrub
    from brainjar_sweep.analysis.beliefs import DEFAULT_KEYWORDS
    from brainjar_sweep.analysis.load import SweepData
    from brainjar_sweep.analysis.report import (
        build_report,
        export,
        print_report,
        render_html,
        render_markdown,
    )
    from brainjar_sweep.analysis.stats import default_metrics

    assert isinstance(data, SweepData)
    keywords = tuple(args.keyword) if args.keyword else DEFAULT_KEYWORDS
    report = build_report(
        data,
        metrics=metrics,
        keywords=keywords,
        threshold=args.threshold,
        n_boot=args.bootstrap,
        seed=args.seed,
        question=args.question,
        cross=args.cross_levels,
        replicate=args.replicate,
        correction=args.correction,
    )
    plotted = report.metrics or metrics or default_metrics(data)
    wants_files = bool(args.output or args.html or args.plots or args.export)
    console = Console(width=None if sys.stdout.isatty() else 160)
    err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
    if not wants_files:
        print_report(report, console)
    else:
        for w in data.warnings[:25]:
            # one line per warning (a long path is not wrapped), secrets masked
            err.print(f"warning: {scrub(w)}", markup=False, highlight=False, soft_wrap=True)
        if len(data.warnings) > 25:
            err.print(f"warning: ... and {len(data.warnings) - 25} more", markup=False)
        used = len(data.jobs)
        done = int((data.jobs["status"] == "completed").sum())
        foreign = sum(1 for _, why in data.skipped if why.startswith("foreign entry"))
        console.print(
            f"{used} jobs used ({done} completed), {len(data.skipped) - foreign} skipped"
            + (f", {foreign} other entries ignored" if foreign else ""),
            markup=False,
            highlight=False,
        )
    figures: list[tuple[str, str, bytes]] = []
    if args.plots or args.html:
        figures = _figures(data, plotted, keywords, args.bootstrap, args.seed)
        report.figures = [(name, caption) for name, caption, _ in figures]
    try:
        if args.plots:
            out = Path(args.plots)
            out.mkdir(parents=True, exist_ok=True)
            for name, _, png in figures:
                (out / name).write_bytes(png)
            console.print(f"wrote {len(figures)} plots to {out}", markup=False, highlight=False)
        if args.output:
            target = Path(args.output)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(
                render_markdown(report, plots_dir=args.plots, base=target.parent.resolve())
                if args.plots
                else render_markdown(report),
                encoding="utf-8",
            )
            console.print(f"wrote {target}", markup=False, highlight=False)
        if args.html:
            target = Path(args.html)
            target.parent.mkdir(parents=True, exist_ok=True)
            page = render_html(report, [(caption, png) for _, caption, png in figures])
            target.write_text(page, encoding="utf-8")
            console.print(f"wrote {target}", markup=False, highlight=False)
        if args.export:
            target = Path(args.export_path or f"sweep_analysis.{args.export}")
            written = export(
                data, args.export, target, metrics=plotted, n_boot=args.bootstrap, seed=args.seed
            )
            console.print(
                "wrote " + ", ".join(str(p) for p in written), markup=False, highlight=False
            )
    except OSError as exc:
        return _error(f"cannot write {exc.filename or ''}: {exc.strerror or exc}".strip())
    return 0


def _figures(
    data: object, metrics: list[str], keywords: Sequence[str], n_boot: int, seed: int
) -> list[tuple[str, str, bytes]]:
    from brainjar_sweep.analysis.load import SweepData
    from brainjar_sweep.analysis.plots import figure_png, plot_figures

    assert isinstance(data, SweepData)
    return [
        (name, caption, figure_png(fig))
        for name, caption, fig in plot_figures(
            data, metrics, keywords=keywords, n_boot=n_boot, seed=seed
        )
    ]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
