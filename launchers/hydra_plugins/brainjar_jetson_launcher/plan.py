"""What a sweeper hands the launcher before its first ``launch``: the whole sweep's plan.

A launcher gets only one batch of jobs per ``launch`` call; the plan tells it the rest: every
job of the sweep by number, whether the sweep resumes an earlier one, and which jobs completed
earlier (they are not launched again). The sweeper passes it once, with
``launcher.hand_over(plan)``.

A sweeper that makes its batches as it goes (from the results of the earlier ones) may say
how many jobs the whole sweep runs (``total``) and give a line of its own words (``status``):
the launcher then keeps one progress display across the launches, and the sweeper calls
``launcher.sweep_ended()`` when no launch follows.

>>> plan = SweepPlan(jobs={0: ["x=1"], 1: ["x=2"]}, resume=True, skipped={0: Path("sw/0")})
>>> sorted(plan.jobs), plan.to_run()
([0, 1], [1])
"""

# no `from __future__ import annotations` here: Hydra's plugin scan executes this module
# outside sys.modules, where dataclasses cannot resolve string annotations
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class SweepPlan:
    """Every job of a sweep, whether it resumes an earlier run, and what completed before."""

    # every job of the sweep: its number -> its overrides, as on the command line
    jobs: dict[int, list[str]] = field(default_factory=dict)
    # the sweep continues an earlier run in the same sweep dir
    resume: bool = False
    # jobs that completed earlier (not launched again): number -> output dir
    skipped: dict[int, Path] = field(default_factory=dict)
    # jobs the whole sweep runs over all its launches (one progress display for them all);
    # None: each launch shows its own jobs. The sweeper may lower it as it goes.
    total: int | None = None
    # the sweeper's own words for the progress display (called at each refresh: keep it cheap)
    status: Callable[[], str] | None = None
    # each job's config without its hydra node, as the sweeper checked it (number -> plain
    # dict): the launcher's needs and duration hooks read it on a job's first launch of a new
    # sweep instead of composing the job again (empty: the launcher composes each job)
    experiments: dict[int, Any] = field(default_factory=dict)

    def to_run(self) -> list[int]:
        """The numbers of the jobs still to run, in order."""
        return [n for n in sorted(self.jobs) if n not in self.skipped]
