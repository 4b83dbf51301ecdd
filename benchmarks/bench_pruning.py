"""What pruning saves: the same Optuna study with and without its pruner.

The study is the ``identity_threshold_optuna`` preset (16 trials of 20 cycles, TPE, objective
``abs(memory_accuracy_mean - 50)`` minimised, simulated mind), run once with the preset's
pruner and once with ``hydra.sweeper.pruner=none``, for each sampler seed. For each run: the
cycles its trials ran (from the sweep table), its wall time, the best value found and how
many trials were pruned. The baseline is the run without the pruner, in the same process
and on the same machine; the spread of its best values over the seeds is the study's noise.

Run: ``python benchmarks/bench_pruning.py [--seeds 0 1 2]``; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

STUDY = ["+sweep=identity_threshold_optuna", "hydra/sweeper=brainjar_optuna"]
VARIANTS = {
    "no pruner (baseline)": ["hydra.sweeper.pruner=none", "hydra.sweeper.pruner_kwargs=null"],
    "preset's pruner (threshold 20 after 8 cycles)": [],
}


def run_study(cwd: Path, name: str, seed: int, extra: list[str]) -> dict[str, float]:
    """Run one study; its cycles, wall seconds, best value and pruned trials."""
    sweep = cwd / name
    args = [
        sys.executable,
        "-m",
        "brainjar_sweep",
        "-m",
        *STUDY,
        f"hydra.sweep.dir={sweep}",
        f"hydra.sweeper.seed={seed}",
        f"sweep_id={name}",
        "hydra.launcher.progress=none",
        *extra,
    ]
    t0 = time.monotonic()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=3600)
    wall = time.monotonic() - t0
    rows = list(csv.DictReader((sweep / "sweep_table.csv").open()))
    res = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    return {
        "cycles": sum(int(float(r["total_cycles"])) for r in rows),
        "wall": wall,
        "best": float(res["best_value"]),
        "pruned": int(res["n_trials"]["pruned"]),
        "trials": int(res["n_trials"]["total"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="sampler seeds")
    args = parser.parse_args()
    out: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for i, (variant, extra) in enumerate(VARIANTS.items()):
                out[variant].append(run_study(Path(tmp), f"s{seed}_v{i}", seed, extra))
    base = out[next(iter(VARIANTS))]
    base_cycles = sum(r["cycles"] for r in base)
    base_wall = sum(r["wall"] for r in base)
    print(f"Sampler seeds {args.seeds}; per seed: best value (cycles, pruned trials).")
    print()
    print("| study | cycles (sum) | x baseline | wall s (sum) | x baseline | best per seed |")
    print("|---|---|---|---|---|---|")
    for variant, runs in out.items():
        cycles = sum(r["cycles"] for r in runs)
        wall = sum(r["wall"] for r in runs)
        per_seed = ", ".join(
            f"{r['best']:.3g} ({int(r['cycles'])}, {int(r['pruned'])})" for r in runs
        )
        print(
            f"| {variant} | {int(cycles)} | {cycles / base_cycles:.2f} | {wall:.1f} | "
            f"{wall / base_wall:.2f} | {per_seed} |"
        )
    bests = [r["best"] for r in base]
    spread = statistics.pstdev(bests) if len(bests) > 1 else float("nan")
    print()
    print(f"Noise: the baseline's best values over the seeds have a spread (sd) of {spread:.3g}.")


if __name__ == "__main__":
    main()
