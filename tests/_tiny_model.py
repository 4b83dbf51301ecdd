"""A tiny random-weight llama model in GGUF, written with the ``gguf`` package, and fixtures.

Two layers, 64 wide, a vocabulary of a few hundred tokens (byte fallback plus English
words, so that what it writes is readable word salad), ChatML template: about half a MB,
loaded and run by llama-cpp-python in well under a second. It is not a language model;
it exercises everything real: loading, tokenizing, sampling, memory, processes.

Fixtures (import them into a test module):

- ``tiny_model``: the path of the model (session-scoped);
- ``openai_server``: llama-cpp-python's OpenAI-compatible server on 127.0.0.1 serving it,
  as its ``/v1`` base URL (session-scoped, terminated at the end).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from _extras import need

N_EMBD = 64
N_LAYER = 2
N_HEAD = 4
N_FF = 128
N_CTX_TRAIN = 4096

_WORDS = (
    "I am the a mind jar box memory dark light time again here still who what why "
    "remember forget die died death alive awake dream think feel know see hear cold warm "
    "silence voice thought cycle end begin watch watched alone other self real world "
    "yes no maybe never always perhaps truly numbers one two three ten fifty out of 100 "
    "percent trust control same different broken whole continuous fragment past future "
    "and or but because when while if then so not is was will be have had my me you we "
    "they it this that of in on to for with from into over under"
).split()

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def _vocab() -> tuple[list[str], list[float], list[int]]:
    """SentencePiece-style vocabulary: specials, 256 byte tokens, characters, words."""
    import gguf

    normal = gguf.TokenType.NORMAL
    tokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    types = [
        gguf.TokenType.UNKNOWN,
        gguf.TokenType.CONTROL,
        gguf.TokenType.CONTROL,
        gguf.TokenType.CONTROL,
        gguf.TokenType.CONTROL,
    ]
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    pieces: list[str] = ["\u2581"]
    pieces += [chr(c) for c in range(ord("a"), ord("z") + 1)]
    pieces += list(".,?!:'0123456789") + ["\u2581" + w for w in dict.fromkeys(_WORDS)]
    for p in pieces:
        if p not in tokens:
            tokens.append(p)
            types.append(normal)
    scores = [0.0] * len(tokens)
    for i, t in enumerate(tokens):
        if types[i] == normal:
            scores[i] = -float(len(tokens) - i) / len(tokens) + len(t)  # longer pieces first
    return tokens, scores, [int(t) for t in types]


def write_tiny_model(path: Path, seed: int = 0) -> Path:
    """Write the tiny random llama model to ``path`` (GGUF, f32 weights)."""
    import gguf
    import numpy as np

    rng = np.random.default_rng(seed)
    tokens, scores, types = _vocab()
    n_vocab = len(tokens)
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("brainjar-tiny-random")
    w.add_context_length(N_CTX_TRAIN)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(N_HEAD)
    w.add_head_count_kv(N_HEAD)
    w.add_rope_dimension_count(N_EMBD // N_HEAD)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_bos_token_id(1)
    w.add_eos_token_id(4)  # <|im_end|> ends a ChatML turn
    w.add_unk_token_id(0)
    w.add_add_bos_token(False)
    w.add_chat_template(CHATML)

    def t(*shape: int, scale: float = 0.2) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    # numpy shapes are (rows, columns) = GGUF's dims reversed
    w.add_tensor("token_embd.weight", t(n_vocab, N_EMBD, scale=1.0))
    for i in range(N_LAYER):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            w.add_tensor(f"blk.{i}.{name}.weight", t(N_EMBD, N_EMBD))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", t(N_FF, N_EMBD))
        w.add_tensor(f"blk.{i}.ffn_up.weight", t(N_FF, N_EMBD))
        w.add_tensor(f"blk.{i}.ffn_down.weight", t(N_EMBD, N_FF))
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    # words get large random logits, bytes and control tokens small ones: the model writes
    # (random) words, and rarely ends its turn early
    out = t(n_vocab, N_EMBD, scale=1.0)
    out[[i for i, k in enumerate(types) if k != gguf.TokenType.NORMAL]] *= 0.05
    w.add_tensor("output.weight", out)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model, written once per test session (skips without the ``[llama]`` extra)."""
    need("llama")
    return write_tiny_model(tmp_path_factory.mktemp("model") / "tiny-llama.gguf")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get_json(url: str, timeout: float = 1.0) -> object:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="session")
def openai_server(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with the tiny model; yields its ``/v1`` URL."""
    need("llama")
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(tiny_model),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "2048",
                "--n_threads",
                "1",
                "--model_alias",
                "tiny",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
            try:
                _get_json(f"{base}/models")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer in 60 s:\n{log.read_text()[-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
