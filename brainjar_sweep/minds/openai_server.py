"""``mind=openai``: any OpenAI-compatible chat endpoint (llama-server, llama-cpp-python's server,
Ollama, vLLM, ...), over HTTP with the standard library only.

The server's memory is not ours to watch, so crashes come from the same memory model as the
simulated mind's, fed with the real token counts the server reports::

    resting = weights (resources.model_size_gb) + compute_buffer_mb + runtime_overhead_mb
              + prompt_tokens * (kv_mb_per_token + growth_mb_per_token)
    peak    = resting + reply_tokens * (kv_mb_per_token + growth_mb_per_token)
              + |N(0, spike_sd_mb)|  (seeded)

A reply whose modelled peak passes the jar's limit is a crash (the reply is lost), exactly
as with ``mind=simulated``; a server that cannot be reached after the retries fails the
experiment (it is not a crash). The API key is read from the environment variable that
``mind.api_key_env`` names, when a request is made; it is never stored in the config, the
results or the database.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import time
import urllib.error
import urllib.request
from typing import Any

from brainjar_sweep.minds._host import call_seed, chat_messages
from brainjar_sweep.minds._memory_model import MemoryModel
from brainjar_sweep.minds.base import Generation, Prompt

log = logging.getLogger("brainjar_sweep.minds")

__all__ = ["OpenAIMind", "ServerError", "check_server", "openai_from_config"]

# HTTP statuses worth another try
_RETRY_STATUS = (408, 409, 425, 429, 500, 502, 503, 504)


class ServerError(RuntimeError):
    """The server could not be reached or refused the request, after the retries."""


def _api_key(env_name: str | None) -> str | None:
    if not env_name:
        return None
    return os.environ.get(env_name) or None


def _headers(env_name: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    key = _api_key(env_name)
    if key:
        headers["Authorization"] = f"Bearer {key}"
    return headers


def _url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _reason(exc: BaseException) -> str:
    """A short, key-free description of why a request failed.

    >>> _reason(ConnectionRefusedError(111, "Connection refused"))
    'connection refused'
    >>> _reason(TimeoutError())
    'timed out'
    """
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    inner = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(inner, ConnectionRefusedError):
        return "connection refused"
    if isinstance(inner, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(inner, socket.gaierror):
        return "unknown host"
    if isinstance(inner, str):
        return inner
    text = getattr(inner, "strerror", None) or str(inner) or type(inner).__name__
    return str(text).splitlines()[0]


# (base_url, key env name, key present) -> None if reachable, else the reason
_CHECKED: dict[tuple[str, str | None, bool], str | None] = {}


def check_server(
    base_url: str, api_key_env: str | None = None, timeout_s: float = 3.0
) -> str | None:
    """Whether an OpenAI-compatible server answers ``GET {base_url}/models``.

    Returns None when it does, else a short reason ("connection refused", "HTTP 401
    Unauthorized", ...). The answer is cached for the process, so validating every job
    of a sweep asks the server once.

    >>> check_server("http://127.0.0.1:9", timeout_s=0.5)
    'connection refused'
    """
    cache_key = (base_url, api_key_env, _api_key(api_key_env) is not None)
    if cache_key in _CHECKED:
        return _CHECKED[cache_key]
    req = urllib.request.Request(_url(base_url, "models"), headers=_headers(api_key_env))
    reason: str | None = None
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            body = resp.read()
        try:
            json.loads(body or b"{}")
        except ValueError:
            reason = (
                "GET /models did not answer JSON: is base_url the API root (often ending in /v1)?"
            )
    except urllib.error.HTTPError as e:
        reason = _reason(e)
        if e.code in (401, 403):
            reason += (
                f" (check the API key in ${api_key_env})"
                if api_key_env
                else " (needs an API key: set mind.api_key_env)"
            )
        elif e.code == 404:
            reason += " at /models (is base_url the API root, often ending in /v1?)"
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = _reason(e)
    _CHECKED[cache_key] = reason
    return reason


class OpenAIMind:
    """A mind served by an OpenAI-compatible endpoint, crashing by the context-memory model."""

    def __init__(
        self,
        mind_id: str,
        *,
        seed: int,
        base_url: str,
        model: str,
        api_key_env: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 3,
        backoff_s: float = 1.0,
        temperature: float = 0.7,
        top_p: float = 0.95,
        seed_offset: int = 0,
        answer_max_tokens: int = 128,
        send_seed: bool = True,
        **options: Any,
    ) -> None:
        """``options``: the memory model's knobs (:meth:`MemoryModel.of`); others are ignored."""
        self.mind_id = mind_id
        self.seed = seed
        self.seed_offset = seed_offset
        self.base_url = base_url
        self.model = model
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.temperature = temperature
        self.top_p = top_p
        self.answer_max_tokens = answer_max_tokens
        self.send_seed = send_seed
        self.memory = MemoryModel.from_options(options)
        self.lives = 0
        self._calls = 0
        self.stats = {"requests": 0, "retries": 0, "tokens": 0, "seconds": 0.0}

    # -- HTTP --------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode()
        last = "no attempt"
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.stats["retries"] += 1
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            req = urllib.request.Request(
                _url(self.base_url, path), data=data, headers=_headers(self.api_key_env)
            )
            try:
                with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                    return json.loads(resp.read())
            except urllib.error.HTTPError as e:
                last = _reason(e)
                detail = e.read()[:300].decode("utf-8", "replace").strip()
                if detail:
                    last += f": {detail.splitlines()[0]}"
                if e.code not in _RETRY_STATUS:
                    break
            except (urllib.error.URLError, OSError, ValueError) as e:
                last = _reason(e)
            log.warning(
                "%s: request to %s failed (%s)%s",
                self.mind_id,
                self.base_url,
                last,
                "; retrying" if attempt < self.max_retries else "",
            )
        raise ServerError(
            f"the OpenAI-compatible server at {self.base_url} failed: {last} "
            f"(after {self.max_retries} retries)"
        )

    def _chat(self, messages: list[dict[str, str]], max_tokens: int, cycle: int) -> dict[str, Any]:
        self._calls += 1
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": int(max_tokens),
            "temperature": self.temperature,
            "top_p": self.top_p,
        }
        if self.send_seed:
            body["seed"] = call_seed(
                self.seed, self.seed_offset, self.mind_id, self.lives, cycle, self._calls
            )
        tic = time.perf_counter()
        out = self._post("chat/completions", body)
        seconds = time.perf_counter() - tic
        try:
            choice = out["choices"][0]
            text = (choice.get("message") or {}).get("content") or choice.get("text") or ""
        except (KeyError, IndexError, TypeError, AttributeError):
            raise ServerError(
                f"the server at {self.base_url} sent no choices: {str(out)[:200]}"
            ) from None
        usage = out.get("usage") or {}
        prompt_tokens = usage.get("prompt_tokens")
        if not isinstance(prompt_tokens, int):
            prompt_tokens = sum(len(m["content"]) // 4 + 1 for m in messages)
        completion = usage.get("completion_tokens")
        if not isinstance(completion, int):
            completion = len(text) // 4 + 1
        self.stats["requests"] += 1
        self.stats["tokens"] += completion
        self.stats["seconds"] += seconds
        return {
            "text": str(text),
            "prompt_tokens": prompt_tokens,
            "tokens": completion,
            "seconds": seconds,
        }

    # -- the Mind protocol -------------------------------------------------------

    def memory_mb(self, context_tokens: int) -> float:
        """Modelled memory with ``context_tokens`` loaded (no spike)."""
        return self.memory.resting(context_tokens)

    def generate(self, prompt: Prompt, limit_mb: float | None) -> Generation:
        """Ask the server; crash if the modelled memory of this reply passes ``limit_mb``."""
        self.memory.check(self.memory.base_mb, limit_mb, "loading the model", "modelled ")
        messages = chat_messages(prompt)
        estimate = self.memory_mb(sum(len(m["content"]) // 4 + 1 for m in messages))
        self.memory.check(estimate, limit_mb, "reading the prompt", "modelled ")
        out = self._chat(messages, prompt.max_tokens, prompt.cycle)
        rng = random.Random(f"{self.seed}:{self.mind_id}:{self.lives}:{prompt.cycle}:{self._calls}")
        peak = self.memory.peak(out["prompt_tokens"] + out["tokens"], rng)
        self.memory.check(peak, limit_mb, "generating", "modelled ")
        return Generation(
            text=out["text"], tokens=out["tokens"], memory_mb=peak, seconds=out["seconds"]
        )

    def answer(self, question_id: str, question: str, prompt: Prompt) -> str:
        """Answer a self-report question in free text."""
        cue = prompt.cue if question in prompt.cue else f"{prompt.cue}\n\n{question}".strip()
        max_tokens = min(prompt.max_tokens, self.answer_max_tokens)
        return self._chat(chat_messages(prompt, cue=cue), max_tokens, prompt.cycle)["text"]

    def restart(self) -> None:
        """A new life (the server keeps running; the conversation starts again from memory)."""
        self.lives += 1

    def close(self) -> None:
        """Nothing to release; log what the mind did."""
        s = self.stats
        if s["requests"]:
            log.info(
                "%s: %d requests to %s, %d tokens in %.2f s (%.1f tokens/s), %d retries",
                self.mind_id,
                s["requests"],
                self.base_url,
                s["tokens"],
                s["seconds"],
                s["tokens"] / s["seconds"] if s["seconds"] > 0 else 0.0,
                s["retries"],
            )


def openai_from_config(
    mind_id: str, mind_cfg: dict[str, Any], resources: dict[str, Any], seed: int
) -> OpenAIMind:
    """Build an OpenAI-compatible mind from the ``mind`` and ``resources`` blocks."""
    opts = {k: v for k, v in mind_cfg.items() if k not in ("kind", "check_server")}
    return OpenAIMind(
        mind_id,
        seed=seed,
        model_size_gb=resources["model_size_gb"],
        kv_mb_per_token=resources["kv_mb_per_token"],
        **opts,
    )
