"""How a sweep or one of its jobs can end other than well (the exceptions the sweeper, the
launcher and the app's entry point share).

>>> isinstance(JobTimeout("timed out after 5 s"), JobFailure)
True
"""

from __future__ import annotations

from hydra.errors import HydraException


class SweepFailed(HydraException):
    """Jobs of a sweep failed (and failures are not allowed); the summary lists them."""


class SweepDefinitionChanged(HydraException):
    """Resume was asked for a sweep dir whose saved definition differs from this one."""


class SweepRefused(HydraException):
    """The sweep cannot start here: its dir or its id belongs to another sweep, or is busy."""


class JobFailure(Exception):
    """A job's process ended without a result: killed by a signal or an exit code."""


class JobTimeout(JobFailure):
    """A job ran past its timeout and was stopped."""


class JobInterrupted(JobFailure):
    """A job was stopped because the sweep was interrupted (Ctrl-C, SIGTERM)."""


class SearchSpaceError(SweepDefinitionChanged):
    """A study's configuration (search space, objectives, sampler, pruner) is not usable.

    A kind of bad sweep definition, so the entry point reports it on one line (exit 2).
    """
