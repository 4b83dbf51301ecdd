"""The progress display: jobs done, running and how the others ended, memory, heat, ETA.

On a terminal it is a live ``rich.progress`` bar with one line of text that fits the
terminal's width; the launcher's log lines are printed above it (never spliced into it).
Elsewhere (a log file, CI) it is a log line every ``progress_every_s`` seconds and at the end.
A job that did not complete is counted under the word the sweep's summary uses for it
(failed, timeout, interrupted).

A sweep that launches several batches (a sweeper asking a few jobs at a time) may keep one
display for all of them: made ``kept``, it counts every launch's jobs against the sweep's
total, its bar stays up between launches, and it closes when the sweeper says the sweep has
ended (or a launch is interrupted). ``status`` gives it a line of the sweeper's own words
(say, the best result so far), shown under the bar and logged with the plain line.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger(__name__)

# how a job that did not complete ended, in the order they are shown
ENDINGS = ("failed", "timeout", "interrupted")


def _fmt_s(seconds: float) -> str:
    """Seconds as the progress line shows them.

    >>> _fmt_s(41.2), _fmt_s(612), _fmt_s(7325)
    ('41s', '10m12s', '2h02m')
    """
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


class Progress:
    """Shows the state of a launch; ``mode`` is auto, rich, plain or none.

    >>> p = Progress("none", total=3, budget_gb=8.0, every_s=5.0)
    >>> p.line(1, 2, {"failed": 0, "timeout": 1}, 4.0, None).split(" | ")[:5]
    ['jobs 1/3 done', '2 running', '0 failed', '1 timeout', 'memory 4.0/8.0 GB reserved']
    >>> len(p.line(1, 2, {"failed": 0, "timeout": 1}, 4.0, 52.0, width=60)) <= 60
    True

    Kept across launches, it counts on from the launches before:

    >>> k = Progress("none", total=4, budget_gb=8.0, every_s=5.0, kept=True)
    >>> k.update(2, 0, {"failed": 1}, 0.0, None)
    >>> k.next_launch(8.0)
    >>> k.update(1, 1, {}, 1.0, None)
    >>> k.counts()
    (3, {'failed': 1})
    """

    def __init__(
        self,
        mode: str,
        total: int,
        budget_gb: float,
        every_s: float,
        status: Callable[[], str] | None = None,
        kept: bool = False,
    ) -> None:
        if mode == "auto":
            mode = "rich" if sys.stdout.isatty() else "plain"
        self.mode = mode
        self.total = total
        self.budget = budget_gb
        self.every = every_s
        self.status = status
        # one display for every launch of a sweep: closed by ``end``, not by each launch
        self.kept = kept
        self.open = True
        self.t0 = time.monotonic()
        self.last = 0.0
        self.bar: Any = None
        # the jobs of the launches before this one (a kept display), and this launch's
        self._before: tuple[int, dict[str, int]] = (0, {})
        self._now: tuple[int, dict[str, int]] = (0, {})
        self._streams: list[tuple[logging.StreamHandler, Any]] = []
        if mode == "rich":
            self._start_bar()

    def counts(self) -> tuple[int, dict[str, int]]:
        """Jobs done and how the others ended, over every launch this display showed."""
        done, ended = self._before
        now_done, now_ended = self._now
        keys = [k for k in ENDINGS if k in ended or k in now_ended]
        return done + now_done, {k: ended.get(k, 0) + now_ended.get(k, 0) for k in keys}

    def next_launch(self, budget_gb: float) -> None:
        """A kept display's next launch: the counts so far become the ones before it."""
        self._before, self._now = self.counts(), (0, {})
        self.budget = budget_gb

    def _status(self) -> str:
        if self.status is None:
            return ""
        try:
            return str(self.status())
        except Exception:  # noqa: BLE001  the sweeper's words must not stop the jobs
            log.debug("[jetson] the status line failed", exc_info=True)
            return ""

    # ------------------------------------------------------------------ the words

    def line(
        self,
        done: int,
        running: int,
        ended: Mapping[str, int],
        reserved: float,
        temp: float | None,
        width: int | None = None,
    ) -> str:
        """The progress in words; shortened to fit ``width`` columns when given."""
        elapsed = time.monotonic() - self.t0
        eta = elapsed / done * (self.total - done) if done else None
        counts = [f"{ended.get('failed', 0)} failed"] + [
            f"{ended[k]} {k}" for k in ENDINGS[1:] if ended.get(k)
        ]
        heat = [f"{temp:.0f} C"] if temp is not None else []
        when = f"ETA {_fmt_s(eta)}" if eta is not None else "ETA ?"
        full = " | ".join(
            [
                f"jobs {done}/{self.total} done",
                f"{running} running",
                *counts,
                f"memory {reserved:.1f}/{self.budget:.1f} GB reserved",
                *heat,
                f"elapsed {_fmt_s(elapsed)}",
                when,
            ]
        )
        if width is None or len(full) <= width:
            return full
        short = " ".join(
            [
                f"{done}/{self.total} done, {running} run,",
                ", ".join(counts) + " |",
                f"{reserved:.1f}/{self.budget:.1f} GB |",
                *(f"{h} |" for h in heat),
                when,
            ]
        )
        return short if len(short) <= width else short[: max(0, width - 1)] + "…"

    # ------------------------------------------------------------------ the display

    def _start_bar(self) -> None:
        from rich.progress import BarColumn, TextColumn

        self.bar = _status_bar(
            self._status,
            BarColumn(bar_width=None),
            TextColumn("{task.description}"),
            transient=False,
            refresh_per_second=4,
            expand=True,
        )
        self.task = self.bar.add_task("", total=max(self.total, 1))
        self.bar.start()
        # log lines go above the bar: handlers writing to the terminal write through rich
        for handler in _terminal_handlers():
            self._streams.append((handler, handler.stream))
            handler.setStream(sys.stderr if handler.stream is sys.__stderr__ else sys.stdout)

    def _text_width(self) -> int:
        return max(20, self.bar.console.width - 12)  # the bar keeps a few columns

    def update(
        self,
        done: int,
        running: int,
        ended: Mapping[str, int],
        reserved: float,
        temp: float | None,
        force: bool = False,
    ) -> None:
        self._now = (done, dict(ended))
        done, ended = self.counts()
        if self.mode == "rich" and self.bar is not None:
            try:
                text = self.line(done, running, ended, reserved, temp, width=self._text_width())
                self.bar.update(
                    self.task, total=max(self.total, 1), completed=done, description=text
                )
            except OSError:  # the terminal is gone (a dropped SSH session): no more bar
                self.end()
                self.mode = "none"
        elif self.mode == "plain":
            now = time.monotonic()
            if force or now - self.last >= self.every:
                self.last = now
                log.info("[jetson] %s", self.line(done, running, ended, reserved, temp))
                extra = self._status()
                if extra:
                    log.info("[jetson] %s", extra)

    def close(self, failing: bool = False) -> None:
        """The end of a launch: a kept display stays up for the next one, unless the launch
        failed or was interrupted (then it closes too)."""
        if self.kept and not failing:
            return
        self.end()

    def end(self) -> None:
        """Close the display for good (the bar's last state stays on the terminal)."""
        if self.open and self.kept and self.mode == "plain":
            extra = self._status()  # the sweeper's last words came after the last launch
            if extra:
                log.info("[jetson] %s", extra)
        self.open = False
        if self.bar is not None:
            bar, self.bar = self.bar, None
            try:
                bar.refresh()
                bar.stop()
            except OSError:  # the terminal is gone
                pass
        for handler, stream in self._streams:
            handler.setStream(stream)
        self._streams = []


def _bar_class() -> Any:
    from rich.progress import Progress as Bar
    from rich.text import Text

    class StatusBar(Bar):
        """rich's progress bar with the sweeper's status line under it."""

        def __init__(self, status: Callable[[], str], *columns: Any, **kw: Any) -> None:
            self.status_line = status
            super().__init__(*columns, **kw)

        def get_renderables(self) -> Any:
            yield self.make_tasks_table(self.tasks)
            extra = self.status_line()
            if extra:
                # wrapped to the width, each line padded to it: the jobs' own output, written
                # straight to the terminal, then starts on a line of its own, as after the bar
                yield Text(extra, justify="left", overflow="fold")

    return StatusBar


def _status_bar(status: Callable[[], str], *columns: Any, **kw: Any) -> Any:
    """A rich progress bar whose renderables end with the ``status`` line (rich is imported
    only when a live bar is shown)."""
    return _bar_class()(status, *columns, **kw)


def _terminal_handlers() -> list[logging.StreamHandler]:
    """The logging handlers that write straight to this process's terminal."""
    found = []
    loggers = [logging.getLogger()] + [
        lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)
    ]
    for lg in loggers:
        for h in lg.handlers:
            if not isinstance(h, logging.StreamHandler) or isinstance(h, logging.FileHandler):
                continue
            if h.stream in (sys.__stdout__, sys.__stderr__):
                if h not in found:
                    found.append(h)
    return found
