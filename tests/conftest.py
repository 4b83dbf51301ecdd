"""PostgreSQL for the tests marked ``postgres`` (see tests/_postgres.py).

``postgres_url`` (session): ``$BRAINJAR_TEST_POSTGRES_URL`` when set (its password from
``PGPASSWORD`` or ``~/.pgpass``; the role needs CREATEDB), else a private server started
here and stopped at the end. Without either the tests are skipped, unless
``BRAINJAR_REQUIRE_POSTGRES=1``, which makes that a failure. ``pg_url`` gives each test its
own fresh database ``test_<uuid>`` (dropped afterwards) and puts the password in this
process's ``PGPASSWORD``; ``pg_env`` is the environment for the test's subprocesses. A
password is never put in a URL.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from typing import NamedTuple

import pytest
from _extras import need, required
from sqlalchemy import Engine


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "postgres: needs a PostgreSQL server (a private one is started if it can be); slow",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that need a PostgreSQL server are slow: they start one, or create databases on it."""
    server = {"postgres_server", "postgres_url", "pg_url", "pg_env"}
    for item in items:
        needs = item.get_closest_marker("postgres") or server & set(
            getattr(item, "fixturenames", ())
        )
        if needs and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


class PgServer(NamedTuple):
    url: str
    password: str | None  # None: the environment already provides it


def _unavailable(reason: str) -> None:
    if required("postgres"):
        pytest.fail(f"BRAINJAR_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PgServer]:
    import _postgres

    need("postgres")
    given = os.environ.get("BRAINJAR_TEST_POSTGRES_URL")
    if given:
        yield PgServer(given, None)
        return
    if _postgres.find_bin_dir() is None:
        _unavailable("no PostgreSQL server: set BRAINJAR_TEST_POSTGRES_URL or install initdb")
    state = tempfile.mkdtemp(prefix="brainjar-pg-state-")
    try:
        try:
            server = _postgres.start(state)
        except (RuntimeError, OSError) as exc:
            _unavailable(f"cannot start a private PostgreSQL server: {exc}")
        yield PgServer(server.url, server.password)
    finally:
        _postgres.stop(state)
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PgServer) -> str:
    """The server's URL (no password in it)."""
    return postgres_server.url


def _admin(url: str) -> Engine:
    """An autocommit engine on the server's own database (CREATE/DROP DATABASE)."""
    from brainjar_sweep.store._engine import make_engine

    return make_engine(url).execution_options(isolation_level="AUTOCOMMIT")


@pytest.fixture
def pg_url(postgres_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, empty database of its own for one test; its URL."""
    from sqlalchemy.engine import make_url

    if postgres_server.password is not None:
        monkeypatch.setenv("PGPASSWORD", postgres_server.password)
    name = f"test_{uuid.uuid4().hex}"
    admin = _admin(postgres_server.url)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        base = make_url(postgres_server.url)
        yield base.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


@pytest.fixture
def pg_env(pg_url: str) -> dict[str, str]:
    """The environment for a test's subprocesses: the password through ``PGPASSWORD``."""
    return dict(os.environ)
