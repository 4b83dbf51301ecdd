"""The ``brainjar-sweep`` command: the same as ``python -m brainjar_sweep``."""

from __future__ import annotations

import sys

from brainjar_sweep.app import main as app_main


def main(argv: list[str] | None = None) -> int:
    """Run an experiment (or a sweep with ``-m``); arguments are Hydra overrides and flags."""
    return app_main(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
