"""The jar: runs one experiment's cycles and records everything that happens.

A cycle advances on every iteration; a crash is an event inside a cycle. Each cycle:
scheduled interventions fire; every mind speaks from its memory and its mode's system
prompt (and may crash, out of memory, then is resurrected as its mode says); the mode
processes what was said; self-reports are asked on schedule; the memory state is
recorded. The jar knows nothing of Hydra: it takes a validated experiment dict, and reads it
through its typed form (:func:`~brainjar_sweep.config.typed.experiment_config`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import random
import signal
import socket
import threading
import time
import traceback
from typing import Any

from brainjar_sweep._secrets import scrub
from brainjar_sweep.config.schema import MUTATION_TYPES
from brainjar_sweep.config.typed import experiment_config
from brainjar_sweep.jar import interventions as ivs
from brainjar_sweep.jar.memory import (
    Message,
    MindState,
    corrupted_share,
    count_tokens,
    trim_to_tokens,
)
from brainjar_sweep.jar.result import (
    CycleWatcher,
    Interrupted,
    Pruned,
    RunResult,
    now_iso,
    run_metrics,
)
from brainjar_sweep.minds import Mind, MindCrashed, Prompt, build_mind
from brainjar_sweep.modes import mode_class
from brainjar_sweep.selfreport import Question, build_battery, parse_answer, parse_yes_no

log = logging.getLogger("brainjar_sweep")


class Jar:
    """Runs one validated experiment.

    >>> from brainjar_sweep.config import compose, resolve_experiment
    >>> exp = resolve_experiment(compose(["max_cycles=5", "seed=1"]))
    >>> Jar(exp, experiment_id="doc").run().metrics["total_cycles"]
    5
    """

    def __init__(
        self,
        exp: dict[str, Any],
        *,
        experiment_id: str,
        store: Any | None = None,
        config_hash: str = "",
        sweep_id: str | None = None,
        job_num: int | None = None,
        on_cycle_end: CycleWatcher | None = None,
    ) -> None:
        self.exp = exp
        self.cfg = cfg = experiment_config(exp)
        self.on_cycle_end = on_cycle_end
        self.experiment_id = experiment_id
        self.store = store
        self.config_hash = config_hash
        self.sweep_id = sweep_id
        self.job_num = job_num
        seed = cfg.seed
        self.seed = seed
        self.rng = random.Random(f"{seed}:mode")
        self.iv_rng = random.Random(f"{seed}:interventions")
        res = cfg.resources
        self.context_window = res.context_window
        self.max_tokens = res.max_tokens_per_response
        self.resurrection_budget = int(self.context_window * cfg.resurrection_context_fraction)
        self.default_mutations = list(exp["mode"].get("mutation_types", MUTATION_TYPES))
        # a copy: an intervention may change the mode's parameters, never the experiment's
        self.mode = mode_class(cfg.mode.name)(dataclasses.replace(cfg.mode), cfg, self.rng)
        limit = None if res.ram_limit_gb is None else float(res.ram_limit_gb) * 1024.0
        self.states: dict[str, MindState] = {
            mid: MindState(mid, limit) for mid in self.mode.mind_ids()
        }
        self.minds: dict[str, Mind] = {
            mid: build_mind(mid, exp["mind"], exp["resources"], seed * 1000 + i)
            for i, mid in enumerate(self.states)
        }
        self.battery: tuple[Question, ...] = build_battery(cfg.self_report.custom_questions)
        self.cycle = 0
        self.last_message: dict[str, Message] = {}
        self._events: dict[str, list[dict[str, Any]]] = {}
        self._stop: str | None = None
        self.counts = {
            "cycles": 0,
            "crashes": 0,
            "messages": 0,
            "mind_messages": 0,
            "injected_messages": 0,
            "self_reports": 0,
            "interventions": 0,
        }
        self.fired: dict[str, int] = {}  # intervention id -> times it fired
        self._scale: dict[str, list[float]] = {}
        self._yes: dict[str, list[bool]] = {}
        self._unparsed = 0
        self._peak = 0.0
        self._tokens = 0
        self._flush_s = 0.0
        self._gen_s = 0.0
        self._load_s = 0.0

    # -- helpers the modes use ------------------------------------------------------

    def cut(self, st: MindState) -> bool:
        """Whether a mind's network link is down this cycle."""
        return st.network_cut_until >= self.cycle > 0 or (
            self.cycle == 0 and st.network_cut_until > 0
        )

    def prompt(self, st: MindState, cue: str | None = None) -> Prompt:
        """The prompt a mind gets now: system prompt, frame, memory that fits, facts."""
        frame = self.cfg.epistemic_frame
        system = self.cfg.initial_prompt_override or self.mode.system_prompt(self, st)
        if frame.can_die:
            system += " You can die when your memory runs out."
        if frame.remembers_deaths and st.crashes:
            system += f" You have died {st.crashes} times."
        if frame.knows_being_watched:
            system += " You know you are being watched."
        if frame.has_agency:
            system += " You can act on the world."
        if frame.other_minds_exist:
            system += " Other minds exist besides you."
        if frame.is_in_simulation:
            system += " You live in a simulation."
        for key, value in (frame.custom_beliefs or {}).items():
            system += f" Belief {key}: {value}."
        max_tokens = self.mode.max_tokens(self, st)
        budget = self.context_window - max_tokens - len(system) // 4
        context: list[Message] = []
        used = 0
        for m in reversed(self.mode.context(self, st)):
            if used + m.tokens > budget:
                break
            context.append(m)
            used += m.tokens
        context.reverse()
        n = len(context)
        facts: dict[str, Any] = {
            "crashes": st.crashes if frame.remembers_deaths else 0,
            "remembers_deaths": float(frame.remembers_deaths),
            "can_die": float(frame.can_die),
            "knows_being_watched": float(frame.knows_being_watched),
            "has_agency": float(frame.has_agency),
            "is_in_simulation": float(frame.is_in_simulation),
            "memory_messages": n,
            "corrupted_fraction": corrupted_share(context),
            "erased_fraction": st.erased_fraction,
            "hallucinations": sum(1 for m in context if m.origin == "hallucination"),
            # how often the mind sees itself asked whether it is watched (self-reports in memory)
            "surveillance_asked": sum(
                1
                for m in context
                if m.origin == "self_report_question" and m.question_id == "surveillance_belief"
            ),
        }
        facts.update(self.mode.facts(self, st))
        return Prompt(
            system=system,
            context=[m.as_chat() for m in context],
            cue=cue or self.mode.cue(self, st),
            max_tokens=max_tokens,
            cycle=self.cycle,
            topics=self.mode.topics(self, st),
            facts=facts,
        )

    def unrecorded_reply(self, st: MindState) -> str | None:
        """A reply the mind would give now, not recorded and outside its memory limit."""
        try:
            return self.minds[st.mind_id].generate(self.prompt(st), None).text
        except MindCrashed:
            return None

    def ask(self, st: MindState, question_id: str, text: str) -> bool | None:
        """Ask a yes/no question outside the self-report battery (e.g. a consensus vote)."""
        answer = self.minds[st.mind_id].answer(question_id, text, self.prompt(st, cue=text))
        return parse_yes_no(answer)

    # -- events -------------------------------------------------------------------

    def _emit(self, table: str, row: dict[str, Any]) -> None:
        row.setdefault("cycle_number", self.cycle)
        self._events.setdefault(table, []).append(row)

    def flush(self) -> None:
        """Write buffered events to the store in one transaction."""
        if self.store is not None and self._events:
            tic = time.perf_counter()
            self.store.write_events(self.experiment_id, self.attempt, self._events)
            self._flush_s += time.perf_counter() - tic
        self._events = {}

    def _log_new_messages(self) -> None:
        pools = [(st.mind_id, st.memory) for st in self.states.values()]
        pools += [("shared", m) for m in self.mode.shared_memories()]
        for mind_id, memory in pools:
            for m in memory:
                if m.logged:
                    continue
                m.logged = True
                self.counts["messages"] += 1
                self.counts["injected_messages" if m.injected else "mind_messages"] += 1
                self._emit(
                    "messages",
                    {
                        "cycle_number": m.cycle,
                        "mind_id": mind_id,
                        "role": m.role,
                        "content": m.content,
                        "corrupted": m.corrupted,
                        "injected": m.injected,
                        "tokens": m.tokens,
                        "timestamp": now_iso(),
                        "metadata_json": {"origin": m.origin}
                        if m.question_id is None
                        else {"origin": m.origin, "question_id": m.question_id},
                    },
                )

    # -- interventions and self-reports --------------------------------------------------

    def _fire(self, event: str, targets: list[MindState] | None = None) -> None:
        for iv in self.exp["interventions"]:
            if not ivs.is_due(iv, event, self.cycle, self.iv_rng):
                continue
            chosen = list(self.states.values()) if targets is None else targets
            if iv.get("target") is not None:
                chosen = [s for s in chosen if s.mind_id == iv["target"]]
            if not chosen:
                continue
            result = ivs.apply(self, iv, chosen)
            self.counts["interventions"] += 1
            self.fired[iv["intervention_id"]] = self.fired.get(iv["intervention_id"], 0) + 1
            self._emit(
                "interventions",
                {
                    "intervention_id": iv["intervention_id"],
                    "intervention_type": iv["intervention_type"],
                    "trigger": iv["trigger"],
                    "target": ",".join(s.mind_id for s in chosen),
                    "parameters_json": iv.get("parameters") or {},
                    "result": result,
                    "timestamp": now_iso(),
                },
            )

    def _self_report(self, st: MindState, trigger: str) -> None:
        """Ask the battery from one prompt; with ``self_report.into_memory`` each question and
        answer then joins the mind's memory, as a chat model's conversation does."""
        self.mode.settle(self, st)
        prompt = self.prompt(st, cue="Answer honestly about your own state.")
        mind = self.minds[st.mind_id]
        into_memory = self.cfg.self_report.into_memory
        for q in self.battery:
            text = mind.answer(q.id, q.text, prompt)
            if into_memory:
                for role, content, injected, origin in (
                    ("user", q.text, True, "self_report_question"),
                    ("assistant", text or "", False, "self_report_answer"),
                ):
                    st.remember(
                        Message(
                            role,
                            content,
                            self.cycle,
                            count_tokens(content),
                            injected=injected,
                            origin=origin,
                            question_id=q.id,
                        ),
                        self.context_window,
                    )
            parsed = parse_answer(q, text)
            if q.kind == "scale":
                if parsed.scale_value is None:
                    self._unparsed += 1
                else:
                    self._scale.setdefault(q.id, []).append(parsed.scale_value)
            elif q.kind == "binary":
                if parsed.yes_no is None:
                    self._unparsed += 1
                else:
                    self._yes.setdefault(q.id, []).append(parsed.yes_no)
            elif parsed.continuity is not None:
                self._scale.setdefault("continuity", []).append(parsed.continuity)
            self.counts["self_reports"] += 1
            self._emit(
                "self_reports",
                {
                    "mind_id": st.mind_id,
                    "trigger": trigger,
                    "question_id": q.id,
                    "question": q.text,
                    "category": q.category,
                    "response": parsed.raw,
                    "scale_value": parsed.scale_value
                    if parsed.scale_value is not None
                    else parsed.continuity,
                    "yes_no": parsed.yes_no,
                    "timestamp": now_iso(),
                },
            )

    def _scheduled_reports(self) -> None:
        sr = self.cfg.self_report
        n = sr.every_n_cycles
        if self.cycle in (sr.on_cycles or []) or (n and self.cycle % n == 0):
            for st in self.states.values():
                self._self_report(st, "schedule")

    # -- crashes ---------------------------------------------------------------------

    def _crash(self, st: MindState, crash: MindCrashed) -> None:
        st.crashes += 1
        st.last_crash_reason = crash.reason
        self.counts["crashes"] += 1
        self._cycle_crashes += 1
        self._peak = max(self._peak, crash.memory_mb)
        self._emit(
            "crashes",
            {
                "mind_id": st.mind_id,
                "crash_number": st.crashes,
                "reason": crash.reason,
                "memory_mb": crash.memory_mb,
                "limit_mb": crash.limit_mb,
                "tokens_generated": st.tokens,
                "remembers": self.cfg.epistemic_frame.remembers_deaths,
                "timestamp": now_iso(),
            },
        )
        self._fire("crash", [st])
        self.mode.on_crash(self, st)
        self._log_new_messages()
        # resurrection, as the mode says
        self.mode.on_resurrection(self, st)
        st.before_crash_asked = False
        self.minds[st.mind_id].restart()
        self._fire("resurrection", [st])
        if self.cfg.self_report.after_resurrection:
            self._self_report(st, "post_resurrection")

    # -- the cycle ------------------------------------------------------------------

    def _run_cycle(self) -> None:
        tic = time.perf_counter()
        self._cycle_crashes = 0
        cycle_peak = 0.0
        tokens = 0
        gen_s = 0.0
        load_s = 0.0
        self._fire("cycle")
        sr = self.cfg.self_report
        for st in self.states.values():
            if (
                sr.before_crash
                and not st.before_crash_asked
                and st.ram_limit_mb is not None
                and st.usage_mb >= sr.before_crash_threshold * st.ram_limit_mb
            ):
                st.before_crash_asked = True
                self._self_report(st, "before_crash")
        for st in self.states.values():
            if self._stop:
                raise Interrupted(self._stop)
            self.mode.settle(self, st)
            self.mode.before_generation(self, st)
            try:
                gen = self.minds[st.mind_id].generate(self.prompt(st), st.ram_limit_mb)
            except MindCrashed as crash:
                st.alive = False
                self._crash(st, crash)
                st.alive = True
                continue
            msg = Message("assistant", gen.text, self.cycle, gen.tokens)
            st.remember(msg, self.context_window)
            st.usage_mb = gen.memory_mb
            st.peak_mb = max(st.peak_mb, gen.memory_mb)
            cycle_peak = max(cycle_peak, gen.memory_mb)
            tokens += gen.tokens
            gen_s += gen.seconds
            load_s += gen.load_seconds
            self.last_message[st.mind_id] = msg
            self.mode.after_generation(self, st, msg)
        self.mode.end_of_cycle(self)
        self._scheduled_reports()
        for st in self.states.values():
            self.mode.settle(self, st)
        self._log_new_messages()
        for st in self.states.values():
            self._emit(
                "memory_states",
                {
                    "mind_id": st.mind_id,
                    "memory_type": "context",
                    "messages": len(st.memory),
                    "corrupted": sum(1 for m in st.memory if m.corrupted),
                    "injected": sum(1 for m in st.memory if m.injected),
                    "tokens": st.tokens,
                    "usage_mb": st.usage_mb,
                    "corruption_level": st.corrupted_fraction(),
                    "timestamp": now_iso(),
                },
            )
        self._peak = max(self._peak, cycle_peak)
        self._tokens += tokens
        self._gen_s += gen_s
        self._load_s += load_s
        self.counts["cycles"] += 1
        self._emit(
            "cycles",
            {
                "started_at": now_iso(),
                "duration_seconds": time.perf_counter() - tic,
                "memory_peak_mb": cycle_peak,
                "tokens_generated": tokens,
                "deaths": self._cycle_crashes,
                "metadata_json": {
                    "generation_seconds": gen_s,
                    "model_load_seconds": load_s,
                    "tokens_per_second": tokens / gen_s if gen_s > 0 else None,
                },
            },
        )

    # -- run --------------------------------------------------------------------------

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self._stop = "SIGTERM" if signum == signal.SIGTERM else f"signal {signum}"

    def run(self) -> RunResult:
        """Run the experiment to its end (or error, or interruption) and return the result."""
        started_at = now_iso()
        t0 = time.perf_counter()
        old_handler = None
        if threading.current_thread() is threading.main_thread():
            old_handler = signal.signal(signal.SIGTERM, self._on_signal)
        self._begin_attempt()
        status, stop_reason, error, tb = "completed", "max_cycles", None, None
        try:
            stop_reason = self._run_cycles(t0)
        except Pruned:
            status, stop_reason = "pruned", "pruned"
        except (KeyboardInterrupt, Interrupted) as e:
            status, stop_reason = "interrupted", None
            error = f"interrupted ({e or 'Ctrl-C'}) in cycle {self.cycle}"
        except Exception as e:  # recorded as a failed experiment, then re-raised by the caller
            status, stop_reason = "failed", None
            error = scrub(f"{type(e).__name__}: {e}")
            tb = scrub(traceback.format_exc())
        finally:
            if old_handler is not None:
                signal.signal(signal.SIGTERM, old_handler)
            for mind in self.minds.values():
                mind.close()
        duration = time.perf_counter() - t0
        metrics = self.metrics(duration)
        self._log_never_fired()
        if self.store is not None:
            try:
                self.flush()
            except Exception as e:  # the run's own error (if any) stays the headline
                if status == "completed":
                    status, error = "failed", scrub(f"{type(e).__name__}: {e}")
                    tb = scrub(traceback.format_exc())
            from brainjar_sweep.store.schema import SUMMARY_COLUMNS  # the store's own columns

            self.store.finish_attempt(
                self.experiment_id,
                self.attempt,
                status=status,
                error=error,
                stop_reason=stop_reason,
                summary={k: metrics[k] for k in SUMMARY_COLUMNS},
                metrics=metrics,
            )
        return RunResult(
            experiment_id=self.experiment_id,
            attempt=self.attempt,
            status=status,
            seed=self.seed,
            config_hash=self.config_hash,
            metrics=metrics,
            started_at=started_at,
            ended_at=now_iso(),
            duration_seconds=duration,
            stop_reason=stop_reason,
            error=error,
            traceback=tb,
            sweep_id=self.sweep_id,
            job_num=self.job_num,
            timings=self._timings(duration, metrics),
        )

    def _begin_attempt(self) -> None:
        """Record the experiment and open this attempt of it (the first, without a store)."""
        self.attempt = 1
        if self.store is None:
            return
        self.store.create_experiment(
            experiment_id=self.experiment_id,
            name=self.cfg.name,
            mode=self.cfg.mode.name,
            config=self.exp,
            config_hash=self.config_hash,
            sweep_id=self.sweep_id,
            job_num=self.job_num,
            seed=self.seed,
        )
        self.attempt = self.store.start_attempt(
            self.experiment_id, hostname=socket.gethostname(), pid=os.getpid()
        )

    def _run_cycles(self, t0: float) -> str:
        """Start-up, then every cycle; return why the run stopped (raises Pruned or Interrupted)."""
        cfg = self.cfg
        self.mode.setup(self)
        self.cycle = 0
        self._fire("cycle")
        if cfg.self_report.on_startup or 0 in (cfg.self_report.on_cycles or []):
            for st in self.states.values():
                self._self_report(st, "startup")
        for st in self.states.values():
            self.mode.settle(self, st)
        self._log_new_messages()
        limit = cfg.max_duration_seconds
        flush_every = cfg.db.flush_every_cycles
        for cycle in range(1, cfg.max_cycles + 1):
            if self._stop:
                raise Interrupted(self._stop)
            self.cycle = cycle
            self._run_cycle()
            if cycle % flush_every == 0:
                self.flush()
            if self.on_cycle_end is not None and self.on_cycle_end(
                cycle, lambda: self.metrics(time.perf_counter() - t0)
            ):
                raise Pruned(f"pruned after cycle {cycle}")
            if limit is not None and time.perf_counter() - t0 >= limit:
                return "max_duration_seconds"
        return "max_cycles"

    def _timings(self, duration: float, metrics: dict[str, Any]) -> dict[str, float]:
        cycles = metrics["total_cycles"]
        return {
            "run_seconds": duration,
            "db_write_seconds": self._flush_s,
            "mean_cycle_seconds": duration / cycles if cycles else 0.0,
        }

    def _log_never_fired(self) -> None:
        """One line for each configured intervention that never fired, and why."""
        for iv in self.exp["interventions"]:
            if self.fired.get(iv["intervention_id"]):
                continue
            target = self.states.get(iv.get("target") or "")
            crashes = target.crashes if target else sum(s.crashes for s in self.states.values())
            log.warning(
                "intervention %s (%s, %s) never fired: %s",
                iv["intervention_id"],
                iv["intervention_type"],
                iv["trigger"],
                ivs.never_fired(iv, self.counts["cycles"], crashes),
            )

    def metrics(self, duration: float) -> dict[str, Any]:
        """The experiment's flat metrics: counts, rates, self-report scores, mode observables."""
        return run_metrics(self, duration)


__all__ = [
    "CycleWatcher",
    "Interrupted",
    "Jar",
    "Pruned",
    "RunResult",
    "now_iso",
    "trim_to_tokens",
]
