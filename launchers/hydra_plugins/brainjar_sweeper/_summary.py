"""How each job ended, in the words of the sweep's summary, and the summary itself."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus


def groups(nums: list[int], size: int | None) -> list[list[int]]:
    """Consecutive job numbers in batches of at most ``size``."""
    out: list[list[int]] = []
    for n in nums:
        if out and out[-1][-1] == n - 1 and (size is None or len(out[-1]) < size):
            out[-1].append(n)
        else:
            out.append([n])
    return out


def status_of(ret: JobReturn) -> tuple[str, str | None]:
    from brainjar_sweep.sweep.errors import JobInterrupted, JobTimeout
    from brainjar_sweep.sweep.job_end import describe

    if ret.status == JobStatus.COMPLETED:
        return "completed", None
    exc = ret._return_value
    if isinstance(exc, JobTimeout):
        return "timeout", describe(exc)
    if isinstance(exc, (JobInterrupted, KeyboardInterrupt)):
        return "interrupted", describe(exc)
    return "failed", describe(exc)


def summary(
    rows: dict[int, tuple[str, str | None]],
    jobs: list[list[str]],
    skipped: dict[int, Path],
    shown: str | None = None,
    predictions: str | None = None,
) -> str:
    """The end of a sweep in a few lines: the counts, each job that did not complete (those
    never started in one line), how the jobs' predicted durations compared with their wall
    time (``predictions``, when any job was predicted), the sweep dir and the commands that
    analyse and show it.

    >>> rows = {0: ("completed", None), 1: ("interrupted", "interrupted: interrupted"),
    ...         2: ("not started", None), 3: ("not started", None)}
    >>> print(summary(rows, [["x=0"], [], ["x=2"], ["x=3"]], {}, "sw"))
    Sweep summary: 4 jobs: 1 completed, 1 interrupted, 2 not started
      #1 interrupted
      #2-#3 not started: the sweep was interrupted before they started
    Sweep dir: sw
    Analyse it with: brainjar-analyze sw
    Watch it in a browser: brainjar-sweep watch sw
    """
    counts: dict[str, int] = {}
    for status, _ in rows.values():
        counts[status] = counts.get(status, 0) + 1
    head = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    extra = f" ({len(skipped)} completed earlier, skipped)" if skipped else ""
    lines = [f"Sweep summary: {len(rows)} jobs: {head}{extra}"]
    waiting = [n for n in sorted(rows) if rows[n][0] == "not started"]
    for num in sorted(rows):
        status, reason = rows[num]
        if status in ("completed", "not started"):
            continue
        params = f" ({' '.join(jobs[num])})" if jobs[num] else ""
        lines.append(f"  #{num} {status}{_why(status, reason)}{params}")
    if waiting:
        lines.append(
            f"  {_numbers(waiting)} not started: the sweep was interrupted before they started"
        )
    if predictions:
        lines.append(f"Durations: {predictions}")
    if shown is not None:
        from brainjar_sweep.watch import watch_command

        lines += [
            f"Sweep dir: {shown}",
            f"Analyse it with: brainjar-analyze {shlex.quote(shown)}",
            f"Watch it in a browser: {watch_command(shown)}",
        ]
    return "\n".join(lines)


def predictions_line(sweep_dir: Path, config: Any) -> str | None:
    """How the duration estimate did on this finished sweep ("predicted 41m 00s of jobs,
    took 44m 10s ..."), from its experiments database; None when no job was predicted or the
    database cannot say (the summary goes on without it).

    >>> import tempfile
    >>> from omegaconf import OmegaConf
    >>> predictions_line(Path(tempfile.mkdtemp()), OmegaConf.create({"db": {"path": "/nonexistent/x.db"}}))
    """
    from omegaconf import OmegaConf

    from brainjar_sweep.store import experiment_db_url
    from brainjar_sweep.sweep.durations import check_predictions

    try:
        db = OmegaConf.select(config, "db", default=None)
        if db is None:
            return None
        cwd = OmegaConf.select(config, "hydra.runtime.cwd", default=None) or "."
        url = experiment_db_url({"url": db.get("url"), "path": db.get("path")}, cwd)
        check = check_predictions(sweep_dir, url)
    except Exception:  # noqa: BLE001  a summary line, never a reason for the sweep to fail
        return None
    return str(check) if check.jobs else None


def _why(status: str, reason: str | None) -> str:
    """A job's reason after its status, without saying the status again.

    >>> _why("interrupted", "interrupted: interrupted: killed"), _why("failed", None)
    (': killed', '')
    """
    text = (reason or "").strip()
    while text.startswith(f"{status}: "):
        text = text[len(status) + 2 :].strip()
    return "" if text in ("", status) else f": {text}"


def _numbers(nums: list[int]) -> str:
    """Job numbers, consecutive ones as ranges.

    >>> _numbers([1, 3, 4, 5, 9])
    '#1, #3-#5, #9'
    """
    parts = []
    for group in groups(nums, None):
        parts.append(f"#{group[0]}" if len(group) == 1 else f"#{group[0]}-#{group[-1]}")
    return ", ".join(parts)


def print_summary(text: str) -> None:
    try:
        print(text, flush=True)
    except OSError:  # the terminal is gone (SIGHUP): the sweep files still say it all
        pass
