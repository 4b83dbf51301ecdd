"""Secrets never leak: not from a server's error body into our records, not to a database a
result file names, not through a mind URL; formula cells never survive a CSV export."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

KEY = "sk-brainjarTEST0123456789abcdef"  # an API key a server echoes back


class _EchoingServer(BaseHTTPRequestHandler):
    """An OpenAI-compatible server that lists models and refuses chats, echoing the key."""

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._send(200, {"object": "list", "data": [{"id": "m"}]})

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        self._send(400, {"error": {"message": f"bad request; you sent {auth} (key {KEY})"}})

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_a_key_echoed_in_a_server_error_is_recorded_nowhere(
    tmp_path: Path, echo_server: str
) -> None:
    from _cli import cli

    env = {**os.environ, "BRAINJAR_TEST_API_KEY": KEY}
    proc = cli(
        tmp_path,
        "-m",
        "seed=0,1",
        "max_cycles=2",
        "mind=openai",
        f"mind.base_url={echo_server}",
        "mind.api_key_env=BRAINJAR_TEST_API_KEY",
        "mind.max_retries=0",
        "hydra.sweep.dir=sw",
        env=env,
    )
    assert proc.returncode == 1, proc.stderr
    assert "server" in proc.stdout + proc.stderr  # the failure is reported ...
    assert KEY not in proc.stdout + proc.stderr  # ... without the key
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "result.json" for p in written)
    for path in written:
        if path.suffix == ".db":
            continue
        assert KEY.encode() not in path.read_bytes(), path
    with sqlite3.connect(tmp_path / "logs" / "experiments.db") as con:
        dump = "\n".join(con.iterdump())
    assert "bad request" in dump and KEY not in dump


@pytest.mark.parametrize(
    "url",
    [
        "http://lab:hunter22@127.0.0.1:9/v1",
        "http://hunter22@127.0.0.1:9/v1",
        "https://127.0.0.1:9/v1?api_key=hunter22",
    ],
)
def test_credentials_in_the_mind_url_are_refused_masked(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
) -> None:
    from brainjar_sweep.app import main

    monkeypatch.chdir(tmp_path)
    for argv in (
        ["mind=openai", f"mind.base_url={url}"],
        ["-m", "mind=openai", f"mind.base_url={url}", "seed=0,1"],
    ):
        assert main(argv) == 2
        captured = capsys.readouterr()
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "mind.base_url=" in lines[0], lines
        assert "a URL without credentials" in lines[0]
        assert "hunter22" not in captured.err + captured.out
    assert list(tmp_path.iterdir()) == []
