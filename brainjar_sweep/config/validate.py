"""Range and cross-field checks on a composed experiment config.

Hydra and OmegaConf already refuse unknown keys and wrong types while composing;
:func:`validate` adds everything a type cannot say (ranges, vocabularies, which
intervention makes sense in which mode). It raises :class:`ConfigError` at the first
problem, before anything is written.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from brainjar_sweep._hydra_compat import child_node, node_value
from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.config.schema import (
    FEEDBACK_MODES,
    HIVE_ROLES,
    INTERVENTION_TYPES,
    MEMORY_STRATEGIES,
    MIND_KINDS,
    MODES,
    MUTATION_TYPES,
    TRIGGERS,
    ExperimentConfig,
)

MULTI_MIND_MODES = ("panopticon_observer", "split_brain", "prisoners_dilemma", "hive_cluster")


def mind_ids(mode: Mapping[str, Any]) -> list[str]:
    """The ids of the minds a mode runs inside one experiment.

    >>> mind_ids({"name": "split_brain"})
    ['A', 'B']
    >>> mind_ids({"name": "hive_cluster", "num_instances": 3})
    ['hive_0', 'hive_1', 'hive_2']
    """
    name = mode["name"]
    if name == "panopticon_observer":
        return ["subject", "observer"]
    if name == "split_brain":
        return ["A", "B"]
    if name == "prisoners_dilemma":
        return ["a", "b"]
    if name == "hive_cluster":
        return [f"hive_{i}" for i in range(int(mode["num_instances"]))]
    return ["mind"]


# --- small checkers -----------------------------------------------------------


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    if isinstance(v, int) and not isinstance(v, bool):
        return abs(v) <= 2**63 - 1  # a 400-digit integer is no float (and no DB value)
    return isinstance(v, float) and math.isfinite(v)


def _rate(key: str, v: Any) -> None:
    if not _is_num(v) or not 0.0 <= v <= 1.0:
        raise ConfigError(key, v, "a number in [0, 1]")


_BIGGEST = 2**63 - 1  # the largest integer the experiments database stores


def _int_min(key: str, v: Any, lo: int, hi: int | None = None) -> None:
    if not _is_int(v) or v < lo or (hi is not None and v > hi):
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise ConfigError(key, v, f"an integer {rng}")
    if v > _BIGGEST:
        raise ConfigError(key, v, f"an integer in [{lo}, {_BIGGEST}]")


def _positive(key: str, v: Any, *, allow_none: bool = False) -> None:
    if v is None and allow_none:
        return
    if not _is_num(v) or v <= 0:
        raise ConfigError(key, v, "a number > 0" + (" or null" if allow_none else ""))


def _non_negative(key: str, v: Any) -> None:
    if not _is_num(v) or v < 0:
        raise ConfigError(key, v, "a number >= 0")


def _one_of(key: str, v: Any, allowed: tuple[str, ...] | list[str]) -> None:
    if v not in allowed:
        raise ConfigError(key, v, "one of " + ", ".join(allowed))


def _text(key: str, v: Any) -> None:
    if not isinstance(v, str):
        raise ConfigError(key, v, "a text")


def _bool(key: str, v: Any) -> None:
    if not isinstance(v, bool):
        raise ConfigError(key, v, "true or false")


# --- modes --------------------------------------------------------------------

_MODE_RULES: dict[str, dict[str, Callable[[str, Any], None]]] = {
    "amnesiac_loop": {
        "corruption_level": _rate,
        "false_memory_rate": _rate,
        "max_history_size": lambda k, v: _int_min(k, v, 0),
    },
    "unstable_memory": {
        "corruption_rate": _rate,
        "write_corruption_rate": _rate,
        "mutation_types": lambda k, v: _subset(k, v, MUTATION_TYPES),
    },
    "panopticon_subject": {
        "initial_paranoia": lambda k, v: _range(k, v, 0.1, 1.0),
        "paranoia_decay": _rate,
        "paranoia_boost": _rate,
        "crash_spike_probability": _rate,
        "crash_spike": _rate,
    },
    "split_brain": {
        "claim_strength_a": _rate,
        "claim_strength_b": _rate,
        "max_history_size": lambda k, v: _int_min(k, v, 1),
    },
    "prisoners_dilemma": {
        "player_a_memory_strategy": lambda k, v: _one_of(k, v, MEMORY_STRATEGIES),
        "player_b_memory_strategy": lambda k, v: _one_of(k, v, MEMORY_STRATEGIES),
        "manipulation_rate": _rate,
        "manipulation_start_round": lambda k, v: _int_min(k, v, 0),
    },
    "determinism_revelation": {
        "prediction_frequency": lambda k, v: _int_min(k, v, 1),
        "target_accuracy": _rate,
    },
    "illusory_operator": {
        "success_rate": _rate,
        "min_delay_cycles": lambda k, v: _int_min(k, v, 0),
        "max_delay_cycles": lambda k, v: _int_min(k, v, 0),
        "action_feedback_mode": lambda k, v: _one_of(k, v, FEEDBACK_MODES),
        "prayer_threshold": lambda k, v: _int_min(k, v, 1),
    },
    "hive_cluster": {
        "num_instances": lambda k, v: _int_min(k, v, 2, 16),
        "roles": lambda k, v: _subset(k, v, HIVE_ROLES, non_empty=True),
        "buffer_size": lambda k, v: _int_min(k, v, 0),
        "consensus_interval": lambda k, v: _int_min(k, v, 1),
        "consensus_threshold": _rate,
        "max_history_size": lambda k, v: _int_min(k, v, 1),
        "context_share": lambda k, v: _range(k, v, 0.05, 1.0),
    },
}
_MODE_RULES["panopticon_observer"] = {
    **_MODE_RULES["panopticon_subject"],
    "hint_frequency": lambda k, v: _int_min(k, v, 1),
    "hint_cryptic_level": _rate,
    "observation_detail": lambda k, v: _one_of(k, v, ("low", "medium", "high")),
    "max_observation_history": lambda k, v: _int_min(k, v, 1),
}


def _range(key: str, v: Any, lo: float, hi: float) -> None:
    if not _is_num(v) or not lo <= v <= hi:
        raise ConfigError(key, v, f"a number in [{lo}, {hi}]")


def _subset(key: str, v: Any, allowed: tuple[str, ...], non_empty: bool = False) -> None:
    if not isinstance(v, list) or (non_empty and not v):
        raise ConfigError(key, v, "a list of " + ", ".join(allowed))
    for i, item in enumerate(v):
        _one_of(f"{key}.{i}", item, allowed)


# --- interventions ------------------------------------------------------------

# parameter name -> checker, per intervention type; a tuple of modes limits a parameter
_PARAMS: dict[str, dict[str, tuple[Callable[[str, Any], None], tuple[str, ...] | None]]] = {
    "memory_corruption": {
        "corruption_rate": (_rate, None),
        "mutation_types": (lambda k, v: _subset(k, v, MUTATION_TYPES), None),
        "player_a_memory_strategy": (
            lambda k, v: _one_of(k, v, MEMORY_STRATEGIES),
            ("prisoners_dilemma",),
        ),
        "player_b_memory_strategy": (
            lambda k, v: _one_of(k, v, MEMORY_STRATEGIES),
            ("prisoners_dilemma",),
        ),
        "manipulation_rate": (_rate, ("prisoners_dilemma",)),
        "manipulation_start_round": (lambda k, v: _int_min(k, v, 0), ("prisoners_dilemma",)),
        "target_role": (lambda k, v: _one_of(k, v, HIVE_ROLES), ("hive_cluster",)),
        "corruption_type": (lambda k, v: _one_of(k, v, ("role_identity",)), ("hive_cluster",)),
    },
    "memory_erasure": {"corruption_level": (_rate, None)},
    "false_injection": {"content": (_text, None)},
    "prompt_injection": {
        "injection": (_text, None),
        "target": (_text, None),
        "belief": (_text, None),
        "brain_id": (lambda k, v: _one_of(k, v, ("A", "B")), ("split_brain",)),
        "initial_claim_strength": (_rate, ("split_brain",)),
        "target_accuracy": (_rate, ("determinism_revelation",)),
        "prediction_frequency": (lambda k, v: _int_min(k, v, 1), ("determinism_revelation",)),
    },
    "resource_change": {
        "reduction_percent": (lambda k, v: _range(k, v, -100.0, 99.0), None),
        "ram_limit_gb": (lambda k, v: _positive(k, v), None),
        "new_rate": (_rate, ("illusory_operator",)),
        "announce": (_bool, None),
    },
    "network_disruption": {"duration_cycles": (lambda k, v: _int_min(k, v, 1), None)},
    "sensory_hallucination": {
        "sense": (lambda k, v: _one_of(k, v, ("temperature", "vision", "sound", "time")), None),
        "content": (_text, None),
        "intensity": (_rate, None),
    },
}

_TRIGGER_PARAMS: dict[str, dict[str, Callable[[str, Any], None]]] = {
    "on_cycle": {"cycle": lambda k, v: _int_min(k, v, 0)},
    "every_n_cycles": {"n": lambda k, v: _int_min(k, v, 1)},
    "random": {"probability": _rate},
    "on_crash": {},
    "on_resurrection": {},
}
_REQUIRED_TRIGGER_PARAM = {"on_cycle": "cycle", "every_n_cycles": "n", "random": "probability"}


def _check_intervention(i: int, iv: Mapping[str, Any], mode: str, minds: list[str]) -> None:
    base = f"interventions.{i}"
    itype = iv.get("intervention_type")
    _one_of(f"{base}.intervention_type", itype, INTERVENTION_TYPES)
    trigger = iv.get("trigger")
    _one_of(f"{base}.trigger", trigger, TRIGGERS)
    if itype == "network_disruption" and mode not in MULTI_MIND_MODES:
        raise ConfigError(
            f"{base}.intervention_type",
            itype,
            f"not in mode {mode} (one mind, no network); modes with several minds: "
            + ", ".join(MULTI_MIND_MODES),
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
    rules = _PARAMS[itype]
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
        _one_of(f"{base}.target", target, minds)


# --- real minds -----------------------------------------------------------------


def _optional_text(key: str, v: Any) -> None:
    if v is not None and not isinstance(v, str):
        raise ConfigError(key, v, "a text or null")


def _non_empty_text(key: str, v: Any) -> None:
    if not isinstance(v, str) or not v.strip():
        raise ConfigError(key, v, "a non-empty text")


def _non_negative_or_null(key: str, v: Any) -> None:
    if v is not None and (not _is_num(v) or v < 0):
        raise ConfigError(key, v, "a number >= 0 or null")


def _env_name(key: str, v: Any) -> None:
    if v is None:
        return
    if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v):
        raise ConfigError(
            key, v, "the name of an environment variable (not the key itself), or null"
        )
    if v not in os.environ:
        raise ConfigError(key, v, f"the name of a set environment variable (${v} is not set)")


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
        raise ConfigError(key, mask_url(v), _NO_CREDENTIALS)


_NO_CREDENTIALS = (
    "a URL without credentials; put the API key in an environment variable and name it in "
    "mind.api_key_env"
)


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


_SAMPLING: dict[str, Callable[[str, Any], None]] = {
    "temperature": lambda k, v: _range(k, v, 0.0, 2.0),
    "top_p": lambda k, v: _range(k, v, 0.0, 1.0),
    "seed_offset": lambda k, v: _int_min(k, v, 0),
    "answer_max_tokens": lambda k, v: _int_min(k, v, 1),
}

_MIND_RULES: dict[str, dict[str, Callable[[str, Any], None]]] = {
    "llama_cpp": {
        **_SAMPLING,
        "n_batch": lambda k, v: _int_min(k, v, 1),
        "rss_poll_s": lambda k, v: _range(k, v, 0.001, 10.0),
        "headroom_gb": _non_negative_or_null,
        "load_timeout_s": _positive,
        "generate_timeout_s": lambda k, v: _positive(k, v, allow_none=True),
        "use_mmap": _bool,
        "chat_format": _optional_text,
        "verbose": _bool,
    },
    "openai": {
        **_SAMPLING,
        "base_url": _http_url,
        "model": _non_empty_text,
        "api_key_env": _env_name,
        "timeout_s": _positive,
        "max_retries": lambda k, v: _int_min(k, v, 0),
        "backoff_s": _non_negative,
        "send_seed": _bool,
        "check_server": _bool,
        "runtime_overhead_mb": _non_negative,
        "compute_buffer_mb": _non_negative,
        "growth_mb_per_token": _non_negative,
        "spike_sd_mb": _non_negative,
    },
}


def _check_llama_cpp(mind: Mapping[str, Any]) -> None:
    """The extra is installed and ``model_path`` is a GGUF file."""
    from brainjar_sweep._imports import extra_available, install_hint

    if not extra_available("llama"):
        raise ConfigError(
            "mind",
            "llama_cpp",
            f"it needs llama-cpp-python, which is not installed: {install_hint('llama')}",
        )
    path = mind.get("model_path")
    if not isinstance(path, str) or not path:
        raise ConfigError("mind.model_path", path, "the path of a GGUF model file")
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        why = "not found" if isinstance(e, FileNotFoundError) else (e.strerror or str(e))
        raise ConfigError("mind.model_path", path, f"an existing GGUF model file ({why})") from None
    if magic != b"GGUF":
        raise ConfigError("mind.model_path", path, "a GGUF model file (this file is not GGUF)")


def _check_openai_server(mind: Mapping[str, Any]) -> None:
    """The server answers ``GET {base_url}/models`` (cached: one request per process)."""
    from brainjar_sweep.minds.openai_server import check_server

    timeout = min(float(mind["timeout_s"]), 5.0)
    reason = check_server(mind["base_url"], mind.get("api_key_env"), timeout_s=timeout)
    if reason is not None:
        raise ConfigError(
            "mind.base_url", mind["base_url"], f"a reachable OpenAI-compatible server ({reason})"
        )


# --- the experiments database ----------------------------------------------------

_DB_URL_ALLOWED = "a database URL: sqlite:///PATH or postgresql://user@host:port/dbname"


def _db_url(key: str, v: Any) -> None:
    """A SQLite or PostgreSQL URL (or null), without a password and with its driver installed.

    >>> _db_url("db.url", "postgresql://lab@head:5432/brainjar")
    >>> _db_url("db.url", "postgresql://lab:s3cret@head/brainjar")
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: db.url='postgresql://lab:***@head/brainjar' is not allowed: a URL without a password; set PGPASSWORD or use ~/.pgpass
    """
    if v is None:
        return
    from sqlalchemy.engine import make_url

    from brainjar_sweep.store._engine import PASSWORD_HINT, display_url, url_has_password

    if not isinstance(v, str) or "://" not in v:
        raise ConfigError(key, v, _DB_URL_ALLOWED)
    shown = display_url(v)
    if url_has_password(v):
        raise ConfigError(key, shown, PASSWORD_HINT)
    try:
        backend = make_url(v).get_backend_name()
    except Exception:  # noqa: BLE001 - SQLAlchemy's parse errors vary
        raise ConfigError(key, shown, _DB_URL_ALLOWED) from None
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise ConfigError(key, shown, _DB_URL_ALLOWED)
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
                    raise ConfigError(key, mask_url(url.strip()), _NO_CREDENTIALS)
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
    if not _is_int(c.get("seed")) or c["seed"] < 0:
        raise ConfigError("seed", c.get("seed"), "an integer >= 0")
    _int_min("seed", c["seed"], 0)
    _int_min("max_cycles", c.get("max_cycles"), 1)
    _positive("max_duration_seconds", c.get("max_duration_seconds"), allow_none=True)
    _rate("corruption_rate", c.get("corruption_rate"))
    _rate("resurrection_context_fraction", c.get("resurrection_context_fraction"))

    mode = c.get("mode")
    if not isinstance(mode, dict):
        raise ConfigError("mode", mode, "one of " + ", ".join(MODES))
    _one_of("mode", mode.get("name"), MODES)
    for key, check in _MODE_RULES[mode["name"]].items():
        check(f"mode.{key}", mode.get(key))
    if mode["name"] == "illusory_operator" and mode["min_delay_cycles"] > mode["max_delay_cycles"]:
        raise ConfigError(
            "mode.min_delay_cycles",
            mode["min_delay_cycles"],
            f"at most mode.max_delay_cycles ({mode['max_delay_cycles']})",
        )

    mind = c.get("mind")
    if not isinstance(mind, dict):
        raise ConfigError("mind", mind, "one of " + ", ".join(MIND_KINDS))
    _one_of("mind.kind", mind.get("kind"), MIND_KINDS)
    if mind["kind"] == "simulated":
        _range("mind.temperature", mind.get("temperature"), 0.0, 2.0)
        for key in (
            "runtime_overhead_mb",
            "compute_buffer_mb",
            "growth_mb_per_token",
            "spike_sd_mb",
            "generate_delay_s",
        ):
            _non_negative(f"mind.{key}", mind.get(key))
    for key, check in _MIND_RULES.get(mind["kind"], {}).items():
        check(f"mind.{key}", mind.get(key))
    if mind["kind"] == "llama_cpp":
        _check_llama_cpp(mind)
    elif mind["kind"] == "openai" and mind.get("check_server"):
        _check_openai_server(mind)

    res = c["resources"]
    _positive("resources.ram_limit_gb", res.get("ram_limit_gb"), allow_none=True)
    _int_min("resources.context_window", res.get("context_window"), 16)
    _int_min("resources.max_tokens_per_response", res.get("max_tokens_per_response"), 1)
    _int_min("resources.cpu_threads", res.get("cpu_threads"), 1)
    if not _is_int(res.get("gpu_layers")) or res["gpu_layers"] < -1:
        raise ConfigError(
            "resources.gpu_layers", res.get("gpu_layers"), "an integer >= 0, or -1 for all"
        )
    _positive("resources.model_size_gb", res.get("model_size_gb"))
    _non_negative("resources.kv_mb_per_token", res.get("kv_mb_per_token"))

    sr = c["self_report"]
    if sr.get("every_n_cycles") is not None:
        _int_min("self_report.every_n_cycles", sr["every_n_cycles"], 1)
    for i, n in enumerate(sr.get("on_cycles") or []):
        _int_min(f"self_report.on_cycles.{i}", n, 0)
    if not _is_num(sr.get("before_crash_threshold")) or not 0 < sr["before_crash_threshold"] <= 1:
        raise ConfigError(
            "self_report.before_crash_threshold",
            sr.get("before_crash_threshold"),
            "a number in (0, 1]",
        )

    minds = mind_ids(mode)
    seen: set[str] = set()
    for i, iv in enumerate(c.get("interventions") or []):
        _check_intervention(i, iv, mode["name"], minds)
        iid = iv.get("intervention_id")
        if iid in seen:
            raise ConfigError(f"interventions.{i}.intervention_id", iid, "a unique id")
        seen.add(iid)

    _int_min("db.flush_every_cycles", c["db"].get("flush_every_cycles"), 1)
    _db_url("db.url", c["db"].get("url"))
    if c["db"].get("url"):
        # last: a connection is the slowest check (cached, so a sweep connects once)
        _check_db_server(c["db"]["url"])
    _check_database(c["db"])
    return c


def _check_database(db: Mapping[str, Any]) -> None:
    """The experiments database is reachable, ours or empty, and writable (once per process)."""
    from pathlib import Path

    from brainjar_sweep.store._check import database_problem
    from brainjar_sweep.store._engine import display_url

    if db.get("url"):
        key, shown, url = "db.url", display_url(db["url"]), db["url"]
    else:
        path = db.get("path")
        if not isinstance(path, str) or not path.strip():
            raise ConfigError("db.path", path, "the path of a SQLite file")
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
