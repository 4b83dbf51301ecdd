"""``python -m brainjar_sweep.analysis PATH...``: the same as ``brainjar-analyze``."""

import sys

from brainjar_sweep.analysis.cli import main

sys.exit(main())
