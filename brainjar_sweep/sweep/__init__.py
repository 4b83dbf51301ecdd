"""Sweep machinery shared by our Hydra plugins: fast per-job composition and sweep files."""

from brainjar_sweep.sweep.compose import JobComposer

__all__ = ["JobComposer"]
