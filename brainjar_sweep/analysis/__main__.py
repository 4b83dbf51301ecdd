"""``python -m brainjar_sweep.analysis PATH...``: the same as ``brainjar-analyze``."""

from brainjar_sweep._exit import exit_program
from brainjar_sweep.analysis.cli import main

exit_program(main())
