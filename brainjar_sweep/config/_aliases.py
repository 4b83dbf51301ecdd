"""The original project's dotted paths, accepted as overrides and rewritten to ours."""

from __future__ import annotations

from collections.abc import Sequence

# original prefix -> this schema's prefix (documented in docs/configuration.md)
ALIASES: dict[str, str] = {
    "resource_constraints.": "resources.",
    "self_report_schedule.": "self_report.",
    "custom_questions": "self_report.custom_questions",
}


def rewrite_aliases(args: Sequence[str]) -> list[str]:
    """Rewrite original dotted override keys to this schema's keys; leave the rest alone.

    >>> rewrite_aliases(["resource_constraints.ram_limit_gb=1,2", "-m", "seed=3"])
    ['resources.ram_limit_gb=1,2', '-m', 'seed=3']
    """
    out = []
    for arg in args:
        prefix = ""
        body = arg
        if body[:1] in "+~" and not body.startswith("++"):
            prefix, body = body[:1], body[1:]
        elif body.startswith("++"):
            prefix, body = "++", body[2:]
        for old, new in ALIASES.items():
            if body.startswith(old) and (
                old.endswith(".") or body[len(old) : len(old) + 1] in ("=", "")
            ):
                body = new + body[len(old) :]
                break
        out.append(prefix + body)
    return out
