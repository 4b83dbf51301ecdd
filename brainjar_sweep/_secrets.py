"""Scrubbing secrets out of every text the project records or prints.

A server's error body may echo the API key it was sent, a driver's message may hold a
connection URL with its password. :func:`scrub` is the one function that masks them; it
runs on every recorded error text (``result.json``, the sweep files, the experiments
database) and, through :class:`ScrubFilter`, on every log line.

What is masked (the value becomes ``***``):

- credentials in URLs (``scheme://user:password@host``);
- ``Bearer <token>`` and ``Authorization: <value>``;
- ``key=value`` and ``"key": "value"`` pairs whose key names a secret (api_key, token,
  secret, password, ...);
- well-known API key shapes (``sk-...``, ``hf_...``, ``ghp_...``, ``AKIA...``, ...);
- the values of this process's environment variables whose names say they are secrets
  (``*KEY*``, ``*TOKEN*``, ``*SECRET*``, ``*PASSWORD*``, ...), wherever they appear.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

__all__ = ["MASK", "ScrubFilter", "mask_url", "scrub"]

MASK = "***"

_SECRET_NAME = r"(?:api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token|secret|password|passwd|pwd|credentials?)"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # scheme://user:password@host -> scheme://user:***@host
    (re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^\s:/@]*:)[^\s@/]+(?=@)"), rf"\g<head>{MASK}"),
    # http(s)://token@host: a web API has no user names, only keys
    (re.compile(r"(?i)(\bhttps?://)[^\s:/@*]+(?=@)"), rf"\1{MASK}"),
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\n,;}]+"), rf"\1{MASK}"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {MASK}"),
    # "api_key": "value", api_key=value, token: value, ?key=value
    (
        re.compile(rf"(?i)([\"']?\b[\w-]*{_SECRET_NAME}[\"']?\s*[:=]\s*[\"']?)[^\"'\s,;&}}]+"),
        rf"\1{MASK}",
    ),
    (
        re.compile(r"(?i)([?&](?:key|api_key|apikey|token|access_token|sig)=)[^&\s\"']+"),
        rf"\1{MASK}",
    ),
    # well-known key shapes
    (
        re.compile(
            r"\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}|hf_[A-Za-z0-9]{10,}|gh[pousr]_[A-Za-z0-9]{10,}"
            r"|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{20,})"
        ),
        MASK,
    ),
]
_SECRET_ENV = re.compile(r"(?i)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASS|CREDENTIAL|AUTH)")


def _env_secrets() -> list[str]:
    values = {
        v
        for k, v in os.environ.items()
        if _SECRET_ENV.search(k) and len(v) >= 6 and not v.isdigit()
    }
    return sorted(values, key=len, reverse=True)


def scrub(text: Any) -> Any:
    """``text`` with every secret in it masked (anything that is not a string is returned as is).

    >>> scrub('HTTP 401: {"error": "invalid api_key sk-abcdefgh12345678"}')
    'HTTP 401: {"error": "invalid api_key ***"}'
    >>> scrub("could not connect to postgresql://lab:s3cret@head/brainjar")
    'could not connect to postgresql://lab:***@head/brainjar'
    >>> scrub("Authorization: Bearer abc.def.ghi")
    'Authorization: ***'
    >>> scrub('{"password": "hunter22", "user": "lab"}')
    '{"password": "***", "user": "lab"}'
    >>> scrub("no secret here: 42 cycles")
    'no secret here: 42 cycles'
    """
    if not isinstance(text, str) or not text:
        return text
    for secret in _env_secrets():
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def mask_url(url: str) -> str:
    """A URL with its credentials and secret query values masked, for messages.

    >>> mask_url("https://me:topsecret@api.example.com/v1?key=abc123")
    'https://me:***@api.example.com/v1?key=***'
    """
    return scrub(url)


class ScrubFilter(logging.Filter):
    """A logging filter that scrubs each record's message (install it on handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def install_log_scrubbing(logger: logging.Logger | None = None) -> None:
    """Add a :class:`ScrubFilter` to every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, ScrubFilter) for f in handler.filters):
            handler.addFilter(ScrubFilter())
