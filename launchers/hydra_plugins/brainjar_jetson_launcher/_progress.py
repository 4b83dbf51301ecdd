"""The progress display: jobs done, running and failed, memory against the budget, heat, ETA.

On a terminal it is a live line (rich), with the launcher's log lines printed above it;
otherwise (a log file, CI) it is a log line every ``progress_every_s`` seconds and at the end.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

log = logging.getLogger(__name__)


class Progress:
    """Shows the state of a launch; ``mode`` is auto, rich, plain or none.

    >>> p = Progress("none", total=3, budget_gb=8.0, every_s=5.0)
    >>> p.line(1, 2, 0, 4.0, None).split(" | ")[:4]
    ['jobs 1/3 done', '2 running', '0 failed', 'memory 4.0/8.0 GB reserved']
    """

    def __init__(self, mode: str, total: int, budget_gb: float, every_s: float) -> None:
        if mode == "auto":
            mode = "rich" if sys.stdout.isatty() else "plain"
        self.mode = mode
        self.total = total
        self.budget = budget_gb
        self.every = every_s
        self.t0 = time.monotonic()
        self.last = 0.0
        self.live: Any = None
        if mode == "rich":
            from rich.live import Live

            self.live = Live(self.line(0, 0, 0, 0.0, None), refresh_per_second=4, transient=False)
            self.live.start()

    def line(
        self, done: int, running: int, failed: int, reserved: float, temp: float | None
    ) -> str:
        elapsed = time.monotonic() - self.t0
        eta = elapsed / done * (self.total - done) if done else None
        parts = [
            f"jobs {done}/{self.total} done",
            f"{running} running",
            f"{failed} failed",
            f"memory {reserved:.1f}/{self.budget:.1f} GB reserved",
        ]
        if temp is not None:
            parts.append(f"{temp:.0f} C")
        parts.append(f"elapsed {elapsed:.0f}s")
        parts.append(f"ETA {eta:.0f}s" if eta is not None else "ETA ?")
        return " | ".join(parts)

    def update(
        self,
        done: int,
        running: int,
        failed: int,
        reserved: float,
        temp: float | None,
        force: bool = False,
    ) -> None:
        line = self.line(done, running, failed, reserved, temp)
        if self.mode == "rich" and self.live is not None:
            try:
                self.live.update(line)
            except OSError:  # the terminal is gone (a dropped SSH session): no more bar
                self.live, self.mode = None, "none"
        elif self.mode == "plain":
            now = time.monotonic()
            if force or now - self.last >= self.every:
                self.last = now
                log.info("[jetson] %s", line)

    def close(self) -> None:
        if self.live is not None:
            live, self.live = self.live, None
            try:
                live.stop()
            except OSError:  # the terminal is gone
                pass
