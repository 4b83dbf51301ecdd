"""The launcher's options and their checks: a bad option is one line, before any job."""

from __future__ import annotations

from typing import Any

HOOKS = (
    "job_resources",
    "job_placement",
    "preflight",
    "job_identity",
    "job_before",
    "job_left",
    "job_end",
    "job_files",
    "sweep_report",
    "job_duration",
    "job_preload",
)
"""The options that name a hook: a dotted path to a function of the app (or null)."""


def policy_of(p: dict[str, Any]) -> str:
    """The admission policy: the one named, else longest_first when a ``job_duration`` hook
    predicts jobs' seconds, else sweep_order.

    >>> policy_of({}), policy_of({"job_duration": "m.f"}), policy_of({"job_duration": "m.f", "policy": "sweep_order"})
    ('sweep_order', 'longest_first', 'sweep_order')
    """
    if p.get("policy"):
        return str(p["policy"])
    return "longest_first" if p.get("job_duration") else "sweep_order"


def check_params(p: dict[str, Any]) -> None:
    """Refuse a bad launcher option with a one-line :class:`ConfigError`."""
    from brainjar_sweep.config.errors import ConfigError

    def positive(key: str, allow_none: bool = True) -> None:
        v = p.get(key)
        if v is None and allow_none:
            return
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
            raise ConfigError(
                f"hydra.launcher.{key}", v, "a number > 0" + (" or null" if allow_none else "")
            )

    choices = {
        "start_method": ("forkserver", "spawn"),
        "progress": ("auto", "rich", "plain", "none"),
        "policy": (None, "sweep_order", "longest_first"),
    }
    for key, allowed in choices.items():
        if key in p and p[key] not in allowed:
            raise ConfigError(
                f"hydra.launcher.{key}",
                p[key],
                "one of " + ", ".join("null" if a is None else a for a in allowed),
            )
    rf = p.get("reserve_fraction", 0.3)
    if isinstance(rf, bool) or not isinstance(rf, (int, float)) or not 0 <= rf < 1:
        raise ConfigError("hydra.launcher.reserve_fraction", rf, "a number in [0, 1)")
    for key in (
        "memory_budget_gb",
        "cpu_slots",
        "max_parallel",
        "timeout_s",
        "thermal_pause_c",
        "thermal_resume_c",
    ):
        positive(key)
    for key in ("default_job_memory_gb", "thermal_poll_s", "progress_every_s", "stop_grace_s"):
        if key in p:
            positive(key, allow_none=False)
    if p.get("safety_margin_gb", 0) is None or p.get("safety_margin_gb", 0) < 0:
        raise ConfigError(
            "hydra.launcher.safety_margin_gb", p.get("safety_margin_gb"), "a number >= 0"
        )
    backend = p.get("backend", "local")
    if backend not in ("local", "ray"):
        raise ConfigError("hydra.launcher.backend", backend, "one of local, ray")
    if backend == "ray":
        _check_ray_params(p.get("ray") or {})


def _check_ray_params(r: dict[str, Any]) -> None:
    from brainjar_sweep._imports import extra_available, install_hint
    from brainjar_sweep.config.errors import ConfigError

    if not extra_available("ray"):
        raise ConfigError(
            "hydra.launcher.backend", "ray", f"local, or ray once installed: {install_hint('ray')}"
        )
    address = r.get("address", "auto")
    if not isinstance(address, str) or not address.strip():
        raise ConfigError("hydra.launcher.ray.address", address, "host:port, auto or local")
    retries = r.get("max_node_retries", 3)
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigError("hydra.launcher.ray.max_node_retries", retries, "an integer >= 0")
    amount = r.get("device_resource_amount", 0.001)
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 < amount <= 1:
        raise ConfigError("hydra.launcher.ray.device_resource_amount", amount, "a number in (0, 1]")
    for key in ("poll_s", "unplaceable_s"):
        value = r.get(key, 1.0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"hydra.launcher.ray.{key}", value, "a number > 0")
    env = r.get("forward_env", [])
    if not isinstance(env, (list, tuple)) or not all(isinstance(x, str) for x in env):
        raise ConfigError(
            "hydra.launcher.ray.forward_env", env, "a list of variable names or globs"
        )
