"""Rules about what a config names outside itself: server and database URLs, environment
variables and model files (with the messages that keep secrets out of them)."""

from __future__ import annotations

import os
import re
from typing import Any

from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.config.fields import Allowed

NO_CREDENTIALS = (
    "a URL without credentials; put the API key in an environment variable and name it in "
    "mind.api_key_env"
)
DB_URL_ALLOWED = "a database URL: sqlite:///PATH or postgresql://user@host:port/dbname"


def url_has_credentials(url: str) -> bool:
    """Whether a URL carries a user, a password or a secret query value.

    >>> url_has_credentials("http://h:8080/v1"), url_has_credentials("http://k@h/v1")
    (False, True)
    >>> url_has_credentials("https://h/v1?api_key=abc")
    True
    """
    from urllib.parse import parse_qsl, urlsplit

    from brainjar_sweep._secrets import MASK, scrub

    try:
        parts = urlsplit(url)
        if parts.username or parts.password:
            return True
        query = parse_qsl(parts.query)
    except ValueError:
        return True
    return any(MASK in scrub(f"{k}={v}") for k, v in query)


def _http_url(key: str, v: Any) -> None:
    """An http(s) URL without credentials (they would be printed and recorded with it).

    >>> _http_url("mind.base_url", "http://127.0.0.1:8080/v1")
    >>> _http_url("mind.base_url", "https://me:topsecret@api.example.com/v1")
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: mind.base_url='https://me:***@api.example.com/v1' is not allowed: a URL without credentials; put the API key in an environment variable and name it in mind.api_key_env
    """
    from brainjar_sweep._secrets import mask_url

    if not isinstance(v, str) or not re.match(r"https?://[^/\s]+", v):
        raise ConfigError(
            key, mask_url(v) if isinstance(v, str) else v, "an http:// or https:// URL"
        )
    if url_has_credentials(v):
        raise ConfigError(key, mask_url(v), NO_CREDENTIALS)


def _env_name(key: str, v: Any) -> None:
    if v is None:
        return
    if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v):
        raise ConfigError(
            key, v, "the name of an environment variable (not the key itself), or null"
        )
    if v not in os.environ:
        raise ConfigError(key, v, f"the name of a set environment variable (${v} is not set)")


def _gguf_file(key: str, path: Any) -> None:
    if not isinstance(path, str) or not path:
        raise ConfigError(key, path, "the path of a GGUF model file")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        why = "not found" if isinstance(e, FileNotFoundError) else (e.strerror or str(e))
        raise ConfigError(key, path, f"an existing GGUF model file ({why})") from None
    if magic != b"GGUF":
        raise ConfigError(key, path, "a GGUF model file (this file is not GGUF)")


def db_url(key: str, v: Any) -> None:
    """A SQLite or PostgreSQL URL (or null), without a password and with its driver installed.

    >>> db_url("db.url", "postgresql://lab@head:5432/brainjar")
    >>> db_url("db.url", "postgresql://lab:s3cret@head/brainjar")
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: db.url='postgresql://lab:***@head/brainjar' is not allowed: a URL without a password; set PGPASSWORD or use ~/.pgpass
    """
    if v is None:
        return
    from sqlalchemy.engine import make_url

    from brainjar_sweep.store._engine import PASSWORD_HINT, display_url, url_has_password

    if not isinstance(v, str) or "://" not in v:
        raise ConfigError(key, v, DB_URL_ALLOWED)
    shown = display_url(v)
    if url_has_password(v):
        raise ConfigError(key, shown, PASSWORD_HINT)
    try:
        backend = make_url(v).get_backend_name()
    except Exception:  # noqa: BLE001 - SQLAlchemy's parse errors vary
        raise ConfigError(key, shown, DB_URL_ALLOWED) from None
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise ConfigError(key, shown, DB_URL_ALLOWED)
    check_url_secret_and_driver(key, v)


def check_url_secret_and_driver(key: str, url: str) -> None:
    """Refuse a database URL that holds a password or whose driver is not installed.

    >>> check_url_secret_and_driver("--db", "postgresql://lab:s3cret@head/brainjar")
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: --db='postgresql://lab:***@head/brainjar' is not allowed: a URL without a password; set PGPASSWORD or use ~/.pgpass
    """
    from brainjar_sweep._imports import MissingExtra
    from brainjar_sweep.store._engine import (
        PASSWORD_HINT,
        display_url,
        require_driver,
        url_has_password,
    )

    if url_has_password(url):
        raise ConfigError(key, display_url(url), PASSWORD_HINT)
    try:
        require_driver(url)
    except MissingExtra as e:
        raise ConfigError(key, display_url(url), str(e)) from None


def _sqlite_path(key: str, v: Any) -> None:
    if not isinstance(v, str) or not v.strip():
        raise ConfigError(key, v, "the path of a SQLite file")


http_url = Allowed("an http:// or https:// URL without credentials", _http_url)
env_name = Allowed("the name of a set environment variable, or null", _env_name)
gguf_file = Allowed("the path of a GGUF model file", _gguf_file)
database_url = Allowed(DB_URL_ALLOWED + ", or null", db_url)
sqlite_path = Allowed("the path of a SQLite file", _sqlite_path)
