"""Turning Hydra's and OmegaConf's config errors into one line: key, value, what is allowed."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
from omegaconf.errors import (
    ConfigAttributeError,
    ConfigKeyError,
    OmegaConfBaseException,
    ValidationError,
)

from brainjar_sweep._error_hints import (
    message_text,
    missing_list_item_fix,
    multiple_values_fix,
    override_fix,
    unknown_key_fix,
)
from brainjar_sweep.config.errors import ConfigError


def first_line(exc: BaseException, default: str | None = None) -> str:
    """The first line of an error's message (of a driver's own error under SQLAlchemy's wrapper).

    An empty message gives ``default``, or the error's type name.

    >>> first_line(RuntimeError("connection refused\\nmore detail"))
    'connection refused'
    >>> first_line(KeyError()), first_line(KeyError(), default="")
    ('KeyError', '')
    """
    text = str(getattr(exc, "orig", None) or exc).strip()
    if text:
        return text.splitlines()[0]
    return type(exc).__name__ if default is None else default


def os_error_line(exc: OSError) -> str:
    """One line for an error of the file system (a full disk, a read-only file, ...).

    >>> import errno
    >>> os_error_line(OSError(errno.ENOSPC, "No space left on device", "/data/x.json"))
    'cannot write /data/x.json: No space left on device'
    """
    import errno

    what = exc.strerror or first_line(exc)
    if not exc.filename:
        return what
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS)
    return f"{'cannot write ' if full else ''}{exc.filename}: {what}"


def unexpected_line(exc: BaseException) -> str:
    """One line for an error nobody expected, with how to see its traceback.

    >>> unexpected_line(ZeroDivisionError("division by zero"))
    'ZeroDivisionError: division by zero (set BRAINJAR_TRACEBACK=1 to see where)'
    """
    return f"{type(exc).__name__}: {first_line(exc, default='')} (set BRAINJAR_TRACEBACK=1 to see where)"


def _given(key: str, args: Sequence[str]) -> str:
    for a in args:
        body = a.lstrip("+~")
        if body.split("=", 1)[0] == key and "=" in body:
            value = body.split("=", 1)[1]
            return value if len(value) <= 120 else value[:117] + "..."
    return "?"


def _dotted(key: str) -> str:
    """OmegaConf's ``a[0].b`` as the override syntax ``a.0.b``."""
    return re.sub(r"\[(\d+)\]", r".\1", key)


def _fields(obj_type: object) -> list[str]:
    if isinstance(obj_type, type) and dataclasses.is_dataclass(obj_type):
        return [f.name for f in dataclasses.fields(obj_type)]
    return []


def one_line(exc: BaseException, args: Sequence[str] = ()) -> str | None:
    """A one-line description of a config error, or None if ``exc`` is not one.

    >>> one_line(ConfigError("seed", -1, "an integer >= 0"))
    'seed=-1 is not allowed: an integer >= 0'
    """
    seen: set[int] = set()
    e: BaseException | None = exc
    job_error = getattr(exc, "error", None)
    if isinstance(job_error, BaseException) and hasattr(exc, "job_num"):  # a job of a sweep
        inner = one_line(job_error, getattr(exc, "overrides", args))
        if inner is not None:
            return f"job #{exc.job_num} ({' '.join(exc.overrides)}): {inner}"
    while e is not None and id(e) not in seen:  # Hydra wraps errors (e.g. instantiating a plugin)
        seen.add(id(e))
        if isinstance(e, ConfigError):
            return str(e)
        e = e.__cause__
    if isinstance(exc, MissingConfigException) and exc.missing_cfg_file:
        group, _, name = exc.missing_cfg_file.rpartition("/")
        allowed = ", ".join(exc.options or []) or "see --help"
        return f"{group}={name!r} is not allowed: one of {allowed}"
    if isinstance(exc, OverrideParseException):
        reason = message_text(exc).replace(" See https:", "; see https:")  # the grammar page
        override = getattr(exc, "override", None)
        reason = reason.replace(f"Error parsing override '{override}' ", "")
        return f"{override} is not an override Hydra can read: {reason}" if override else reason
    # Hydra re-raises some errors without `from`: the reason is then the context
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, ConfigCompositionException) or isinstance(exc, OmegaConfBaseException):
        inner = cause if isinstance(cause, OmegaConfBaseException) else exc
        if isinstance(inner, (ConfigKeyError, ConfigAttributeError)) and getattr(
            inner, "full_key", None
        ):
            key = _dotted(inner.full_key)
            allowed = _fields(getattr(inner, "object_type", None))
            fix = unknown_key_fix(key, getattr(inner, "object_type", None))
            if fix is not None:
                what = fix
            elif allowed:
                what = "unknown key; expected one of " + ", ".join(allowed)
            else:
                what = f"unknown key; to add a key here write +{key}=..."
            where = re.match(r"In '([^']+)':", str(exc))  # the config file that set it
            given = _given(key, args)
            shown = key if given == "?" and where else f"{key}={given}"
            line = f"{shown} is not allowed: {what}"
            return f"in {where.group(1)}: {line}" if where else line
        if isinstance(inner, ValidationError) and getattr(inner, "full_key", None):
            key = _dotted(inner.full_key)
            msg = str(inner.msg).splitlines()[0] if getattr(inner, "msg", None) else "wrong type"
            fix = missing_list_item_fix(inner.full_key, msg, args)
            if fix is not None:
                return fix
            return f"{key}={_given(key, args)} is not allowed: {msg}"
        text = message_text(exc)
        fix = override_fix(text) or multiple_values_fix(text, args)
        if fix is not None:
            return fix
        detail = message_text(cause) if cause is not None else ""
        return text if detail in text else f"{text} {detail}".strip()
    # OmegaConf marks other errors raised while setting a value with the key (a number too
    # large for a float field, ...)
    for err in (exc, cause):
        found = re.search(r"^\s*full_key: (\S+)$", str(err or ""), re.MULTILINE)
        if err is not None and found:
            key = _dotted(found.group(1))
            return f"{key}={_given(key, args)} is not allowed: {first_line(err)}"
    return None
