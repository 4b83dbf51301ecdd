"""The app's ``--help``: config groups to choose from, and sweep presets apart from them.

Hydra's ``$APP_CONFIG_GROUPS`` lists ``sweep`` among the groups one picks with ``group=option``;
a sweep preset is not in the defaults list, so it is added with ``+sweep=<preset>`` and run with
``-m``. The help template (``conf/config.yaml``) asks for the two lists through the
``brainjar_help`` resolver registered here: ``${brainjar_help:groups}`` and
``${brainjar_help:presets}``.
"""

from __future__ import annotations

from omegaconf import OmegaConf

RESOLVER = "brainjar_help"

# groups whose options are added with +group=option, listed apart
_ADDED = ("sweep",)


def _loader():  # noqa: ANN202 - Hydra's config loader, while Hydra runs
    from hydra.core.global_hydra import GlobalHydra

    return GlobalHydra.instance().config_loader()


def groups_text(what: str) -> str:
    """``groups``: one line ``group: option, ...`` per group to choose; ``presets``: the presets."""
    loader = _loader()
    if what == "presets":
        return ", ".join(sorted(loader.get_group_options("sweep")))
    if what != "groups":
        raise ValueError(f"brainjar_help: unknown list {what!r}; allowed: groups, presets")
    lines = []
    for group in sorted(loader.list_groups("")):
        if group == "hydra" or group in _ADDED:
            continue
        options = sorted(loader.get_group_options(group))
        if options:
            lines.append(f"{group}: {', '.join(options)}")
    return "\n".join(lines)


def register_help_resolver() -> None:
    """Register ``${brainjar_help:groups}`` and ``${brainjar_help:presets}`` (idempotent).

    >>> register_help_resolver(); register_help_resolver()
    >>> OmegaConf.has_resolver("brainjar_help")
    True
    """
    if not OmegaConf.has_resolver(RESOLVER):
        OmegaConf.register_new_resolver(RESOLVER, groups_text, use_cache=False)
