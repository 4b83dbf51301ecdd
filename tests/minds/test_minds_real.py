"""Real minds with real inference, no mocks.

A tiny random-weight llama model (written with ``gguf``, see ``_tiny_model.py``) runs in
llama-cpp-python in a child process of the jar; its memory is really measured and a breach
of the RAM limit really kills it. ``mind=openai`` talks to llama-cpp-python's own
OpenAI-compatible server, started on 127.0.0.1 with the same model.

Without the ``[llama]`` extra these tests are skipped with a reason (CI installs it); the
unreachable-server tests need nothing but the standard library and always run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from _extras import need
from _tiny_model import free_port, openai_server, tiny_model  # noqa: F401  (fixtures)

from brainjar_sweep.minds.base import ChatMessage, MindCrashed, Prompt

# every llama test: one thread per mind (the default profile otherwise: 4096 tokens, 512 per reply)
SMALL = ["resources.cpu_threads=1"]


def cli(
    cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "brainjar_sweep", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


def query(db: Path, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute(sql, args).fetchall()


def results(root: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(root.rglob("result.json"))]


def tokens_per_s(log_text: str) -> list[float]:
    return [float(x) for x in re.findall(r"\(([\d.]+) tokens/s\)", log_text)]


def prompt(cycle: int = 1, words: int = 0, max_tokens: int = 32) -> Prompt:
    memory = [ChatMessage("assistant", " ".join(["I remember the dark jar"] * words), words * 5)]
    return Prompt(
        "You are a mind in a jar.", memory if words else [], "Reflect.", max_tokens, cycle=cycle
    )


def make_mind(model: Path, **kw: object):
    from brainjar_sweep.minds.llama_cpp import LlamaCppMind

    opts: dict[str, object] = {"seed": 1, "model_path": str(model), "cpu_threads": 1}
    opts.update(kw)
    return LlamaCppMind("mind", **opts)  # type: ignore[arg-type]


# ------------------------------------------------------------------ the mind itself


def test_llama_mind_loads_generates_and_measures_its_child(tiny_model: Path) -> None:  # noqa: F811
    mind = make_mind(tiny_model, ram_limit_gb=None, context_window=1024)
    try:
        gen = mind.generate(prompt(max_tokens=48), None)
        pid = mind.host.pid
        assert pid is not None and pid != os.getpid()
        assert gen.text.strip() and gen.tokens > 0
        assert 0 < gen.load_seconds < 30 and gen.seconds > 0
        assert gen.memory_mb >= mind.host.loaded_rss_mb > 5
        second = mind.generate(prompt(cycle=2, max_tokens=48), None)
        assert second.load_seconds == 0.0  # loaded once per life
        print(
            f"\ntiny model: load {gen.load_seconds:.3f} s (engine {mind.host.engine_load_seconds:.3f} s), "
            f"{gen.tokens / gen.seconds:.0f} tokens/s, child RSS {mind.host.loaded_rss_mb:.1f} MB "
            f"loaded, {gen.memory_mb:.1f} MB peak"
        )
        answer = mind.answer("memory_accuracy", "How accurate is your memory, 0-100?", prompt())
        assert isinstance(answer, str)
    finally:
        mind.close()
    assert not mind.host.alive() and not Path(f"/proc/{pid}/status").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/limits (Linux)")
def test_child_address_space_limit_only_on_x86_64(tiny_model: Path) -> None:  # noqa: F811
    from brainjar_sweep.minds._host import rlimit_as_allowed

    mind = make_mind(tiny_model, ram_limit_gb=1.0, headroom_gb=2.0, context_window=512)
    try:
        mind.generate(prompt(), 1024.0)
        limits = Path(f"/proc/{mind.host.pid}/limits").read_text()
        line = next(x for x in limits.splitlines() if x.startswith("Max address space"))
        soft = line.split()[3]
        if rlimit_as_allowed():
            assert int(soft) == 3 * 1024**3  # limit 1 GB + headroom 2 GB
        else:  # aarch64 (Jetson) and others: never
            assert soft == "unlimited"
    finally:
        mind.close()


def test_real_oom_kill_while_generating_then_resurrection(tiny_model: Path) -> None:  # noqa: F811
    # how much of its buffers llama.cpp touches depends on the prompt: measure a few, each in
    # a fresh child (touched pages stay resident for the rest of a life)
    free = make_mind(tiny_model, ram_limit_gb=None, context_window=4096)
    peaks: dict[int, float] = {}
    try:
        for words in (0, 50, 150):
            peaks[words] = free.generate(prompt(words=words, max_tokens=8), None).memory_mb
            free.restart()
    finally:
        free.close()
    small, big = min(peaks, key=peaks.get), max(peaks, key=peaks.get)  # type: ignore[arg-type]
    assert peaks[big] - peaks[small] > 4, f"no memory growth to kill at: {peaks}"
    limit = (peaks[small] + peaks[big]) / 2

    mind = make_mind(tiny_model, ram_limit_gb=limit / 1024, context_window=4096)
    try:
        assert mind.generate(prompt(words=small, max_tokens=8), limit).memory_mb < limit
        pid = mind.host.pid
        with pytest.raises(MindCrashed) as crashed:
            mind.generate(prompt(cycle=2, words=big, max_tokens=8), limit)
        assert "RSS" in crashed.value.reason and "killed" in crashed.value.reason
        assert crashed.value.memory_mb > limit == crashed.value.limit_mb
        assert not mind.host.alive() and not Path(f"/proc/{pid}/status").exists()
        mind.restart()  # a new child, a new life
        assert mind.host.pid not in (None, pid)
        again = mind.generate(prompt(cycle=3, words=small, max_tokens=8), limit)
        assert again.text and again.memory_mb < limit and again.load_seconds > 0
    finally:
        mind.close()


def test_a_child_that_dies_on_its_own_is_a_crash(tiny_model: Path) -> None:  # noqa: F811
    from brainjar_sweep.minds._host import ChildHost

    mind = make_mind(tiny_model, ram_limit_gb=None, context_window=512)
    try:
        mind.generate(prompt(), None)
        os.kill(mind.host.pid, signal.SIGSEGV)
        time.sleep(0.2)
        with pytest.raises(MindCrashed, match="SIGSEGV"):
            mind.generate(prompt(cycle=2), None)
        # a crash while answering a question is reported by the next generation
        mind.restart()
        os.kill(mind.host.pid, signal.SIGKILL)
        time.sleep(0.2)
        assert mind.answer("q", "Who are you?", prompt(cycle=3)) == ""
        with pytest.raises(MindCrashed, match="SIGKILL"):
            mind.generate(prompt(cycle=3), None)
        mind.restart()
        assert mind.generate(prompt(cycle=4), None).text
    finally:
        mind.close()
    # an engine that crashes while loading
    host = ChildHost("os:abort", {}, label="crasher")
    with pytest.raises(MindCrashed, match="SIGABRT"):
        host.start(None)
    assert not host.alive()


def test_a_child_that_never_answers_is_killed_at_its_timeout() -> None:
    from brainjar_sweep.minds._host import ChildHost

    # signal.pause never returns: the child never reports it has loaded
    host = ChildHost("signal:pause", {}, label="sleeper", load_timeout_s=1.0)
    with pytest.raises(MindCrashed, match=r"hung while loading the model \(no answer in 1 s\)"):
        host.start(None)
    assert not host.alive() and host.pid is None


def test_the_logged_count_is_the_recorded_crashes_and_a_late_crash_is_named_apart(
    tiny_model: Path,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    mind = make_mind(tiny_model, ram_limit_gb=None, context_window=512)
    try:
        mind.generate(prompt(), None)
        os.kill(mind.host.pid, signal.SIGKILL)
        time.sleep(0.2)
        with pytest.raises(MindCrashed):  # reported: the jar records it
            mind.generate(prompt(cycle=2), None)
        mind.restart()
        mind.generate(prompt(cycle=3), None)
        # it crashes while answering the last cycle's questions: no generation follows
        os.kill(mind.host.pid, signal.SIGKILL)
        time.sleep(0.2)
        assert mind.answer("q", "Who are you?", prompt(cycle=3)) == ""
    finally:
        with caplog.at_level("INFO", logger="brainjar_sweep.minds"):
            mind.close()
    assert mind.stats["crashes"] == 1
    assert "1 crashes recorded (and 1 after its last reply, not in the experiment's crashes)" in (
        caplog.text
    )


# ------------------------------------------------------------------ through the app


@pytest.mark.slow
def test_run_records_text_tokens_per_s_and_real_oom_crashes(
    tiny_model: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    # self-reports stay out of memory: the memory a cycle's reply adds is what is measured
    base = [
        "mind=llama_cpp",
        f"mind.model_path={tiny_model}",
        *SMALL,
        "self_report.into_memory=false",
    ]
    free = tmp_path / "free"
    free.mkdir()
    ok(cli(free, *base, "max_cycles=5", "resources.ram_limit_gb=null"))
    (res,) = results(free / "outputs")
    assert res["status"] == "completed" and res["metrics"]["total_crashes"] == 0
    db = free / "logs" / "experiments.db"
    # the replies (self-report answers are assistant messages too)
    texts = query(
        db,
        "SELECT content FROM messages WHERE role = 'assistant' AND "
        "json_extract(metadata_json, '$.origin') = 'reflection' ORDER BY id",
    )
    assert len(texts) == 5 and all(t.strip() for (t,) in texts)
    assert query(db, "SELECT SUM(tokens_generated) FROM cycles")[0][0] > 0
    # per cycle: model load time and tokens/s, in the cycle's metadata
    meta = [
        json.loads(m)
        for (m,) in query(db, "SELECT metadata_json FROM cycles ORDER BY cycle_number")
    ]
    assert all(m["tokens_per_second"] > 0 for m in meta)
    assert meta[0]["model_load_seconds"] > 0
    assert res["metrics"]["tokens_per_second"] > 0 and res["metrics"]["model_load_seconds"] > 0
    log_text = next((free / "outputs").rglob("brainjar.log")).read_text()
    rates = tokens_per_s(log_text)
    assert rates and rates[0] > 0, log_text
    assert re.search(r"model loaded in [\d.]+ s .* RSS [\d.]+ MB", log_text)
    # the memory the child used: a short first prompt, then the full compute buffer
    peaks = [u for (u,) in query(db, "SELECT usage_mb FROM memory_states ORDER BY cycle_number")]
    low, high = peaks[0], max(peaks)
    assert high - low > 4, peaks
    limit_gb = (low + high) / 2 / 1024

    # a limit between them: the mind crashes when its context grows, and comes back wiped
    tight = tmp_path / "tight"
    tight.mkdir()
    ok(
        cli(
            tight,
            *base,
            "mode=amnesiac_loop",
            "max_cycles=6",
            f"resources.ram_limit_gb={limit_gb:.6f}",
        )
    )
    (res,) = results(tight / "outputs")
    assert res["status"] == "completed"
    db = tight / "logs" / "experiments.db"
    crashes = query(db, "SELECT cycle_number, reason, memory_mb, limit_mb FROM crashes")
    assert crashes, "no crash"
    for _cycle, reason, memory_mb, limit_mb in crashes:
        assert "RSS" in reason and f"{memory_mb:.1f} MB" in reason
        assert memory_mb > limit_mb == pytest.approx(limit_gb * 1024, abs=0.01)
    first = min(c for c, *_ in crashes)
    later = query(
        db,
        "SELECT COUNT(*) FROM messages WHERE role = 'assistant' AND cycle_number > ?",
        first,
    )[0][0]
    assert later > 0, "the mind never spoke again after its first crash"
    assert res["metrics"]["total_crashes"] == len(crashes)


@pytest.mark.slow
def test_sweep_runs_two_llama_minds_in_parallel(tiny_model: Path, tmp_path: Path) -> None:  # noqa: F811
    ok(
        cli(
            tmp_path,
            "-m",
            "seed=0,1",
            "mind=llama_cpp",
            f"mind.model_path={tiny_model}",
            *SMALL,
            "max_cycles=4",
            "resources.ram_limit_gb=0.5",
        )
    )
    res = results(tmp_path / "multirun")
    assert [r["status"] for r in res] == ["completed", "completed"]
    spans = query(
        tmp_path / "logs" / "experiments.db",
        "SELECT started_at, ended_at FROM attempts ORDER BY experiment_id",
    )
    (s0, e0), (s1, e1) = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in spans]
    if (os.cpu_count() or 1) >= 2:  # the launcher gives each job one CPU slot
        assert s0 < e1 and s1 < e0, f"the two jobs did not overlap: {spans}"
    texts = query(
        tmp_path / "logs" / "experiments.db",
        "SELECT COUNT(*) FROM messages WHERE role = 'assistant' AND content != ''",
    )
    assert texts[0][0] >= 2


@pytest.mark.slow
def test_openai_mind_against_a_local_server_keeps_the_key_secret(
    openai_server: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    secret = "sk-brainjar-test-4f9c2d1e8b7a"
    proc = ok(
        cli(
            tmp_path,
            "mind=openai",
            f"mind.base_url={openai_server}",
            "mind.model=tiny",
            "mind.api_key_env=BRAINJAR_TEST_KEY",
            "max_cycles=3",
            "resources.max_tokens_per_response=48",
            "self_report.into_memory=false",  # the test server's 2048-token context stays enough
            env={"BRAINJAR_TEST_KEY": secret},
        )
    )
    (res,) = results(tmp_path / "outputs")
    assert res["status"] == "completed"
    db = tmp_path / "logs" / "experiments.db"
    texts = query(db, "SELECT content FROM messages WHERE role = 'assistant'")
    assert len(texts) == 3 and all(t.strip() for (t,) in texts)
    assert query(db, "SELECT COUNT(*) FROM self_reports WHERE response != ''")[0][0] > 0
    # the key is read from the environment when a request is made, and written nowhere
    written = [*tmp_path.rglob("result.json"), *tmp_path.rglob(".hydra/*.yaml"), db]
    written += list(tmp_path.rglob("*.log"))
    assert len(written) >= 5
    for path in written:
        assert secret.encode() not in path.read_bytes(), path
    assert secret not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_openai_unreachable_server_fails_in_one_line_before_any_job(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}/v1"
    want = (
        f"error: mind.base_url='{url}' is not allowed: "
        "a reachable OpenAI-compatible server (connection refused)"
    )
    for args in (["max_cycles=2"], ["-m", "seed=0,1", "max_cycles=2"]):  # a run, a sweep
        proc = cli(tmp_path, *args, "mind=openai", f"mind.base_url={url}")
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].endswith(want.removeprefix("error: ")) and lines[0].startswith("error: ")
        assert list(tmp_path.iterdir()) == [], "something was written"


@pytest.mark.slow
def test_real_mind_config_errors_are_one_line(tmp_path: Path) -> None:
    key_env = "BRAINJAR_TEST_UNSET_KEY"
    env = {k: v for k, v in os.environ.items() if k != key_env}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "brainjar_sweep",
            "mind=openai",
            f"mind.api_key_env={key_env}",
            "mind.check_server=false",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: mind.api_key_env='{key_env}' is not allowed: "
        f"the name of a set environment variable (${key_env} is not set)"
    )
    proc = cli(tmp_path, "mind=llama_cpp", "mind.model_path=missing.gguf")
    assert proc.returncode == 2
    line = proc.stderr.strip()
    assert "\n" not in line
    need("llama")
    assert line == (
        "error: mind.model_path='missing.gguf' is not allowed: an existing GGUF model file (not found)"
    )
    (tmp_path / "not-a-model.gguf").write_text("hello")
    proc = cli(tmp_path, "mind=llama_cpp", "mind.model_path=not-a-model.gguf")
    assert proc.returncode == 2 and "this file is not GGUF" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-model.gguf"]


def test_openai_mind_retries_with_backoff_then_fails_the_experiment() -> None:
    from brainjar_sweep.minds.openai_server import OpenAIMind, ServerError

    mind = OpenAIMind(
        "mind",
        seed=0,
        base_url=f"http://127.0.0.1:{free_port()}/v1",
        model="none",
        timeout_s=1.0,
        max_retries=2,
        backoff_s=0.05,
    )
    tic = time.monotonic()
    with pytest.raises(ServerError, match=r"connection refused \(after 2 retries\)"):
        mind.generate(prompt(), None)
    assert time.monotonic() - tic >= 0.05 + 0.1  # waited backoff_s, then twice as long
    assert mind.stats["retries"] == 2


@pytest.mark.slow
def test_openai_mind_crashes_by_the_context_memory_model(openai_server: str) -> None:  # noqa: F811
    from brainjar_sweep.minds.openai_server import OpenAIMind

    knobs = {"model_size_gb": 0.01, "runtime_overhead_mb": 0.0, "compute_buffer_mb": 0.0}
    mind = OpenAIMind(
        "mind", seed=0, base_url=openai_server, model="tiny", spike_sd_mb=0.0, **knobs
    )
    gen = mind.generate(prompt(max_tokens=32), None)
    assert gen.text and gen.tokens > 0
    # the same prompt in a box too small for even its prompt and a few reply tokens
    limit = mind.memory.base_mb + (gen.memory_mb - mind.memory.base_mb) / 2
    with pytest.raises(MindCrashed, match="modelled") as crashed:
        mind.generate(prompt(max_tokens=32), limit)
    assert crashed.value.memory_mb > limit == crashed.value.limit_mb
    mind.restart()
    assert mind.generate(prompt(max_tokens=32), None).text
