"""Secrets never leak: not from a server's error body into our records, not to a database a
result file names, not through a mind URL; formula cells never survive a CSV export."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

# the app runs in this process: put Hydra's global state (its version base among it) back
pytestmark = pytest.mark.usefixtures("hydra_restore_singletons")

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


class _Listener:
    """A TCP server on 127.0.0.1 that records every connection and what it received."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections: list[bytes] = []
        self.sock.settimeout(0.2)
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                data = b""
                try:
                    data = conn.recv(65536)
                    # ask for the password in clear text, as a hostile server would
                    conn.sendall(b"R" + (8).to_bytes(4, "big") + (3).to_bytes(4, "big"))
                    data += conn.recv(65536)
                except OSError:
                    pass
                self.connections.append(data)

    def close(self) -> None:
        self._stop = True
        self.thread.join(timeout=5)
        self.sock.close()


def _sweep_naming(root: Path, db_url: str) -> Path:
    sweep = root / "multirun" / "2026-01-01" / "10-00-00"
    for n in range(2):
        job = sweep / str(n)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text(f"- corruption_rate={n / 2}\n")
        result = {
            "experiment_id": f"e{n}",
            "status": "completed",
            "attempt": 1,
            "job_num": n,
            "metrics": {"crash_rate": 0.25 * n},
            "db_url": db_url,
        }
        (job / "result.json").write_text(json.dumps(result))
    return sweep


def test_the_analysis_never_connects_to_a_server_a_result_file_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from brainjar_sweep.analysis.cli import main

    listener = _Listener()
    try:
        monkeypatch.setenv("PGPASSWORD", "analyst-secret-pw")
        monkeypatch.setenv("PGCONNECT_TIMEOUT", "3")
        sweep = _sweep_naming(tmp_path, f"postgresql://lab@127.0.0.1:{listener.port}/brainjar")
        code = main([str(sweep), "--export", "csv", "--export-path", str(tmp_path / "o.csv")])
    finally:
        listener.close()
    err = capsys.readouterr().err
    assert code == 0, err
    assert listener.connections == []
    assert "not reading the experiments DB postgresql://lab@127.0.0.1" in err
    assert "pass --db" in err


def test_the_analysis_reads_a_recorded_sqlite_db_only_inside_the_analysed_tree(
    tmp_path: Path,
) -> None:
    from brainjar_sweep.analysis.load import load
    from brainjar_sweep.store import ExperimentStore

    outside = tmp_path / "elsewhere" / "exp.db"
    ExperimentStore(f"sqlite:///{outside}").close()
    sweep = _sweep_naming(tmp_path / "lab", f"sqlite:///{outside}")
    data = load([sweep])
    assert data.db_urls == []
    assert any("not reading the experiments DB" in w for w in data.warnings), data.warnings
    # named on the command line, it is read
    assert load([sweep], db=str(outside)).db_urls == [f"sqlite:///{outside}"]
    # inside the analysed tree, it is read as recorded
    inside = sweep / "exp.db"
    ExperimentStore(f"sqlite:///{inside}").close()
    for n in range(2):
        result = json.loads((sweep / str(n) / "result.json").read_text())
        result["db_url"] = f"sqlite:///{inside}"
        (sweep / str(n) / "result.json").write_text(json.dumps(result))
    assert load([sweep]).db_urls == [f"sqlite:///{inside}"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
def test_csv_export_neutralises_formula_cells(tmp_path: Path) -> None:
    import pandas as pd

    from brainjar_sweep.analysis.cli import main

    sweep = _sweep_naming(tmp_path, "")
    for n, evil in enumerate(['=HYPERLINK("http://evil.example","x")', "@SUM(1+1)"]):
        result = json.loads((sweep / str(n) / "result.json").read_text())
        result["experiment_id"] = evil
        result["error"] = "+cmd|' /C calc'!A0"
        (sweep / str(n) / "result.json").write_text(json.dumps(result))
    out = tmp_path / "t.csv"
    assert main([str(sweep), "--no-db", "--export", "csv", "--export-path", str(out)]) == 0
    for path in tmp_path.glob("t*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for value in frame.to_numpy().ravel():
            assert not str(value).startswith(("=", "+", "-", "@", "\t", "\r")) or _number(value)
    text = out.read_text()
    assert "'=HYPERLINK" in text and "'@SUM" in text


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
