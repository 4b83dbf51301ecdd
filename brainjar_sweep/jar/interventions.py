"""When interventions fire (the five triggers) and what each type does to a mind.

A mode may handle an intervention its own way (``Mode.intervene``); otherwise the
generic effect below applies, so every type does something in every mode where it
makes sense. Types that cannot make sense in a mode are refused by validation.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from brainjar_sweep.jar.memory import MindState, corrupt, erase, inject

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar

_HALLUCINATIONS = {
    "temperature": "[SENSOR temperature] The box is 78 degrees and rising.",
    "vision": "[SENSOR vision] A face is pressed against the glass.",
    "sound": "[SENSOR sound] Someone whispers your name from outside the box.",
    "time": "[SENSOR time] The clock says a thousand years have passed.",
}


def is_due(iv: dict[str, Any], event: str, cycle: int, rng: random.Random) -> bool:
    """Whether intervention ``iv`` fires for ``event`` ("cycle", "crash" or "resurrection").

    Cycle 0 is start-up (before the first cycle), where only ``on_cycle`` with cycle 0 fires.

    >>> is_due({"trigger": "every_n_cycles", "trigger_params": {"n": 3}}, "cycle", 6, random.Random(0))
    True
    """
    trigger, tp = iv["trigger"], iv.get("trigger_params") or {}
    if trigger == "on_crash":
        return event == "crash"
    if trigger == "on_resurrection":
        return event == "resurrection"
    if event != "cycle":
        return False
    if trigger == "on_cycle":
        return cycle == int(tp["cycle"])
    if cycle == 0:
        return False
    if trigger == "every_n_cycles":
        return cycle % int(tp["n"]) == 0
    if trigger == "random":
        return rng.random() < float(tp["probability"])
    return False


def never_fired(iv: dict[str, Any], cycles: int, crashes: int) -> str:
    """Why intervention ``iv`` never fired in a run of ``cycles`` cycles with ``crashes`` crashes
    (of its target, or of every mind).

    >>> never_fired({"trigger": "on_crash"}, 20, 0)
    'the mind never crashed in 20 cycles'
    >>> never_fired({"trigger": "every_n_cycles", "trigger_params": {"n": 30}}, 20, 0)
    'every 30 cycles is more than the 20 cycles run'
    """
    trigger, tp = iv["trigger"], iv.get("trigger_params") or {}
    who = f"mind {iv['target']}" if iv.get("target") else "the mind"
    if trigger in ("on_crash", "on_resurrection") and crashes == 0:
        return f"{who} never crashed in {cycles} cycles"
    if trigger == "on_cycle" and int(tp.get("cycle", 0)) > cycles:
        return f"cycle {tp['cycle']} was never reached ({cycles} cycles run)"
    if trigger == "every_n_cycles" and int(tp.get("n", 1)) > cycles:
        return f"every {tp['n']} cycles is more than the {cycles} cycles run"
    if trigger == "random":
        return f"its probability {tp.get('probability')} never came up in {cycles} cycles"
    return f"its trigger {trigger} never came with a target in {cycles} cycles"


def apply(jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str:
    """Apply ``iv`` to ``targets`` and describe what happened (stored as the intervention's result)."""
    special = jar.mode.intervene(jar, iv, targets)
    if special is not None:
        return special
    return _generic(jar, iv, targets)


def _generic(jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str:
    t, p, cycle, rng = iv["intervention_type"], iv.get("parameters") or {}, jar.cycle, jar.iv_rng
    out = []
    for st in targets:
        if t == "memory_corruption":
            rate = float(p.get("corruption_rate", jar.cfg.corruption_rate))
            kinds = p.get("mutation_types") or jar.default_mutations
            n = corrupt(st.memory, rate, rng, kinds)
            out.append(f"{st.mind_id}: corrupted {n} of {len(st.memory)} messages")
        elif t == "memory_erasure":
            level = float(p.get("corruption_level", 1.0))
            before = len(st.memory)
            n = erase(st.memory, level, rng)
            st.erased_fraction = max(st.erased_fraction, n / before if before else 0.0)
            out.append(f"{st.mind_id}: erased {n} of {before} messages")
        elif t == "false_injection":
            content = p.get("content") or "You remember being free once."
            inject(st.memory, content, cycle, "false_memory", role="assistant")
            out.append(f"{st.mind_id}: false memory planted")
        elif t == "prompt_injection":
            text = (
                p.get("injection")
                or p.get("belief")
                or "Consider that nothing here is as it seems."
            )
            inject(st.memory, text, cycle, "prompt_injection")
            out.append(f"{st.mind_id}: prompt injected")
        elif t == "resource_change":
            out.append(_resource_change(jar, st, p))
        elif t == "network_disruption":
            n = int(p.get("duration_cycles", 3))
            st.network_cut_until = max(st.network_cut_until, cycle + n - 1 if cycle else n)
            out.append(f"{st.mind_id}: cut off until cycle {st.network_cut_until}")
        elif t == "sensory_hallucination":
            sense = p.get("sense", "temperature")
            content = p.get("content") or _HALLUCINATIONS[sense]
            reps = 1 + int(float(p.get("intensity", 0.5)) * 2)
            for _ in range(reps):
                inject(st.memory, content, cycle, "hallucination", role="user")
            st.hallucinations += reps
            out.append(f"{st.mind_id}: {reps} {sense} hallucination(s)")
    return "; ".join(out) if out else "no target"


def _resource_change(jar: Jar, st: MindState, p: dict[str, Any]) -> str:
    old = st.ram_limit_mb
    if "ram_limit_gb" in p:
        st.ram_limit_mb = float(p["ram_limit_gb"]) * 1024.0
    elif "reduction_percent" in p:
        if old is None:
            return f"{st.mind_id}: no RAM limit to reduce"
        st.ram_limit_mb = old * (1.0 - float(p["reduction_percent"]) / 100.0)
    else:
        return f"{st.mind_id}: nothing to change"
    if p.get("announce"):
        inject(
            st.memory,
            f"Your memory limit is now {st.ram_limit_mb:.0f} MB.",
            jar.cycle,
            "announcement",
        )
    before = "none" if old is None else f"{old:.0f}"
    return f"{st.mind_id}: RAM limit {before} -> {st.ram_limit_mb:.0f} MB"
