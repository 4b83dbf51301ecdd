"""A private, throwaway PostgreSQL server for the tests (standard library only).

``start(state_dir)`` runs ``initdb`` into a fresh temporary directory, starts the server
on 127.0.0.1 on a free port with its unix socket in that directory, creates the role
``brainjar`` with a random password (scram-sha-256: TCP connections must give it, so
``PGPASSWORD`` is really exercised; only the unix socket is trusted) and a database
``brainjar`` owned by it. The role may create databases, so each test can have its own.
As root the server runs as the ``postgres`` OS user (PostgreSQL refuses to run as root).

``state_dir`` keeps what ``stop`` needs (``server.json``) and an ``env`` file (mode 600)
with ``BRAINJAR_TEST_POSTGRES_URL`` and ``PGPASSWORD`` for a shell to source. The URL never
holds the password.

As a program::

    python tests/_postgres.py start DIR   # prints the URL; source DIR/env for the password
    python tests/_postgres.py stop DIR    # stops the server and removes its files
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["ROLE", "Server", "find_bin_dir", "start", "stop"]

ROLE = "brainjar"
"""The password-protected role (and its database) the tests connect as."""

_SUPERUSER = "postgres"
_STATE = "server.json"
_ENV = "env"
_SETTINGS = (
    # a throwaway server: durability is not needed, speed is
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=200",
    "dynamic_shared_memory_type=mmap",
    # each test's database is dropped WITH (FORCE) by the tests' role, which may not terminate
    # an autovacuum worker (not its own process): a drop that met one failed the teardown
    "autovacuum=off",
)


@dataclass
class Server:
    """A running private server: where it lives and how to reach it."""

    url: str
    password: str
    port: int
    cluster: str
    """The temporary directory holding the data dir, the socket and the log."""
    bin_dir: str
    as_postgres: bool


def find_bin_dir() -> Path | None:
    """The directory with ``initdb``, ``pg_ctl`` and ``psql``: PATH, then /usr/lib/postgresql/*/bin."""
    candidates: list[Path] = []
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)

    def version(path: str) -> tuple[int, ...]:
        part = Path(path).parent.name
        return tuple(int(x) for x in part.split(".") if x.isdigit())

    for path in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True):
        candidates.append(Path(path))
    for candidate in candidates:
        if all((candidate / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres", "psql")):
            return candidate
    return None


def _as_postgres() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _cmd(server_user: bool, *args: str) -> list[str]:
    return ["runuser", "-u", _SUPERUSER, "--", *args] if server_user else list(args)


def _run(cmd: list[str], *, input: str | None = None, timeout: float = 120) -> None:
    proc = subprocess.run(
        cmd, input=input, capture_output=True, text=True, timeout=timeout, cwd="/"
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise RuntimeError(f"{shlex.join(cmd)} failed: {detail[-1] if detail else proc.returncode}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def start(state_dir: str | os.PathLike[str], bin_dir: Path | None = None) -> Server:
    """Start a private server; record it in ``state_dir`` (created) and return it."""
    bin_dir = bin_dir or find_bin_dir()
    if bin_dir is None:
        raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl) in PATH or /usr/lib/postgresql")
    state = Path(state_dir)
    state.mkdir(parents=True, exist_ok=True)
    if (state / _STATE).exists():
        raise RuntimeError(f"{state} already has a server; stop it first")
    as_pg = _as_postgres()
    if as_pg and shutil.which("runuser") is None:
        raise RuntimeError("running as root needs runuser to start PostgreSQL as 'postgres'")
    # short path (the socket path is limited to ~100 bytes), reachable by the postgres user
    cluster = Path(tempfile.mkdtemp(prefix="brainjar-pg-", dir="/tmp" if as_pg else None))
    if as_pg:
        shutil.chown(cluster, user=_SUPERUSER)
    data = cluster / "data"
    password = secrets.token_urlsafe(18)
    tool = {name: str(bin_dir / name) for name in ("initdb", "pg_ctl", "psql")}
    try:
        _run(
            _cmd(
                as_pg,
                tool["initdb"],
                "-D",
                str(data),
                "-U",
                _SUPERUSER,
                "-E",
                "UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
            )
        )
        last: Exception | None = None
        for _ in range(5):  # a free port can be taken before the server binds it
            port = _free_port()
            options = " ".join(
                ["-c listen_addresses=127.0.0.1", f"-p {port}", f"-k {cluster}"]
                + [f"-c {s}" for s in _SETTINGS]
            )
            try:
                _run(
                    _cmd(
                        as_pg,
                        tool["pg_ctl"],
                        "-D",
                        str(data),
                        "-l",
                        str(cluster / "server.log"),
                        "-o",
                        options,
                        "-w",
                        "-t",
                        "60",
                        "start",
                    )
                )
                break
            except RuntimeError as exc:
                last = exc
        else:
            raise RuntimeError(f"the server did not start: {last}")
        # the password goes through stdin, never on a command line
        sql = (
            f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD {_quote(password)};\n"
            f"CREATE DATABASE {ROLE} OWNER {ROLE};\n"
        )
        _run(
            _cmd(
                as_pg,
                tool["psql"],
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(cluster),
                "-p",
                str(port),
                "-U",
                _SUPERUSER,
                "-d",
                "postgres",
                "-f",
                "-",
            ),
            input=sql,
        )
    except BaseException:
        _stop_cluster(cluster, bin_dir, as_pg)
        raise
    server = Server(
        url=f"postgresql://{ROLE}@127.0.0.1:{port}/{ROLE}",
        password=password,
        port=port,
        cluster=str(cluster),
        bin_dir=str(bin_dir),
        as_postgres=as_pg,
    )
    _write_private(state / _STATE, json.dumps(asdict(server)))
    _write_private(
        state / _ENV,
        f"export BRAINJAR_TEST_POSTGRES_URL={shlex.quote(server.url)}\n"
        f"export PGPASSWORD={shlex.quote(password)}\n",
    )
    return server


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _stop_cluster(cluster: Path, bin_dir: Path, as_pg: bool) -> None:
    data = cluster / "data"
    if (data / "postmaster.pid").exists():
        cmd = _cmd(as_pg, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w")
        subprocess.run([*cmd, "stop"], capture_output=True, timeout=60, cwd="/")
        deadline = time.monotonic() + 30
        while (data / "postmaster.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    shutil.rmtree(cluster, ignore_errors=True)


def stop(state_dir: str | os.PathLike[str]) -> bool:
    """Stop the server recorded in ``state_dir`` and remove its files; False if there was none."""
    state = Path(state_dir)
    path = state / _STATE
    if not path.is_file():
        return False
    info = json.loads(path.read_text())
    _stop_cluster(Path(info["cluster"]), Path(info["bin_dir"]), bool(info["as_postgres"]))
    path.unlink()
    (state / _ENV).unlink(missing_ok=True)
    return True


def main(argv: list[str]) -> int:
    """``start DIR`` (prints the URL) or ``stop DIR``."""
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        print("usage: python tests/_postgres.py start|stop DIR", file=sys.stderr)
        return 2
    action, state_dir = argv
    try:
        if action == "start":
            print(start(state_dir).url)
        elif not stop(state_dir):
            print(f"no server recorded in {state_dir}", file=sys.stderr)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
