"""brainjar-sweep: reproducible "brain in a jar" experiments and parameter sweeps."""

__version__ = "0.1.0"
