"""Reading YAML files that anyone may have written, without letting one crash the reader.

libyaml's parser (PyYAML's ``CSafeLoader``) is about ten times faster than the pure-Python
one, but it nests on the C stack with no depth check: a file nested some 50,000 levels deep
(``[[[[...`` or ``- - - -...``) ends the process with a segmentation fault instead of an
error. The pure-Python loader raises ``RecursionError`` at Python's recursion limit instead.
So a text that *could* nest deeper than :data:`_C_DEPTH` (it holds that many characters that
open a level) goes to the pure-Python loader; every file the app writes stays far below that
and gets the fast one. PyYAML offers no depth limit of its own, hence this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

__all__ = ["load_yaml", "load_yaml_file", "read_yaml"]

# an upper bound on a text's nesting depth is the number of characters that can open a level
# (flow collections, block sequence and complex-key indicators, new lines for block mappings);
# libyaml was measured to survive 20,000 levels on an 8 MiB stack, so 2,000 leaves room for
# threads with smaller stacks
_C_DEPTH = 2_000
_OPENERS = "[{-?\n"
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _could_nest_deeper_than(text: str, depth: int) -> bool:
    return sum(text.count(c) for c in _OPENERS) > depth


def load_yaml(text: str) -> Any:
    """Parse YAML with a safe loader; a crafted text raises :class:`yaml.YAMLError`, never crashes.

    >>> load_yaml("- corruption_rate=0.5\\n- seed=1\\n")
    ['corruption_rate=0.5', 'seed=1']
    >>> load_yaml("[" * 100_000 + "]" * 100_000)
    Traceback (most recent call last):
    ...
    yaml.error.YAMLError: nested too deeply
    """
    loader = yaml.SafeLoader if _could_nest_deeper_than(text, _C_DEPTH) else _FAST
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except RecursionError:
        raise yaml.YAMLError("nested too deeply") from None


def load_yaml_file(path: Path) -> Any:
    """A YAML file the app or a user wrote, parsed as :func:`load_yaml` does.

    An unreadable file raises :class:`OSError` or :class:`UnicodeDecodeError`; a malformed or
    crafted one :class:`yaml.YAMLError`.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "overrides.yaml"
    >>> _ = p.write_text("- seed=1\\n", encoding="utf-8")
    >>> load_yaml_file(p)
    ['seed=1']
    """
    text = path.read_bytes().decode("utf-8")
    try:
        return load_yaml(text)
    except ValueError:  # a crafted value (a date out of range, ...)
        raise yaml.YAMLError(f"{path.name} is malformed") from None


_MAX_BYTES = 16 * 1024 * 1024


def read_yaml(path: Path, key: str, what: str) -> Any:
    """A user's YAML file, or one :class:`ConfigError` line naming ``key``, the file and why not.

    Plain YAML only (no Python tags); binary, truncated, huge or deeply nested files are
    refused.

    >>> import tempfile
    >>> from pathlib import Path
    >>> from brainjar_sweep.config import ConfigError
    >>> p = Path(tempfile.mkdtemp()) / "m.yaml"
    >>> _ = p.write_text("a: !!python/object/apply:os.system [echo hi]")
    >>> try:
    ...     read_yaml(p, "sweep_file", "a sweep YAML file")
    ... except ConfigError as e:
    ...     print(e.allowed)
    a sweep YAML file (plain YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system')
    """
    from brainjar_sweep.config.errors import ConfigError

    try:
        if path.stat().st_size > _MAX_BYTES:
            raise ConfigError(key, str(path), f"{what} of at most {_MAX_BYTES} bytes")
        return load_yaml_file(path)
    except FileNotFoundError:
        raise ConfigError(key, str(path), f"an existing file: {what}") from None
    except OSError as e:
        raise ConfigError(key, str(path), f"{what} ({e.strerror or type(e).__name__})") from None
    except UnicodeDecodeError:
        raise ConfigError(key, str(path), f"{what} (a UTF-8 text file, not binary)") from None
    except yaml.YAMLError as e:
        why = " ".join(str(getattr(e, "problem", None) or e).split())
        raise ConfigError(key, str(path), f"{what} (plain YAML: {why})") from None
