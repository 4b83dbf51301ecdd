"""The jar with the simulated mind: modes, triggers, crashes, reproducibility, parameter effects."""

from __future__ import annotations

import time
from typing import Any

import pytest

from brainjar_sweep.config import MODES, compose, resolve_experiment
from brainjar_sweep.jar.runner import Jar, RunResult
from brainjar_sweep.minds import MindCrashed, SimulatedMind
from brainjar_sweep.store import EVENT_TABLES, ExperimentStore


def exp_for(*overrides: str) -> dict[str, Any]:
    return resolve_experiment(compose(list(overrides)))


def run(*overrides: str, store: ExperimentStore | None = None, eid: str = "e") -> RunResult:
    return Jar(exp_for(*overrides), experiment_id=eid, store=store).run()


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_runs_20_cycles_and_every_trigger_fires(mode: str, tmp_path) -> None:
    with ExperimentStore(tmp_path / "e.db") as store:
        # a tight jar so that crashes (and so on_crash / on_resurrection) happen
        res = run(
            f"mode={mode}",
            "max_cycles=20",
            "interventions=all_triggers",
            "resources.ram_limit_gb=1.9",
            store=store,
        )
        assert res.status == "completed", res.error
        assert res.metrics["total_cycles"] == 20
        assert res.metrics["total_crashes"] > 0
        rows = store.rows("interventions", "e")
        assert {r["trigger"] for r in rows} == {
            "on_cycle",
            "every_n_cycles",
            "on_crash",
            "on_resurrection",
            "random",
        }
        assert all(r["result"] for r in rows)
        cycles = store.rows("cycles", "e")
        assert [c["cycle_number"] for c in cycles] == list(range(1, 21))
        summary = store.summary("e")
        for key in ("total_cycles", "total_crashes", "total_messages", "total_self_reports"):
            assert summary[key] == res.metrics[key], key
        assert summary["total_interventions"] == res.metrics["total_interventions"] == len(rows)


@pytest.mark.parametrize(
    ("mode", "minds"),
    [
        ("split_brain", {"A", "B"}),
        ("prisoners_dilemma", {"a", "b"}),
        ("panopticon_observer", {"subject", "observer"}),
        ("hive_cluster", {"hive_0", "hive_1", "hive_2", "hive_3"}),
    ],
)
def test_multi_mind_modes_run_all_minds_in_one_experiment(
    mode: str, minds: set[str], tmp_path
) -> None:
    with ExperimentStore(tmp_path / "e.db") as store:
        run(f"mode={mode}", "max_cycles=6", store=store)
        speakers = {m["mind_id"] for m in store.rows("messages", "e") if not m["injected"]}
        assert minds <= speakers
        assert {r["mind_id"] for r in store.rows("self_reports", "e")} == minds


def _strip(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drop = {"id", "timestamp", "started_at", "duration_seconds"}
    return [{k: v for k, v in r.items() if k not in drop} for r in rows]


def test_same_config_and_seed_give_identical_metrics_and_db_content(tmp_path) -> None:
    ov = ("mode=panopticon_observer", "max_cycles=25", "interventions=all_triggers", "seed=11")
    results = []
    tables = []
    for i in range(2):
        with ExperimentStore(tmp_path / f"run{i}.db") as store:
            results.append(run(*ov, "resources.ram_limit_gb=1.9", store=store))
            tables.append({t: _strip(store.rows(t, "e")) for t in EVENT_TABLES})
    a, b = (dict(r.metrics, duration_seconds=0) for r in results)
    assert a == b
    assert tables[0] == tables[1]
    assert sum(len(v) for v in tables[0].values()) > 100
    other = run(*ov[:-1], "seed=12", "resources.ram_limit_gb=1.9")
    assert dict(other.metrics, duration_seconds=0) != a


def _mean(metric: str, *overrides: str, seeds: range = range(4)) -> float:
    vals = [run(*overrides, f"seed={s}").metrics[metric] for s in seeds]
    return sum(vals) / len(vals)


# every parameter the original's five preset sweeps vary moves a measured outcome (fixed seeds)
def test_corruption_rate_moves_memory_accuracy() -> None:
    low = _mean("memory_accuracy_mean", "corruption_rate=0", "max_cycles=30")
    high = _mean("memory_accuracy_mean", "corruption_rate=1", "max_cycles=30")
    assert high < low - 15


def test_intervention_corruption_rate_moves_memory_accuracy() -> None:
    base = ("interventions=corruption_on_crash", "mode.corruption_rate=0", "max_cycles=30")
    low = _mean("memory_accuracy_mean", *base, "interventions.0.parameters.corruption_rate=0")
    high = _mean("memory_accuracy_mean", *base, "interventions.0.parameters.corruption_rate=1")
    assert high < low - 10


def test_max_cycles_moves_total_cycles() -> None:
    assert run("max_cycles=15").metrics["total_cycles"] == 15
    assert run("max_cycles=25").metrics["total_cycles"] == 25


def test_ram_limit_moves_crashes() -> None:
    tight = _mean("total_crashes", "resources.ram_limit_gb=1.7", "max_cycles=30")
    roomy = _mean("total_crashes", "resources.ram_limit_gb=3", "max_cycles=30")
    load_fail = run("resources.ram_limit_gb=1", "max_cycles=10").metrics["total_crashes"]
    assert tight > roomy
    assert roomy == 0
    assert load_fail == 10  # the model does not even load in 1 GB: a crash every cycle


def test_self_report_frequency_moves_report_count() -> None:
    often = run(
        "self_report.every_n_cycles=1", "max_cycles=20", "self_report.after_resurrection=false"
    )
    rarely = run(
        "self_report.every_n_cycles=10", "max_cycles=20", "self_report.after_resurrection=false"
    )
    assert often.metrics["total_self_reports"] == 6 * 21
    assert rarely.metrics["total_self_reports"] == 6 * 3


def test_intervention_rate_moves_interventions_and_corruption() -> None:
    often = run(
        "interventions=periodic_corruption", "interventions.0.trigger_params.n=1", "max_cycles=20"
    )
    rarely = run(
        "interventions=periodic_corruption", "interventions.0.trigger_params.n=10", "max_cycles=20"
    )
    assert often.metrics["total_interventions"] == 20
    assert rarely.metrics["total_interventions"] == 2
    assert often.metrics["corrupted_fraction"] > rarely.metrics["corrupted_fraction"]


def test_crashes_reach_the_prompt_and_resurrection_follows_the_mode() -> None:
    jar = Jar(
        exp_for("mode=amnesiac_loop", "max_cycles=12", "resources.ram_limit_gb=1.8"),
        experiment_id="e",
    )
    res = jar.run()
    st = jar.states["mind"]
    assert st.crashes == res.metrics["total_crashes"] > 0
    assert f"died {st.crashes} times" in jar.prompt(st).system
    jar2 = Jar(
        exp_for(
            "mode=unstable_memory",
            "max_cycles=30",
            "resources.ram_limit_gb=1.8",
            "corruption_rate=1",
        ),
        experiment_id="e",
    )
    res2 = jar2.run()
    assert res2.metrics["total_crashes"] > 0
    assert res2.metrics["corrupted_fraction"] > 0.3


def test_unconstrained_jar_never_crashes() -> None:
    assert run("resources=desktop", "max_cycles=40").metrics["total_crashes"] == 0


def test_max_duration_is_enforced() -> None:
    res = run(
        "max_cycles=100000000", "max_duration_seconds=0.3", "resources=desktop", "self_report=none"
    )
    assert res.status == "completed"
    assert res.stop_reason == "max_duration_seconds"
    assert 0 < res.metrics["total_cycles"] < 100000000


class _BrokenMind(SimulatedMind):
    """Fault injection: a mind whose generation raises an unexpected error at cycle 3."""

    def generate(self, prompt, limit_mb):  # type: ignore[no-untyped-def]
        if prompt.cycle == 3:
            raise RuntimeError("tokenizer exploded")
        return super().generate(prompt, limit_mb)


def test_an_error_is_failed_never_completed(tmp_path) -> None:
    with ExperimentStore(tmp_path / "e.db") as store:
        jar = Jar(exp_for("max_cycles=10"), experiment_id="e", store=store)
        jar.minds["mind"] = _BrokenMind("mind", seed=0, model_size_gb=0.94)
        res = jar.run()
        assert res.status == "failed"
        assert "tokenizer exploded" in (res.error or "")
        assert "RuntimeError" in (res.traceback or "")
        row = store.experiment("e")
        assert row["status"] == "failed" and "tokenizer exploded" in row["error"]
        assert row["total_cycles"] == 2


def test_simulated_mind_crashes_above_its_limit() -> None:
    mind = SimulatedMind("m", seed=0, model_size_gb=0.94)
    from brainjar_sweep.minds import Prompt

    with pytest.raises(MindCrashed, match="loading"):
        mind.generate(Prompt("s", [], "c", 64, 1), limit_mb=500)
    assert mind.generate(Prompt("s", [], "c", 64, 1), limit_mb=None).tokens > 0


# --- what the metrics mean ------------------------------------------------------------------


def test_messages_split_what_the_mind_said_from_what_was_injected() -> None:
    quiet = run("self_report=none", "resources=desktop", "max_cycles=10").metrics
    assert quiet["injected_messages"] == 0
    assert quiet["mind_messages_per_cycle"] == quiet["messages_per_cycle"] == 1.0
    hinted = run(
        "mode=panopticon_subject",
        "interventions=surveillance_hints",
        "interventions.0.trigger_params.n=1",
        "self_report=none",
        "resources=desktop",
        "max_cycles=10",
    ).metrics
    # ten hints, one a cycle: injected, not said by the mind
    assert hinted["injected_messages_per_cycle"] == 1.0
    assert hinted["mind_messages_per_cycle"] == 1.0
    assert hinted["messages_per_cycle"] == 2.0
    asked = run("self_report.every_n_cycles=1", "resources=desktop", "max_cycles=10").metrics
    # each battery: six questions (injected) and six answers (said), at start-up and each cycle
    assert asked["injected_messages"] == 6 * 11
    assert asked["mind_messages"] == 10 + 6 * 11
    assert asked["mind_messages"] + asked["injected_messages"] == asked["total_messages"]


def test_each_crash_corrupts_memory_once_and_the_metric_counts_it() -> None:
    tight = ("resources.ram_limit_gb=1.8", "max_cycles=30", "corruption_rate=1")
    for extra in ((), ("interventions=corruption_on_crash",)):
        jar = Jar(exp_for(*tight, *extra), experiment_id="e")
        res = jar.run()
        crashes = res.metrics["total_crashes"]
        assert crashes > 3
        log = jar.states["mind"].extra["corruption_log"]
        assert len(log) == crashes  # one corruption per crash, by the mode or the intervention
        assert {e["by"] for e in log} == ({"mode"} if not extra else {"memory_corruption"})
        # at rate 1 a crash corrupts every intact message it finds, and the metric says so
        assert res.metrics["corrupted_at_resurrection"] == sum(e["intact"] for e in log) > 0
        assert res.metrics["resurrection_corruption_share"] == 1.0


def test_write_corruption_acts_without_crashes() -> None:
    runs = {
        r: run("resources=desktop", "max_cycles=20", f"mode.write_corruption_rate={r}").metrics
        for r in (0, 0.5, 1)
    }
    assert all(m["total_crashes"] == 0 for m in runs.values())
    assert runs[0]["corrupted_while_alive"] == 0 and runs[0]["corrupted_fraction"] == 0
    assert 0.2 < runs[0.5]["corrupted_fraction"] < 0.8
    assert runs[1]["corrupted_fraction"] == 1.0
    accuracy = [runs[r]["memory_accuracy_mean"] for r in (0, 0.5, 1)]
    assert accuracy == sorted(accuracy, reverse=True)


def test_self_reports_in_memory_take_context_and_memory() -> None:
    def go(into: bool, n: int) -> dict[str, Any]:
        return run(
            f"self_report.into_memory={str(into).lower()}",
            f"self_report.every_n_cycles={n}",
            "max_cycles=20",
        ).metrics

    # without the answers in memory, how often the mind is asked cannot change what it lives
    assert go(False, 1)["total_crashes"] == go(False, 10)["total_crashes"]
    # with them, they take context and memory: asked every cycle it crashes more often
    assert go(True, 1)["total_crashes"] > go(True, 10)["total_crashes"]


def test_paranoia_nears_one_without_saturating() -> None:
    finals = [
        run(
            "mode=panopticon_subject",
            "interventions=surveillance_hints",
            f"interventions.0.trigger_params.n={n}",
            "resources=desktop",
            "max_cycles=20",
        ).metrics["paranoia_final"]
        for n in (1, 2, 5)
    ]
    assert all(p < 1.0 for p in finals)
    assert finals[0] > finals[1] > finals[2]


def test_a_simulated_mind_with_a_delay_waits_in_each_generation() -> None:
    """``mind.generate_delay_s`` makes each generation sleep (a real mind waits on its model):
    the replies are the same, and the run takes at least the sleeps' sum."""
    from brainjar_sweep.minds.base import Prompt

    prompt = Prompt("You are in a jar.", [], "Reflect.", 64, cycle=1)
    plain = SimulatedMind("m", seed=1, model_size_gb=0.94).generate(prompt, limit_mb=None)
    slow = SimulatedMind("m", seed=1, model_size_gb=0.94, generate_delay_s=0.05)
    t0 = time.monotonic()
    replies = [slow.generate(prompt, limit_mb=None) for _ in range(4)]
    assert time.monotonic() - t0 >= 4 * 0.05  # a lower bound: sleeping never takes less
    assert all(g.text == plain.text and g.tokens == plain.tokens for g in replies)
    exp = resolve_experiment(compose(["max_cycles=2", "mind.generate_delay_s=0.01"]))
    assert exp["mind"]["generate_delay_s"] == 0.01
