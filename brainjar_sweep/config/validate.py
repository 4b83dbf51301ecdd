"""Range and cross-field checks on a composed experiment config.

Hydra and OmegaConf already refuse unknown keys and wrong types while composing;
:func:`validate` adds everything a type cannot say (ranges, vocabularies, which
intervention makes sense in which mode). It raises :class:`ConfigError` at the first
problem, before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from brainjar_sweep._hydra_compat import child_node, node_value
from brainjar_sweep.config._external import (
    NO_CREDENTIALS,
    check_url_secret_and_driver,
    gguf_file,
    url_has_credentials,
)
from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.config.fields import (
    Check,
    boolean,
    field_rules,
    int_min,
    number_range,
    one_of,
    positive,
    rate,
    subset,
    text,
)
from brainjar_sweep.config.schema import (
    MIND_CLASSES,
    MIND_KINDS,
    MUTATION_TYPES,
    DbConfig,
    ExperimentConfig,
    InterventionConfig,
    ResourcesConfig,
    SelfReportConfig,
)
from brainjar_sweep.modes import mind_ids, mode_spec, mode_specs, multi_mind_modes

__all__ = [
    "check_db_url_overrides",
    "check_output_dir",
    "check_sqlite_storage",
    "check_sweep_dirs",
    "check_url_secret_and_driver",
    "intervention_params",
    "known_sorted",
    "mind_ids",
    "url_has_credentials",
    "validate",
]

_rate = rate()
_text = text()
_bool = boolean()


def _check_fields(
    cls: type, prefix: str, values: Mapping[str, Any], skip: tuple[str, ...] = ()
) -> None:
    """Run the rule of each field of ``cls`` that has one on its value in ``values``."""
    for key, rule in field_rules(cls).items():
        if key not in skip:
            rule(f"{prefix}{key}", values.get(key))


# --- interventions ------------------------------------------------------------

# the parameters every mode accepts, per intervention type (modes add their own: ModeSpec)
_PARAMS: dict[str, dict[str, Check]] = {
    "memory_corruption": {"corruption_rate": _rate, "mutation_types": subset(MUTATION_TYPES)},
    "memory_erasure": {"corruption_level": _rate},
    "false_injection": {"content": _text},
    "prompt_injection": {"injection": _text, "target": _text, "belief": _text},
    "resource_change": {
        "reduction_percent": number_range(-100.0, 99.0),
        "ram_limit_gb": positive(),
        "announce": _bool,
    },
    "network_disruption": {"duration_cycles": int_min(1)},
    "sensory_hallucination": {
        "sense": one_of(("temperature", "vision", "sound", "time")),
        "content": _text,
        "intensity": _rate,
    },
}


def intervention_params() -> dict[str, dict[str, tuple[Check, tuple[str, ...] | None]]]:
    """Per intervention type: each parameter, its rule and the modes it is limited to (None =
    every mode); the modes' own parameters come from their declarations.

    >>> intervention_params()["resource_change"]["new_rate"][1]
    ('illusory_operator',)
    """
    out: dict[str, dict[str, tuple[Check, tuple[str, ...] | None]]] = {
        itype: {key: (check, None) for key, check in table.items()}
        for itype, table in _PARAMS.items()
    }
    for name, spec in mode_specs().items():
        for itype, table in spec.interventions.items():
            for key, check in table.items():
                _, modes = out[itype].get(key, (check, ()))
                out[itype][key] = (check, (*(modes or ()), name))
    return out


_TRIGGER_PARAMS: dict[str, dict[str, Check]] = {
    "on_cycle": {"cycle": int_min(0)},
    "every_n_cycles": {"n": int_min(1)},
    "random": {"probability": _rate},
    "on_crash": {},
    "on_resurrection": {},
}
_REQUIRED_TRIGGER_PARAM = {"on_cycle": "cycle", "every_n_cycles": "n", "random": "probability"}


def _check_intervention(i: int, iv: Mapping[str, Any], mode: str, minds: list[str]) -> None:
    base = f"interventions.{i}"
    _check_fields(InterventionConfig, f"{base}.", iv)
    itype, trigger = iv["intervention_type"], iv["trigger"]
    if itype == "network_disruption" and mode not in multi_mind_modes():
        raise ConfigError(
            f"{base}.intervention_type",
            itype,
            f"not in mode {mode} (one mind, no network); modes with several minds: "
            + ", ".join(multi_mind_modes()),
        )
    tparams = iv.get("trigger_params") or {}
    allowed_t = _TRIGGER_PARAMS[trigger]
    for key, value in tparams.items():
        if key not in allowed_t:
            what = ", ".join(allowed_t) if allowed_t else "none"
            raise ConfigError(
                f"{base}.trigger_params.{key}", value, f"trigger {trigger} takes: {what}"
            )
        allowed_t[key](f"{base}.trigger_params.{key}", value)
    need = _REQUIRED_TRIGGER_PARAM.get(trigger)
    if need and need not in tparams:
        raise ConfigError(f"{base}.trigger_params.{need}", None, f"required by trigger {trigger}")
    rules = intervention_params()[itype]
    for key, value in (iv.get("parameters") or {}).items():
        if key not in rules:
            raise ConfigError(
                f"{base}.parameters.{key}",
                value,
                f"{itype} takes: " + ", ".join(rules),
            )
        check, modes = rules[key]
        if modes is not None and mode not in modes:
            raise ConfigError(f"{base}.parameters.{key}", value, f"only in mode {', '.join(modes)}")
        check(f"{base}.parameters.{key}", value)
    target = iv.get("target")
    if target is not None:
        one_of(minds)(f"{base}.target", target)


def _check_llama_cpp(mind: Mapping[str, Any]) -> None:
    """The extra is installed and ``model_path`` is a GGUF file."""
    from brainjar_sweep._imports import extra_available, install_hint

    if not extra_available("llama"):
        raise ConfigError(
            "mind",
            "llama_cpp",
            f"it needs llama-cpp-python, which is not installed: {install_hint('llama')}",
        )
    gguf_file("mind.model_path", mind.get("model_path"))


def _check_openai_server(mind: Mapping[str, Any]) -> None:
    """The server answers ``GET {base_url}/models`` (cached: one request per process)."""
    from brainjar_sweep.minds.openai_server import check_server

    timeout = min(float(mind["timeout_s"]), 5.0)
    reason = check_server(mind["base_url"], mind.get("api_key_env"), timeout_s=timeout)
    if reason is not None:
        raise ConfigError(
            "mind.base_url", mind["base_url"], f"a reachable OpenAI-compatible server ({reason})"
        )


def check_db_url_overrides(args: list[str]) -> None:
    """Refuse a password in a ``db.url=...`` command-line override before Hydra sees it.

    Hydra and the sweeper echo overrides in their messages; a URL with a password is
    refused here, with the password masked, so that it is never printed or written.

    >>> check_db_url_overrides(["-m", "seed=0,1", "db.url=postgresql://lab@head/brainjar"])
    >>> check_db_url_overrides(["db.url=postgresql://lab:s3cret@head/brainjar"])
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: db.url='postgresql://lab:***@head/brainjar' is not allowed: a URL without a password; set PGPASSWORD or use ~/.pgpass
    """
    from brainjar_sweep._secrets import mask_url

    for arg in args:
        key, eq, value = arg.lstrip("+~").partition("=")
        if eq and key == "mind.base_url":
            for url in [value, *value.split(",")]:
                if url_has_credentials(url.strip()):
                    raise ConfigError(key, mask_url(url.strip()), NO_CREDENTIALS)
        if not eq or key != "db.url":
            continue
        # the store (SQLAlchemy) only when a URL is given: --help and --cfg stay light
        from brainjar_sweep.store._engine import PASSWORD_HINT, display_url, url_has_password

        for url in [value, *value.split(",")]:
            if url_has_password(url.strip()):
                raise ConfigError(key, display_url(url.strip()), PASSWORD_HINT)


def _check_db_server(url: str) -> None:
    """The database server of ``url`` accepts a connection (once per process and URL)."""
    from brainjar_sweep.store._engine import check_server, display_url

    reason = check_server(url)
    if reason is not None:
        raise ConfigError("db.url", display_url(url), f"a reachable PostgreSQL server ({reason})")


def known_sorted(keys: set[str]) -> list[str]:
    """Schema keys in the schema's own order."""
    return [k for k in ExperimentConfig.__dataclass_fields__ if k in keys]


# --- the whole config -----------------------------------------------------------


def validate(cfg: DictConfig | Mapping[str, Any]) -> dict[str, Any]:
    """Check a composed experiment config; return it as a plain, resolved dict.

    Raises :class:`ConfigError` naming the first bad key, its value and what is allowed.

    >>> from brainjar_sweep.config import compose
    >>> validate(compose(["max_cycles=5"]))["max_cycles"]
    5
    >>> validate(compose(["max_cycles=0"]))
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: max_cycles=0 is not allowed: an integer >= 1
    """
    if isinstance(cfg, DictConfig):
        # resolve node by node: the hydra node holds interpolations only a running job can resolve
        c = {}
        for key in cfg:
            if key == "hydra":
                continue
            node = child_node(cfg, key)
            c[key] = (
                OmegaConf.to_container(node, resolve=True)
                if isinstance(node, (DictConfig, ListConfig))
                else cfg[key]
            )
    else:
        c = {k: v for k, v in cfg.items() if k != "hydra"}

    known = set(ExperimentConfig.__dataclass_fields__)
    for key in c:
        if key not in known:
            raise ConfigError(
                key, c[key], "unknown key; expected one of " + ", ".join(known_sorted(known))
            )
    _check_fields(ExperimentConfig, "", c)
    mode = _check_mode(c.get("mode"))
    _check_mind(c.get("mind"))
    _check_fields(ResourcesConfig, "resources.", c["resources"])
    _check_fields(SelfReportConfig, "self_report.", c["self_report"])
    _check_interventions(c.get("interventions") or [], mode)
    _check_fields(DbConfig, "db.", c["db"], skip=("path",))
    if c["db"].get("url"):
        # last: a connection is the slowest check (cached, so a sweep connects once)
        _check_db_server(c["db"]["url"])
    _check_database(c["db"])
    return c


def _check_mode(mode: Any) -> dict[str, Any]:
    """The mode block: a known mode, each key by its rule, then the mode's own cross-key rule."""
    names = list(mode_specs())
    if not isinstance(mode, dict):
        raise ConfigError("mode", mode, "one of " + ", ".join(names))
    one_of(names)("mode", mode.get("name"))
    spec = mode_spec(mode["name"])
    _check_fields(spec.config, "mode.", mode)
    if spec.check is not None:
        spec.check(mode)
    return mode


def _check_mind(mind: Any) -> None:
    """The mind block: a known kind, each key by its rule, then what the kind needs to run."""
    if not isinstance(mind, dict):
        raise ConfigError("mind", mind, "one of " + ", ".join(MIND_KINDS))
    one_of(MIND_KINDS)("mind.kind", mind.get("kind"))
    # a llama.cpp model file is checked once the extra that reads it is known to be there
    _check_fields(MIND_CLASSES[mind["kind"]], "mind.", mind, skip=("model_path",))
    if mind["kind"] == "llama_cpp":
        _check_llama_cpp(mind)
    elif mind["kind"] == "openai" and mind.get("check_server"):
        _check_openai_server(mind)


def _check_interventions(interventions: list[Any], mode: Mapping[str, Any]) -> None:
    """Each intervention by its type's, trigger's and mode's rules; ids unique."""
    minds = mind_ids(mode)
    seen: set[str] = set()
    for i, iv in enumerate(interventions):
        _check_intervention(i, iv, mode["name"], minds)
        iid = iv.get("intervention_id")
        if iid in seen:
            raise ConfigError(f"interventions.{i}.intervention_id", iid, "a unique id")
        seen.add(iid)


def _check_database(db: Mapping[str, Any]) -> None:
    """The experiments database is reachable, ours or empty, and writable (once per process)."""
    from pathlib import Path

    from brainjar_sweep.store._check import database_problem
    from brainjar_sweep.store._engine import display_url

    if db.get("url"):
        key, shown, url = "db.url", display_url(db["url"]), db["url"]
    else:
        path = db.get("path")
        field_rules(DbConfig)["path"]("db.path", path)
        key, shown, url = "db.path", path, f"sqlite:///{Path(path).expanduser().absolute()}"
    why = database_problem(url)
    if why is not None:
        raise ConfigError(
            key, shown, f"an experiments database: ours, empty or new, and writable ({why})"
        )


# --- where a run writes ----------------------------------------------------------


def check_output_dir(key: str, path: str | os.PathLike[str]) -> None:
    """Refuse an output directory that cannot be created or written, before anything is written.

    The directory may exist (then it must be a writable directory) or not (then its nearest
    existing ancestor must be a writable directory).

    >>> import tempfile
    >>> check_output_dir("hydra.sweep.dir", tempfile.mkdtemp() + "/multirun/a/b")
    >>> check_output_dir("hydra.sweep.dir", "/dev/null/x")
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: hydra.sweep.dir='/dev/null/x' is not allowed: a directory that can be created (/dev/null is a file, not a directory)
    """
    from pathlib import Path

    shown = os.fspath(path)
    if not shown.strip():
        raise ConfigError(key, shown, "a directory path (not empty)")
    p = Path(path).absolute()
    probe = p
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        what = "a directory" if probe == p else "a directory that can be created"
        raise ConfigError(key, shown, f"{what} ({probe} is a file, not a directory)")
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "a writable directory" if probe == p else "a directory that can be created"
        raise ConfigError(key, shown, f"{what} ({probe} is not writable)")


def check_sweep_dirs(config: DictConfig) -> None:
    """A sweep's ``hydra.sweep.dir`` can be created and written, and ``hydra.sweep.subdir`` is a
    relative path inside it that differs per job; raise :class:`ConfigError` otherwise."""
    from pathlib import Path

    check_output_dir("hydra.sweep.dir", str(config.hydra.sweep.dir))
    node = child_node(config.hydra.sweep, "subdir")
    text = str((node_value(node) if node is not None else None) or "")
    if "${" not in text or ".." in Path(text).parts or Path(text).is_absolute():
        raise ConfigError(
            "hydra.sweep.subdir",
            text,
            "a relative path inside the sweep dir that differs per job (e.g. ${hydra.job.num})",
        )


def check_sqlite_storage(key: str, url: str | None) -> None:
    """A ``sqlite:///`` URL names a SQLite database, an empty file or nothing yet (then its
    directory can be created); other URLs are left to their own checks.

    >>> check_sqlite_storage("hydra.sweeper.storage", "sqlite:////dev/null/x.db")
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: hydra.sweeper.storage='sqlite:////dev/null/x.db' is not allowed: a SQLite database (it cannot be created: /dev/null is a file, not a directory)
    """
    from brainjar_sweep.store._check import sqlite_file_problem
    from brainjar_sweep.store._engine import sqlite_path

    if not url or not str(url).startswith("sqlite"):
        return
    path = sqlite_path(str(url))
    why = sqlite_file_problem(path) if path is not None else None
    if why is not None:
        raise ConfigError(key, url, f"a SQLite database ({why})")
