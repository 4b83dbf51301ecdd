"""Preloaded by the job-process server: imports Hydra and scans plugins once, so jobs fork warm."""

from hydra.core.plugins import Plugins
from hydra.core.utils import run_job  # noqa: F401

Plugins.instance()
