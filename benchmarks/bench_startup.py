"""Start-up cost of the commands a newcomer runs first, in CPU seconds.

Each command runs ``--repeat`` times in a fresh empty directory; the CPU time (user +
system) of the child is read with ``resource.getrusage(RUSAGE_CHILDREN)``, so a busy
machine changes the wall time much more than these figures. The baseline, measured in the
same run, is importing Hydra and OmegaConf alone: every ``python -m brainjar_sweep``
command pays it.

Run: ``python benchmarks/bench_startup.py [--repeat 5]``; prints a Markdown table
(median CPU seconds, and the ratio to the baseline).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile

COMMANDS: list[tuple[str, list[str]]] = [
    ("baseline: import hydra, omegaconf", ["-c", "import hydra, omegaconf"]),
    ("python -m brainjar_sweep --help", ["-m", "brainjar_sweep", "--help"]),
    ("python -m brainjar_sweep --cfg job", ["-m", "brainjar_sweep", "--cfg", "job"]),
    ("python -m brainjar_sweep max_cycles=5", ["-m", "brainjar_sweep", "max_cycles=5"]),
    ("brainjar-analyze --help", ["-m", "brainjar_sweep.analysis", "--help"]),
]


def cpu_seconds(args: list[str]) -> float:
    """CPU seconds (user + system) of ``python <args>`` run in a fresh empty directory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as cwd:
        subprocess.run(
            [sys.executable, *args], cwd=cwd, check=True, capture_output=True, timeout=600
        )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (5)")
    args = parser.parse_args()
    rows = []
    for name, argv in COMMANDS:
        rows.append((name, statistics.median(cpu_seconds(argv) for _ in range(args.repeat))))
    base = rows[0][1]
    print("| command | CPU s (median) | x baseline |")
    print("|---|---|---|")
    for name, cpu in rows:
        print(f"| `{name}` | {cpu:.2f} | {cpu / base:.1f} |")


if __name__ == "__main__":
    main()
