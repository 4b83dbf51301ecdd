"""Longest predicted first with memory-aware backfill: known answers."""

from __future__ import annotations

import random

import pytest
from hydra_plugins.brainjar_jetson_launcher._admission import Waiting, choose, makespan, start_order


def test_the_longest_job_that_fits_starts_first_and_shorter_ones_fill_what_is_left() -> None:
    jobs = [
        Waiting(0, 3.0, 1, 10.0),
        Waiting(1, 6.0, 1, 90.0),  # longest, but does not fit in 5 GB
        Waiting(2, 4.0, 1, 50.0),  # longest that fits
        Waiting(3, 1.0, 1, 20.0),
        Waiting(4, 1.0, 1, 5.0),
    ]
    # 4 GB for #2, then 1 GB left: #3 (20 s) before #4 (5 s); #0 no longer fits
    assert choose(jobs, free_memory_gb=5.0, free_slots=8) == [2, 3]
    assert choose(jobs, free_memory_gb=10.0, free_slots=8) == [1, 2]
    assert choose(jobs, free_memory_gb=10.0, free_slots=1) == [1]
    # slots bind before memory
    assert choose(jobs, free_memory_gb=100.0, free_slots=3) == [1, 2, 3]
    assert choose(jobs, free_memory_gb=100.0, free_slots=8, max_start=2) == [1, 2]


def test_threads_count_against_the_slots() -> None:
    jobs = [Waiting(0, 1.0, 4, 100.0), Waiting(1, 1.0, 2, 50.0), Waiting(2, 1.0, 1, 10.0)]
    assert choose(jobs, 10.0, 5) == [0, 2]
    assert choose(jobs, 10.0, 3) == [1, 2]


def test_with_no_predictions_jobs_start_in_sweep_order_with_backfill() -> None:
    jobs = [Waiting(5, 6.0), Waiting(6, 6.0), Waiting(7, 3.0), Waiting(8, 1.0)]
    # what the launcher's list-order admission gives: #5, #6 does not fit, #7 and #8 do
    assert choose(jobs, 10.0, 8) == [5, 7, 8]


def test_jobs_with_no_prediction_come_first_in_sweep_order() -> None:
    jobs = [Waiting(0, 1.0, 1, 5.0), Waiting(1, 1.0), Waiting(2, 1.0, 1, 9.0), Waiting(3, 1.0)]
    assert [w.num for w in start_order(jobs)] == [1, 3, 2, 0]
    assert choose(jobs, 2.0, 8) == [1, 3]


def test_equal_predictions_keep_sweep_order_and_numbers_stay() -> None:
    jobs = [Waiting(n, 1.0, 1, 7.0) for n in (12, 3, 8)]
    assert choose(jobs, 10.0, 8) == [3, 8, 12]


def test_a_job_larger_than_the_machine_runs_alone_when_nothing_runs() -> None:
    jobs = [Waiting(0, 50.0, 1, 100.0), Waiting(1, 1.0, 1, 1.0)]
    assert choose(jobs, 44.8, 6) == [1]
    assert choose(jobs, 44.8, 6, idle=True) == [0]
    # idle, and the first job offered fits: normal packing
    assert choose([Waiting(0, 2.0, 1, 3.0), Waiting(1, 2.0, 1, 1.0)], 44.8, 6, idle=True) == [0, 1]


def test_nothing_waiting_or_nothing_free_starts_nothing() -> None:
    assert choose([], 10.0, 4) == []
    assert choose([Waiting(0, 1.0, 1, 1.0)], 0.5, 4) == []
    assert choose([Waiting(0, 1.0, 1, 1.0)], 10.0, 0) == []
    with pytest.raises(ValueError, match="free_slots=-1"):
        choose([Waiting(0, 1.0)], 10.0, -1)


def test_makespan_known_answers() -> None:
    # two slots; sweep order leaves the 4 s job for last
    t = [1.0, 1.0, 1.0, 1.0, 4.0]
    assert makespan([Waiting(i, 1.0) for i in range(5)], t, 10.0, 2) == 6.0
    assert makespan([Waiting(i, 1.0, 1, s) for i, s in enumerate(t)], t, 10.0, 2) == 4.0
    # memory binds: 10 GB, a 6 GB job of 3 s and three 4 GB jobs of 1 s
    jobs = [Waiting(0, 4.0, 1, 1.0), Waiting(1, 4.0, 1, 1.0), Waiting(2, 6.0, 1, 3.0)]
    jobs += [Waiting(3, 4.0, 1, 1.0)]
    secs = [w.seconds or 0.0 for w in jobs]
    # longest first: #2 from the start, the 4 GB jobs one after another beside it: 3 s
    assert makespan(jobs, secs, 10.0, 8) == 3.0
    # sweep order: #0 and #1 (1 s), then #2 with #3 beside it: #2 ends at 4 s
    assert makespan([Waiting(w.num, w.memory_gb) for w in jobs], secs, 10.0, 8) == 4.0
    # the static cap of one at a time: the sum
    assert makespan(jobs, secs, 10.0, 8, max_parallel=1) == sum(secs)
    assert makespan([], [], 10.0, 2) == 0.0


def test_learnt_durations_come_close_to_the_lower_bound_and_none_is_never_worse() -> None:
    """A mixed sweep of 60 jobs: 1-8 GB, 0.5-4 s, 44.8 GB and 6 slots (the scheduling
    benchmark's sweep). Told durations within 20 % of the truth, the policy reaches 0.95 of
    the lower bound; told nothing, it is exactly sweep order with backfill."""
    rng = random.Random(0)
    mem = [round(1 + 7 * rng.random(), 2) for _ in range(60)]
    secs = [round(4 * (0.125 + 0.875 * rng.random()), 3) for _ in range(60)]
    bound = max(sum(m * t for m, t in zip(mem, secs, strict=True)) / 44.8, sum(secs) / 6, max(secs))
    told = [t * rng.uniform(0.8, 1.2) for t in secs]
    learnt = makespan(
        [Waiting(i, m, 1, p) for i, (m, p) in enumerate(zip(mem, told, strict=True))], secs, 44.8, 6
    )
    blind = makespan([Waiting(i, m) for i, m in enumerate(mem)], secs, 44.8, 6)
    assert bound / learnt >= 0.95
    assert learnt <= blind


def test_where_memory_binds_a_long_job_that_takes_much_of_it_goes_first() -> None:
    # capacity 10 GB, 6 slots: a 6 GB job of 4 s outweighs a 1 GB job of 5 s
    jobs = [Waiting(0, 1.0, 1, 5.0), Waiting(1, 6.0, 1, 4.0)]
    assert [w.num for w in start_order(jobs)] == [0, 1]
    assert [w.num for w in start_order(jobs, (10.0, 6))] == [1, 0]
    assert choose(jobs, 6.5, 6, capacity=(10.0, 6)) == [1]
    assert choose(jobs, 6.5, 6) == [0]
    # slots bind (1 GB jobs): the weight is the slot share for every job, so plain longest first
    small = [Waiting(0, 1.0, 1, 5.0), Waiting(1, 1.0, 1, 9.0), Waiting(2, 1.0, 2, 4.0)]
    assert [w.num for w in start_order(small, (100.0, 6))] == [1, 2, 0]


def test_memory_heavy_sweeps_are_not_made_worse_than_sweep_order() -> None:
    """1-30 GB jobs (most small) in 44.8 GB: over ten seeded sweeps, learnt durations do better
    than sweep order on the whole."""
    ratios_new, ratios_today = [], []
    for seed in range(10):
        rng = random.Random(seed)
        mem = [round(1 + 29 * rng.random() ** 2, 2) for _ in range(60)]
        secs = [round(4 * (0.125 + 0.875 * rng.random()), 3) for _ in range(60)]
        told = [t * rng.uniform(0.8, 1.2) for t in secs]
        bound = max(
            sum(m * t for m, t in zip(mem, secs, strict=True)) / 44.8, sum(secs) / 6, max(secs)
        )
        jobs = [Waiting(i, m, 1, p) for i, (m, p) in enumerate(zip(mem, told, strict=True))]
        ratios_new.append(bound / makespan(jobs, secs, 44.8, 6))
        ratios_today.append(
            bound / makespan([Waiting(i, m) for i, m in enumerate(mem)], secs, 44.8, 6)
        )
    assert sum(ratios_new) > sum(ratios_today)
