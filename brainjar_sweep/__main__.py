"""``python -m brainjar_sweep``: run an experiment (or a sweep with ``-m``)."""

from brainjar_sweep._exit import exit_program
from brainjar_sweep.app import main

if __name__ == "__main__":
    exit_program(main())
