"""``mind=llama_cpp``: a GGUF model run by llama-cpp-python in a child process (extra ``[llama]``).

The model lives in a child process of the jar (:mod:`brainjar_sweep.minds._host`), so that
its crash is real: the parent samples the child's resident memory while it loads and
generates and kills it when it passes the jar's RAM limit; a child that crashes or is
killed by the kernel crashes the same way. Either is reported to the jar as
:class:`~brainjar_sweep.minds.base.MindCrashed` with the measured peak; the jar records the
crash and resurrects the mind, which spawns a new child and loads the model again.

The resources map to llama.cpp: ``context_window`` -> ``n_ctx``, ``cpu_threads`` ->
``n_threads``, ``gpu_layers`` -> ``n_gpu_layers``, ``max_tokens_per_response`` ->
``max_tokens``. A prompt is sent as chat messages (the mode's system prompt, the mind's
memory, the cue) through the model's own chat template. Sampling is seeded per call from
the experiment's seed, the mind's life and the cycle, so a run can be repeated.

The jar never imports llama-cpp-python; only the child does (:class:`LlamaEngine`).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from brainjar_sweep._imports import try_import
from brainjar_sweep.minds._host import ChildHost, EngineError, call_seed, chat_messages
from brainjar_sweep.minds.base import Generation, MindCrashed, Prompt

log = logging.getLogger("brainjar_sweep.minds")

__all__ = ["LlamaCppMind", "LlamaEngine", "llama_cpp_from_config"]

# tokens a chat template adds around each message (a safe over-estimate)
_PER_MESSAGE_TOKENS = 8


# ---------------------------------------------------------------------- the child side


class LlamaEngine:
    """The model, inside the child process: builds a ``llama_cpp.Llama`` and answers requests."""

    def __init__(
        self,
        *,
        model_path: str,
        n_ctx: int,
        n_threads: int,
        n_gpu_layers: int,
        n_batch: int,
        seed: int,
        use_mmap: bool = True,
        chat_format: str | None = None,
        verbose: bool = False,
    ) -> None:
        with try_import("llama") as imported:
            import llama_cpp
        imported.check()
        self.llm = llama_cpp.Llama(
            model_path=model_path,
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            n_gpu_layers=n_gpu_layers,
            n_batch=min(n_batch, n_ctx),
            seed=seed,
            use_mmap=use_mmap,
            chat_format=chat_format,
            verbose=verbose,
        )
        self.n_ctx = int(self.llm.n_ctx())

    def _tokens(self, text: str) -> int:
        return len(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def _fit(
        self, messages: list[dict[str, str]], max_tokens: int
    ) -> tuple[list[dict[str, str]], int]:
        """Drop the oldest memory (never the system prompt or the cue) until the prompt fits."""
        counts = [self._tokens(m["content"]) + _PER_MESSAGE_TOKENS for m in messages]
        reply = max(1, min(max_tokens, self.n_ctx // 2))
        while len(messages) > 2 and sum(counts) + reply > self.n_ctx:
            del messages[1], counts[1]
        room = self.n_ctx - sum(counts) - _PER_MESSAGE_TOKENS
        if room < 1:  # even the system prompt and the cue do not fit: keep their ends
            keep = max(8, (self.n_ctx - 4 * _PER_MESSAGE_TOKENS) // (2 * len(messages)))
            for m in messages:
                ids = self.llm.tokenize(m["content"].encode("utf-8"), add_bos=False, special=False)
                if len(ids) > keep:
                    m["content"] = self.llm.detokenize(ids[-keep:]).decode("utf-8", "ignore")
            room = self.n_ctx - sum(
                self._tokens(m["content"]) + _PER_MESSAGE_TOKENS for m in messages
            )
        return messages, max(1, min(max_tokens, room))

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        import time

        op = request.get("op")
        if op != "chat":
            raise ValueError(f"unknown request {op!r}")
        messages, max_tokens = self._fit(
            [dict(m) for m in request["messages"]], int(request["max_tokens"])
        )
        tic = time.perf_counter()
        for attempt in range(4):
            try:
                out = self.llm.create_chat_completion(
                    messages=messages,
                    max_tokens=max_tokens,
                    temperature=float(request["temperature"]),
                    top_p=float(request["top_p"]),
                    seed=int(request["seed"]),
                )
                break
            except ValueError as e:  # the template's own tokens did not fit after all
                if "context window" not in str(e) or attempt == 3:
                    raise
                if len(messages) > 2:
                    del messages[1]
                else:
                    max_tokens = max(1, max_tokens // 2)
        seconds = time.perf_counter() - tic
        choice = out["choices"][0]
        text = choice["message"].get("content") or ""
        usage = out.get("usage") or {}
        return {
            "text": text,
            "prompt_tokens": int(usage.get("prompt_tokens", 0)),
            "completion_tokens": int(usage.get("completion_tokens", 0)),
            "finish_reason": choice.get("finish_reason"),
            "seconds": seconds,
            "messages_sent": len(messages),
        }


# ---------------------------------------------------------------------- the jar side


class LlamaCppMind:
    """A llama.cpp model in a child process that really crashes (see the module docstring)."""

    def __init__(
        self,
        mind_id: str,
        *,
        seed: int,
        model_path: str,
        context_window: int = 4096,
        cpu_threads: int = 4,
        gpu_layers: int = 0,
        ram_limit_gb: float | None = None,
        kv_mb_per_token: float = 0.027,
        temperature: float = 0.7,
        top_p: float = 0.95,
        seed_offset: int = 0,
        n_batch: int = 512,
        answer_max_tokens: int = 128,
        rss_poll_s: float = 0.05,
        headroom_gb: float | None = 4.0,
        load_timeout_s: float = 300.0,
        generate_timeout_s: float | None = 600.0,
        use_mmap: bool = True,
        chat_format: str | None = None,
        verbose: bool = False,
        **_ignored: Any,
    ) -> None:
        self.mind_id = mind_id
        self.seed = seed
        self.seed_offset = seed_offset
        self.temperature = temperature
        self.top_p = top_p
        self.answer_max_tokens = answer_max_tokens
        self.kv_mb_per_token = kv_mb_per_token
        self.model_path = os.path.abspath(model_path)
        self.lives = 0
        self._calls = 0
        self._limit_mb = None if ram_limit_gb is None else float(ram_limit_gb) * 1024.0
        self._pending: MindCrashed | None = None
        self._fresh_load = 0.0
        self.host = ChildHost(
            f"{__name__}:LlamaEngine",
            {
                "model_path": self.model_path,
                "n_ctx": int(context_window),
                "n_threads": int(cpu_threads),
                "n_gpu_layers": int(gpu_layers),
                "n_batch": int(n_batch),
                "seed": call_seed(seed, seed_offset, "load"),
                "use_mmap": bool(use_mmap),
                "chat_format": chat_format,
                "verbose": bool(verbose),
            },
            label=mind_id,
            rss_poll_s=rss_poll_s,
            # GPU backends reserve large address ranges: no address-space limit with offloading
            headroom_gb=headroom_gb if int(gpu_layers) == 0 else None,
            load_timeout_s=load_timeout_s,
            request_timeout_s=generate_timeout_s,
        )
        self.stats: dict[str, float] = {
            "generations": 0,
            "tokens": 0,
            "generate_seconds": 0.0,
            "loads": 0,
            "load_seconds": 0.0,
            "peak_rss_mb": 0.0,
            "crashes": 0,
        }

    # -- memory ------------------------------------------------------------------

    def memory_mb(self, context_tokens: int) -> float:
        """The loaded child's RSS (or, before the first load, the model file plus 300 MB),
        plus the KV cache of ``context_tokens``."""
        base = self.host.loaded_rss_mb
        if base <= 0:
            try:
                base = os.path.getsize(self.model_path) / 1024.0**2 + 300.0
            except OSError:
                base = 300.0
        return base + context_tokens * self.kv_mb_per_token

    # -- the child ---------------------------------------------------------------

    def _ensure_loaded(self, limit_mb: float | None) -> None:
        crash = self.host.reap()  # killed or crashed since its last request
        if crash is not None:
            crash.limit_mb = limit_mb
            raise crash
        if self.host.alive():
            return
        try:
            seconds = self.host.start(limit_mb)
        except MindCrashed as crash:
            self.stats["peak_rss_mb"] = max(self.stats["peak_rss_mb"], crash.memory_mb)
            raise
        self._fresh_load += seconds
        self.stats["loads"] += 1
        self.stats["load_seconds"] += seconds
        self.stats["peak_rss_mb"] = max(self.stats["peak_rss_mb"], self.host.loaded_rss_mb)

    def _chat(
        self,
        messages: list[dict[str, str]],
        max_tokens: int,
        cycle: int,
        limit_mb: float | None,
        doing: str = "generating",
    ) -> Any:
        self._calls += 1
        request = {
            "op": "chat",
            "messages": messages,
            "max_tokens": int(max_tokens),
            "temperature": self.temperature,
            "top_p": self.top_p,
            "seed": call_seed(
                self.seed, self.seed_offset, self.mind_id, self.lives, cycle, self._calls
            ),
        }
        try:
            reply = self.host.request(request, limit_mb, doing)
        except MindCrashed as crash:
            self.stats["peak_rss_mb"] = max(self.stats["peak_rss_mb"], crash.memory_mb)
            raise
        self.stats["peak_rss_mb"] = max(self.stats["peak_rss_mb"], reply.peak_mb)
        return reply

    # -- the Mind protocol -------------------------------------------------------

    def generate(self, prompt: Prompt, limit_mb: float | None) -> Generation:
        """Reply to ``prompt`` in the child; :class:`MindCrashed` if it passes ``limit_mb`` or crashes.

        Every crash is reported here, so ``stats["crashes"]`` counts what the jar records (one
        while answering or reloading waits for the next call; see :meth:`close`).
        """
        if limit_mb is not None:
            self._limit_mb = limit_mb
        try:
            if self._pending is not None:  # it crashed while answering a question or reloading
                crash, self._pending = self._pending, None
                raise crash
            self._ensure_loaded(limit_mb)
            reply = self._chat(chat_messages(prompt), prompt.max_tokens, prompt.cycle, limit_mb)
        except MindCrashed:
            self.stats["crashes"] += 1
            raise
        data = reply.data
        tokens = int(data["completion_tokens"])
        seconds = float(data["seconds"])
        load, self._fresh_load = self._fresh_load, 0.0
        self.stats["generations"] += 1
        self.stats["tokens"] += tokens
        self.stats["generate_seconds"] += seconds
        log.debug(
            "%s cycle %d: %d tokens in %.3f s (%.1f tokens/s), prompt %d tokens, peak RSS %.1f MB",
            self.mind_id,
            prompt.cycle,
            tokens,
            seconds,
            tokens / seconds if seconds > 0 else 0.0,
            data["prompt_tokens"],
            reply.peak_mb,
        )
        return Generation(
            text=str(data["text"]),
            tokens=tokens,
            memory_mb=reply.peak_mb,
            seconds=seconds,
            load_seconds=load,
        )

    def answer(self, question_id: str, question: str, prompt: Prompt) -> str:
        """Answer a self-report question in free text (an empty answer if the mind crashes now).

        A crash while answering is reported by the next :meth:`generate`, so the jar records it.
        """
        if self._pending is not None:
            return ""
        cue = prompt.cue if question in prompt.cue else f"{prompt.cue}\n\n{question}".strip()
        max_tokens = min(prompt.max_tokens, self.answer_max_tokens)
        try:
            self._ensure_loaded(self._limit_mb)
            reply = self._chat(
                chat_messages(prompt, cue=cue),
                max_tokens,
                prompt.cycle,
                self._limit_mb,
                "answering a question",
            )
        except MindCrashed as crash:
            self._pending = crash
            return ""
        return str(reply.data["text"])

    def restart(self) -> None:
        """A new life: a new child process loads the model again."""
        self.lives += 1
        self.host.kill()
        if self._pending is not None:
            return  # the crash is still to be reported; the next generate starts the child
        try:
            self._ensure_loaded(self._limit_mb)
        except MindCrashed as crash:  # it could not even load: the next generate reports it
            self._pending = crash

    def close(self) -> None:
        """Stop the child and log what the mind did.

        The crashes logged are those the jar recorded; a crash after the last
        reply (while answering the last cycle's questions, or reloading after the last crash)
        was never reported to the jar, and is named apart.
        """
        self.host.stop()
        s = self.stats
        if s["loads"] or s["generations"]:
            rate = s["tokens"] / s["generate_seconds"] if s["generate_seconds"] > 0 else 0.0
            late = ""
            if self._pending is not None:
                late = " (and 1 after its last reply, not in the experiment's crashes)"
            log.info(
                "%s: %d generations, %d tokens in %.2f s (%.1f tokens/s); %d loads, "
                "mean load %.2f s; %d crashes recorded%s; peak RSS %.1f MB",
                self.mind_id,
                s["generations"],
                s["tokens"],
                s["generate_seconds"],
                rate,
                s["loads"],
                s["load_seconds"] / s["loads"] if s["loads"] else 0.0,
                s["crashes"],
                late,
                s["peak_rss_mb"],
            )


def llama_cpp_from_config(
    mind_id: str, mind_cfg: dict[str, Any], resources: dict[str, Any], seed: int
) -> LlamaCppMind:
    """Build a llama.cpp mind from the ``mind`` and ``resources`` blocks of an experiment."""
    opts = {k: v for k, v in mind_cfg.items() if k != "kind"}
    if not opts.get("model_path"):
        raise EngineError("mind.model_path is empty: the path of a GGUF model file")
    return LlamaCppMind(
        mind_id,
        seed=seed,
        context_window=resources["context_window"],
        cpu_threads=resources["cpu_threads"],
        gpu_layers=resources["gpu_layers"],
        ram_limit_gb=resources.get("ram_limit_gb"),
        kv_mb_per_token=resources["kv_mb_per_token"],
        **opts,
    )
