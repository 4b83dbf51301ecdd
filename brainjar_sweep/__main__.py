"""``python -m brainjar_sweep``: run an experiment (or a sweep with ``-m``)."""

import sys

from brainjar_sweep.app import main

if __name__ == "__main__":
    sys.exit(main())
