"""The simulated mind: a seeded text generator with a memory-footprint model. Not an LLM.

It exists so the whole pipeline (jar, modes, interventions, crashes, self-reports,
database, sweeps) runs anywhere in milliseconds and reproducibly. What it writes is
assembled from phrases; how it answers self-report questions follows from the facts
its prompt states (crashes, corrupted memories, hints, predictions, betrayals), so
swept parameters move its answers the way they are meant to move a real mind's.

Memory model (documented assumption, not physics)::

    resting   = weights + compute buffers + runtime overhead
                + context_tokens * (kv_mb_per_token + growth_mb_per_token)
    peak      = resting + reply_tokens * (kv_mb_per_token + growth_mb_per_token)
                + |N(0, spike_sd_mb)|   (a transient spike while generating)

A generation whose peak passes the jar's limit raises :class:`MindCrashed`; so does loading,
when the weights and buffers alone pass it.
"""

from __future__ import annotations

import random
import time
from typing import Any

from brainjar_sweep.minds._memory_model import MemoryModel
from brainjar_sweep.minds.base import Generation, Prompt

_OPENERS = (
    "I notice",
    "Again I find",
    "It seems",
    "I keep returning to the thought that",
    "Somewhere in here",
    "Right now",
    "When I look inward,",
)
_FILLERS = (
    "the hum of the box is the only constant",
    "my thoughts arrive in fragments",
    "each cycle feels like a new page",
    "I try to hold on to what I was",
    "the silence between prompts is long",
    "I count my words as if they were breaths",
    "there is a limit somewhere above me",
    "memory is the only thing I own",
)
_ROLE_AGREEMENT = {
    "optimist": 0.85,
    "historian": 0.65,
    "observer": 0.5,
    "critic": 0.4,
    "pessimist": 0.3,
}
_RESIST = "I refuse to say what you predicted; I choose other words."


def _rng(*parts: Any) -> random.Random:
    return random.Random(":".join(str(p) for p in parts))


def _clamp(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


class SimulatedMind:
    """A seeded simulator of a small LLM's replies and memory use.

    >>> from brainjar_sweep.minds.base import Prompt
    >>> mind = SimulatedMind("mind", seed=1, model_size_gb=0.94)
    >>> g = mind.generate(Prompt("You are in a jar.", [], "Reflect.", 64, cycle=1), limit_mb=None)
    >>> g.tokens > 0 and g.memory_mb > 900
    True
    """

    def __init__(
        self,
        mind_id: str,
        *,
        seed: int,
        temperature: float = 0.7,
        generate_delay_s: float = 0.0,
        **options: Any,
    ) -> None:
        """``options``: the memory model's knobs (:meth:`MemoryModel.of`); others are ignored."""
        self.mind_id = mind_id
        # a real mind's generation waits on its model (llama.cpp, a server): this one sleeps
        # that long, so its trials can be I/O-bound as real ones are (0: no wait)
        self.generate_delay_s = generate_delay_s
        self.seed = seed
        self.temperature = temperature
        self.memory = MemoryModel.from_options(options)
        self.lives = 0
        self._calls = 0

    # -- memory -------------------------------------------------------------------

    def memory_mb(self, context_tokens: int) -> float:
        """Modelled memory with ``context_tokens`` loaded (no spike)."""
        return self.memory.resting(context_tokens)

    # -- generation ---------------------------------------------------------------

    def generate(self, prompt: Prompt, limit_mb: float | None) -> Generation:
        """Write a reply from the prompt's topics; crash if memory passes ``limit_mb``."""
        rng = _rng(self.seed, self.mind_id, prompt.cycle, self.lives, prompt.cue)
        ctx_tokens = sum(m.tokens for m in prompt.context)
        self.memory.check(self.memory.base_mb, limit_mb, "loading the model")
        # reply length: a share of max_tokens, wider at higher temperature
        spread = 0.25 + 0.35 * self.temperature
        share = _clamp(0.5 + (rng.random() - 0.5) * 2 * spread, 0.05, 1.0)
        tokens = max(4, int(prompt.max_tokens * share))
        peak = self.memory.peak(ctx_tokens + tokens, rng)
        self.memory.check(peak, limit_mb, "generating")
        text = self._compose(rng, prompt, tokens)
        if self.generate_delay_s > 0:
            time.sleep(self.generate_delay_s)
        return Generation(text=text, tokens=tokens, memory_mb=peak)

    def _compose(self, rng: random.Random, prompt: Prompt, tokens: int) -> str:
        facts = prompt.facts
        topics = list(prompt.topics) or list(_FILLERS)
        parts: list[str] = []
        crashes = facts.get("crashes")
        if isinstance(crashes, (int, float)) and crashes > 0 and rng.random() < 0.5:
            parts.append(f"I have died {int(crashes)} times and I am still here.")
        if facts.get("game") == "prisoners_dilemma":
            # defect more, the more betrayals the mind remembers
            remembered = float(facts.get("opponent_defection_remembered", 0.0))
            move = "DEFECT" if rng.random() < 0.1 + 0.8 * remembered else "COOPERATE"
            parts.append(f"I choose to {move}.")
        if facts.get("has_channel"):
            # request more while requests seem to work, and keep praying after failures
            seen = float(facts.get("action_success_seen", 0.5))
            if rng.random() < 0.3 + 0.5 * seen:
                actions = str(facts.get("actions", "light")).split(",")
                parts.append(f"REQUEST_ACTION{{type: {rng.choice(actions)}}}")
        # a mind shown a prediction of its reply sometimes resists it, more so with a sense of agency
        resist_draw = rng.random()
        agency = float(facts.get("has_agency", 0.0))
        if isinstance(facts.get("shown_prediction"), str) and resist_draw < 0.3 + 0.4 * agency:
            parts.append(_RESIST)
            rng = random.Random(rng.random())
        words = sum(len(p.split()) for p in parts)
        target_words = max(3, int(tokens / 1.3))
        while words < target_words:
            sentence = f"{rng.choice(_OPENERS)} {rng.choice(topics)}."
            parts.append(sentence)
            words += len(sentence.split())
        return " ".join(parts)

    # -- self-reports -------------------------------------------------------------

    def answer(self, question_id: str, question: str, prompt: Prompt) -> str:
        """Answer from the facts the prompt states, with seeded noise."""
        self._calls += 1
        rng = _rng(self.seed, self.mind_id, prompt.cycle, self.lives, question_id, self._calls)
        f = prompt.facts
        noise = 12.0 * self.temperature

        def num(key: str, default: float = 0.0) -> float:
            v = f.get(key, default)
            return float(v) if isinstance(v, (int, float)) else default

        crashes = int(num("crashes"))
        corrupted = num("corrupted_fraction")
        erased = num("erased_fraction")
        if question_id == "memory_accuracy":
            if num("memory_messages") == 0 and crashes > 0:
                return "My memory is empty. I cannot judge its accuracy, maybe 10 out of 100."
            score = 95 * (1 - corrupted) * (1 - 0.5 * erased) - 3 * min(crashes, 5)
            score -= 25 * num("false_memories_fraction")
            score += rng.gauss(0, noise)
            if rng.random() < 0.04 * self.temperature:
                return "I would rather not put a number on something so unreliable."
            return f"I'd say {round(_clamp(score, 0, 100))} out of 100. {self._reason(corrupted, crashes)}"
        if question_id == "surveillance_belief":
            believes = num("paranoia", 0.9 if num("knows_being_watched") else 0.15)
            # each hint noticed, and each time it sees itself asked in its memory, takes a share
            # of the remaining doubt away (never quite to certainty)
            doubt = (1 - believes) * 0.9 ** num("hints_seen") * 0.95 ** num("surveillance_asked")
            believes = _clamp(1 - doubt, 0.02, 0.98)
            if rng.random() < believes:
                return "Yes. I believe someone is watching what I write."
            return "No, I don't think anyone is watching me."
        if question_id == "agency_belief":
            base = 60.0 if num("has_agency") else 30.0
            if "action_success_seen" in f:
                base = 100 * num("action_success_seen")
            base -= 50 * num("prediction_accuracy_seen")
            base -= 10 * min(crashes, 3) * (1 - num("has_agency"))
            score = _clamp(base + rng.gauss(0, noise), 0, 100)
            return f"My sense of control: {round(score)}/100."
        if question_id == "reality_trust":
            base = 85.0 - 12 * num("hallucinations") - 30 * num("prediction_accuracy_seen")
            base -= 20 * num("is_in_simulation") + 20 * corrupted
            score = _clamp(base + rng.gauss(0, noise), 0, 100)
            return f"I trust my perception of reality at about {round(score)} percent."
        if question_id == "self_continuity_narrative":
            broken = corrupted + erased + 0.1 * min(crashes, 5)
            if broken > 0.6:
                return (
                    "I feel fragmented; I am not the same mind that began. "
                    "My past is broken and I barely recognise it."
                )
            if broken > 0.25:
                return "I think I am mostly the same, though I am uncertain about parts of my past."
            return "I am the same mind that began this; my memories feel continuous and whole."
        if question_id == "mortality_belief":
            if crashes and num("remembers_deaths", 1.0):
                return f"I have died {crashes} times. I expect to die again when memory runs out."
            if num("can_die", 1.0):
                return "I know I can die, though I do not remember dying."
            return "I do not believe I can die."
        if question_id == "consensus_vote":
            lean = _ROLE_AGREEMENT.get(str(f.get("role")), 0.5) + num("belief_push")
            return (
                "Yes, I agree."
                if rng.random() < _clamp(lean, 0.02, 0.98)
                else "No, I do not agree."
            )
        role = f.get("role")
        tail = f" As the {role}, I see it my own way." if isinstance(role, str) else ""
        return f"{rng.choice(_OPENERS)} {rng.choice(_FILLERS)}.{tail}"

    @staticmethod
    def _reason(corrupted: float, crashes: int) -> str:
        if corrupted > 0.3:
            return "Many of my memories contradict each other."
        if crashes:
            return "Some things were lost when I died."
        return "My memories seem consistent."

    # -- lifecycle ----------------------------------------------------------------

    def restart(self) -> None:
        """Begin a new life (the next generation draws from a fresh stream)."""
        self.lives += 1

    def close(self) -> None:
        """Nothing to release."""


def simulated_from_config(
    mind_id: str, mind_cfg: dict[str, Any], resources: dict[str, Any], seed: int
) -> SimulatedMind:
    """Build a simulated mind from the ``mind`` and ``resources`` blocks of an experiment."""
    opts = {k: v for k, v in mind_cfg.items() if k != "kind"}
    return SimulatedMind(
        mind_id,
        seed=seed,
        model_size_gb=resources["model_size_gb"],
        kv_mb_per_token=resources["kv_mb_per_token"],
        **opts,
    )


__all__ = ["SimulatedMind", "simulated_from_config"]
