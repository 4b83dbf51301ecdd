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
from typing import Any, NoReturn

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
    _add_analysis_options(p)
    return p


def _add_analysis_options(p: argparse.ArgumentParser) -> None:
    """The options of the analyses themselves (thresholds, bootstrap, levels, design)."""
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
        "--pool",
        action="store_true",
        help="analyse all the sweeps found as one (they must share their grid keys and "
        "config-group choices); by default each sweep of a dir of sweeps is analysed on its own",
    )
    p.add_argument(
        "--with-config",
        action="store_true",
        help="also read every job's resolved config and add the values that differ as cfg.* columns",
    )


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
    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return int(exc.code or 0)
    # pandas, scipy and matplotlib only once there is something to analyse (--help is quick)
    from brainjar_sweep.analysis.load import LoadError, load, load_each, pool_problem
    from brainjar_sweep.analysis.report.exports import MissingExtraError, parquet_extra

    if not 0 <= args.bootstrap <= 1_000_000:
        return _error(f"--bootstrap={args.bootstrap} is not allowed: an integer in [0, 1000000]")
    if not 0 < args.threshold < float("inf"):  # also refuses nan
        return _error(f"--threshold={args.threshold} is not allowed: a relative change > 0")
    if not 0 <= args.seed <= 2**32 - 1:
        return _error(f"--seed={args.seed} is not allowed: an integer in [0, 4294967295]")
    if args.export == "parquet":
        try:
            parquet_extra().check()
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
    options = {"db": args.db, "with_config": args.with_config, "use_db": not args.no_db}
    try:
        sweeps = load_each(args.paths, **options)
        if args.pool and len(sweeps) > 1:
            problem = pool_problem([d.sweeps[0] for d in sweeps])
            if problem:
                return _error(problem)
            sweeps = [load(args.paths, **options)]
    except LoadError as exc:
        code = 2 if str(exc).startswith(("no such path", "not a sweep", "no sweep")) else 1
        return _error(str(exc), code)
    available = list(dict.fromkeys(m for d in sweeps for m in d.metrics))
    metrics = args.metric
    if metrics:
        unknown = [m for m in metrics if m not in available]
        if unknown:
            from brainjar_sweep.analysis.metrics import SELF_REPORT_NAMES

            name = SELF_REPORT_NAMES.get(unknown[0])
            if name in available:  # one name per metric: result.json's
                return _error(f"unknown metric {unknown[0]!r}: it is called {name!r}")
            return _error(f"unknown metric {unknown[0]!r}; available: {', '.join(available)}")
    for metric in args.cross_levels:
        if metric not in available:
            return _error(
                f"--cross={metric!r} names an unknown metric; available: {', '.join(available)}"
            )
    if args.replicate and all(args.replicate not in d.jobs.columns for d in sweeps):
        allowed = ", ".join(dict.fromkeys(p for d in sweeps for p in d.params)) or "none"
        return _error(f"--replicate={args.replicate!r} is not a parameter; allowed: {allowed}")
    return _run(args, sweeps, metrics)


def _run(args: argparse.Namespace, sweeps: list[Any], metrics: list[str] | None) -> int:
    from rich.console import Console

    reports = _build(args, sweeps, metrics)
    if len(reports) == 1:
        report = reports[0]
    else:
        from brainjar_sweep.analysis.report import combine

        where = ", ".join(str(p) for p in args.paths)
        report = combine(reports, f"Sweep analysis: {len(reports)} sweeps in {where}")
    wants_files = bool(args.output or args.html or args.plots or args.export)
    console = Console(width=None if sys.stdout.isatty() else 160)
    if not wants_files:
        from brainjar_sweep.analysis.report import print_report

        print_report(report, console)
    else:
        _summary(sweeps, console, Console(stderr=True, width=None if sys.stderr.isatty() else 160))
    images: dict[str, bytes] = {}
    if args.plots or args.html:
        images = _draw(sweeps, reports, args.bootstrap, args.seed)
        for sec in report.sections:  # a plot that could not be drawn is not linked
            sec.plots = [p for p in sec.plots if p.name in images]
    try:
        _write(args, sweeps, reports, report, images, console)
    except OSError as exc:
        return _error(f"cannot write {exc.filename or ''}: {exc.strerror or exc}".strip())
    return 0


def _build(args: argparse.Namespace, sweeps: list[Any], metrics: list[str] | None) -> list[Any]:
    """One report per data set, as the options ask."""
    from brainjar_sweep.analysis.beliefs import DEFAULT_KEYWORDS
    from brainjar_sweep.analysis.report import build_report
    from brainjar_sweep.analysis.stats import default_metrics

    keywords = tuple(args.keyword) if args.keyword else DEFAULT_KEYWORDS
    reports = []
    for data in sweeps:
        chosen = [m for m in metrics if m in data.metrics] if metrics else None
        cross = {m: v for m, v in args.cross_levels.items() if m in data.metrics}
        report = build_report(
            data,
            metrics=chosen or None,
            keywords=keywords,
            threshold=args.threshold,
            n_boot=args.bootstrap,
            seed=args.seed,
            question=args.question,
            cross=cross,
            replicate=args.replicate if args.replicate in data.jobs.columns else None,
            correction=args.correction,
        )
        if not report.metrics:
            report.metrics = chosen or default_metrics(data)
        reports.append(report)
    return reports


def _summary(sweeps: list[Any], console: Any, err: Any) -> None:
    """The warnings (on stderr) and one line on the jobs used, when the report goes to files."""
    from brainjar_sweep._secrets import scrub

    warnings = [w for d in sweeps for w in d.warnings]
    for w in warnings[:25]:
        # one line per warning (a long path is not wrapped), secrets masked
        err.print(f"warning: {scrub(w)}", markup=False, highlight=False, soft_wrap=True)
    if len(warnings) > 25:
        err.print(f"warning: ... and {len(warnings) - 25} more", markup=False)
    used = sum(len(d.jobs) for d in sweeps)
    done = sum(int((d.jobs["status"] == "completed").sum()) for d in sweeps)
    skipped = [s for d in sweeps for s in d.skipped]
    foreign = sum(1 for _, why in skipped if why.startswith("foreign entry"))
    console.print(
        (f"{len(sweeps)} sweeps, each analysed on its own: " if len(sweeps) > 1 else "")
        + f"{used} jobs used ({done} completed), {len(skipped) - foreign} skipped"
        + (f", {foreign} other entries ignored" if foreign else ""),
        markup=False,
        highlight=False,
    )


def _write(
    args: argparse.Namespace,
    sweeps: list[Any],
    reports: list[Any],
    report: Any,
    images: dict[str, bytes],
    console: Any,
) -> None:
    """The files the options ask for: plots, Markdown, HTML, exports."""
    if args.plots:
        out = Path(args.plots)
        out.mkdir(parents=True, exist_ok=True)
        for name, png in images.items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(png)
        console.print(f"wrote {len(images)} plots to {out}", markup=False, highlight=False)
    if args.output:
        from brainjar_sweep.analysis.report import render_markdown

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
        from brainjar_sweep.analysis.report import render_html

        target = Path(args.html)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_html(report, images=images), encoding="utf-8")
        console.print(f"wrote {target}", markup=False, highlight=False)
    if args.export:
        _export(args, sweeps, reports, console)


def _export(args: argparse.Namespace, sweeps: list[Any], reports: list[Any], console: Any) -> None:
    from brainjar_sweep.analysis.report import export

    base = Path(args.export_path or f"sweep_analysis.{args.export}")
    for data, one in zip(sweeps, reports, strict=True):
        target = base
        if len(sweeps) > 1:  # one set of files per sweep, named after it
            stem = base.name[: -len(base.suffix)] if base.suffix else base.name
            name = data.sweeps[0].name
            target = base.with_name(f"{stem}.{name}{base.suffix or '.' + args.export}")
        written = export(
            data, args.export, target, metrics=one.metrics, n_boot=args.bootstrap, seed=args.seed
        )
        console.print("wrote " + ", ".join(str(p) for p in written), markup=False, highlight=False)


def _draw(sweeps: list[Any], reports: list[Any], n_boot: int, seed: int) -> dict[str, bytes]:
    """PNG bytes of every plot the reports show, by file name."""
    from brainjar_sweep.analysis.plots import draw, figure_png

    images: dict[str, bytes] = {}
    for data, report in zip(sweeps, reports, strict=True):
        for plot in report.plots:
            fig = draw(data, plot, n_boot=n_boot, seed=seed)
            if fig is not None:
                images[plot.name] = figure_png(fig)
    return images


def run() -> NoReturn:
    """The ``brainjar-analyze`` program: :func:`main`'s exit code, the process ended by
    :func:`~brainjar_sweep._exit.exit_program`."""
    from brainjar_sweep._exit import exit_program

    exit_program(main())


if __name__ == "__main__":  # pragma: no cover
    run()
