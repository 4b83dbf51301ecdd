"""Write the configuration reference (``docs/configuration.md``) from the code.

Everything in the reference comes from the declarations a config is made of, read as data:

* keys, types, defaults, help texts and what each key allows from the fields of the schema's
  dataclasses (:mod:`brainjar_sweep.config.schema`), declared once with ``setting``
  (:mod:`brainjar_sweep.config.fields`);
* the modes, their minds, their own intervention parameters and rules between their keys from
  their declarations (:mod:`brainjar_sweep.modes`);
* intervention parameters and trigger parameters from the tables of
  :mod:`brainjar_sweep.config.validate`;
* group options and ready-made lists from the YAML files of ``conf/``;
* the original project's dotted paths from :data:`brainjar_sweep.config.ALIASES`.

Command line::

    python tools/gen_config_reference.py                       # print the reference
    python tools/gen_config_reference.py > docs/configuration.md
    python tools/gen_config_reference.py --check               # exit 1 if the file differs
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from brainjar_sweep.config import schema
from brainjar_sweep.config._aliases import ALIASES
from brainjar_sweep.config._paths import conf_dir
from brainjar_sweep.config.fields import allowed_of, help_of
from brainjar_sweep.modes import mind_ids, mode_specs, multi_mind_modes

# the module, not the function of the same name that brainjar_sweep.config exports
validate = importlib.import_module("brainjar_sweep.config.validate")

DOCS_FILE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
"""The committed reference, in a checkout (``docs/configuration.md``)."""

_REGENERATE = "python tools/gen_config_reference.py > docs/configuration.md"


# --- reading the schema ------------------------------------------------------------------


def field_helps(cls: type) -> dict[str, str]:
    """Each field of dataclass ``cls`` and its help text ("" if none).

    A field a subclass redeclares without help keeps its base class's help.

    >>> field_helps(schema.ResourcesConfig)["context_window"]
    'context window in tokens; older memory falls out of it'
    >>> field_helps(schema.MODE_CLASSES["split_brain"])["name"]
    'mode name; set by the group option, do not change by hand'
    """
    merged: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if dataclasses.is_dataclass(klass):
            comments = _plugin_comments(klass)
            for f in dataclasses.fields(klass):
                text = help_of(f) or comments.get(f.name, "")
                if text or f.name not in merged:
                    merged[f.name] = text
    return {f.name: merged.get(f.name, "") for f in dataclasses.fields(cls)}


def _plugin_comments(cls: type) -> dict[str, str]:
    """The comment lines above each field of a Hydra plugin's config dataclass.

    Hydra plugins describe their options the way Hydra's own plugins do, with a comment per
    field; the app's schema carries help texts instead and never comes here.
    """
    if not cls.__module__.startswith("hydra_plugins."):
        return {}
    out: dict[str, str] = {}
    above: list[str] = []
    for line in inspect.getsource(cls).splitlines()[1:]:
        text = line.strip()
        if text.startswith("#"):
            above.append(text.lstrip("#").strip())
            continue
        name = text.partition(":")[0]
        if above and name.isidentifier() and line.startswith("    ") and ":" in text:
            out[name] = " ".join(above)
        above = []
    return out


def field_allowed(cls: type, prefix: str) -> dict[str, str]:
    """What each field of ``cls`` with a rule allows, by its dotted key.

    >>> field_allowed(schema.SelfReportConfig, "self_report.")["self_report.every_n_cycles"]
    'an integer >= 1, or null'
    """
    out = {}
    for f in dataclasses.fields(cls):
        rule = allowed_of(f)
        if rule is not None:
            out[f"{prefix}{f.name}"] = rule.text
    return out


def _type_name(annotation: Any) -> str:
    """A field's type as written in the source (annotations may be strings or objects).

    >>> _type_name("float | None"), _type_name(int), _type_name(dict[str, int] | None)
    ('float | None', 'int', 'dict[str, int] | None')
    """
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, type) and not getattr(annotation, "__args__", None):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


def _yaml(value: Any) -> str:
    """A value as it is written on the command line or in YAML.

    >>> _yaml(None), _yaml(True), _yaml(""), _yaml([1, "a"]), _yaml({}), _yaml(0.5)
    ('null', 'true', '""', '[1, a]', '{}', '0.5')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '""' if value == "" else value
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_yaml(v)}" for k, v in value.items()) + "}"
    return str(value)


# --- the rules of modes, interventions and triggers ------------------------------------------


def mode_rules() -> dict[str, dict[str, str]]:
    """Per mode: each checked ``mode.*`` key and what it allows.

    >>> mode_rules()["hive_cluster"]["num_instances"]
    'an integer in [2, 16]'
    """
    return {
        mode: {key: rule.text for key, rule in spec.rules.items()}
        for mode, spec in mode_specs().items()
    }


def intervention_rules() -> dict[str, dict[str, tuple[str, tuple[str, ...] | None]]]:
    """Per intervention type: each parameter, what it allows, and the modes it is limited to.

    ``None`` for the modes means every mode.

    >>> intervention_rules()["memory_erasure"]["corruption_level"]
    ('a number in [0, 1]', None)
    >>> intervention_rules()["resource_change"]["new_rate"][1]
    ('illusory_operator',)
    """
    return {
        itype: {key: (rule.text, modes) for key, (rule, modes) in table.items()}
        for itype, table in validate.intervention_params().items()
    }


def trigger_rules() -> dict[str, tuple[dict[str, str], str | None]]:
    """Per trigger: its ``trigger_params`` and what each allows, and the required one.

    >>> trigger_rules()["every_n_cycles"]
    ({'n': 'an integer >= 1'}, 'n')
    """
    return {
        trigger: (
            {key: rule.text for key, rule in table.items()},
            validate._REQUIRED_TRIGGER_PARAM.get(trigger),
        )
        for trigger, table in validate._TRIGGER_PARAMS.items()
    }


def validated_ranges() -> dict[str, str]:
    """What each key outside ``mode``, ``mind`` and ``interventions`` allows, from its field.

    >>> r = validated_ranges()
    >>> r["max_cycles"], r["resources.ram_limit_gb"]
    ('an integer >= 1', 'a number > 0 or null')
    >>> "name" in r
    False
    """
    out = field_allowed(schema.ExperimentConfig, "")
    for section in ("resources", "self_report", "epistemic_frame", "db"):
        cls = type(_default(schema.ExperimentConfig.__dataclass_fields__[section]))
        out.update(field_allowed(cls, f"{section}."))
    return out


def _default_mode(mode: str) -> dict[str, Any]:
    """A mode's block with its defaults (what its mind ids are computed from)."""
    return mode_specs()[mode].defaults()


# --- reading conf/ ---------------------------------------------------------------------------


def _yaml_file(path: Path) -> tuple[str, Any]:
    """A YAML file's first comment line (its description) and its content."""
    text = path.read_text()
    desc = ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("#") and not s.startswith("# @package"):
            desc = s.lstrip("#").strip()
            break
    return desc, yaml.safe_load(text)


def _group_files(group: str) -> list[tuple[str, str, Any]]:
    return [(p.stem, *_yaml_file(p)) for p in sorted((conf_dir() / group).glob("*.yaml"))]


def _hydra_overrides() -> dict[str, str]:
    """The Hydra plugin options ``conf/config.yaml`` chooses (``override hydra/...``)."""
    _, cfg = _yaml_file(conf_dir() / "config.yaml")
    out: dict[str, str] = {}
    for item in cfg.get("defaults", []):
        if isinstance(item, dict):
            for k, v in item.items():
                if k.startswith("override "):
                    out[k.removeprefix("override ").strip()] = str(v)
    return out


def _group_defaults() -> dict[str, str]:
    """The default option of each config group, from ``conf/config.yaml``."""
    _, cfg = _yaml_file(conf_dir() / "config.yaml")
    out: dict[str, str] = {}
    for item in cfg.get("defaults", []):
        if isinstance(item, dict):
            for k, v in item.items():
                if not k.startswith("override "):
                    out[k] = str(v)
    return out


# --- Markdown ------------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`" if text else ""


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _fields_table(cls: type, prefix: str, allowed: Mapping[str, str], **options: Any) -> str:
    """A table of ``cls``'s fields (``options``: see :func:`_field_rows`)."""
    return _table(
        ["key", "type", "default", "allowed", "description"],
        _field_rows(cls, prefix, allowed, **options),
    )


def _field_rows(
    cls: type,
    prefix: str,
    allowed: Mapping[str, str],
    *,
    skip: Sequence[str] = (),
    describe: Mapping[str, str] | None = None,
    default: Mapping[str, str] | None = None,
) -> list[list[str]]:
    """One row per field; a field that is itself a dataclass gets a row per nested field."""
    comments = field_helps(cls)
    rows = []
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        key = f"{prefix}{f.name}"
        d = _default(f)
        doc = comments[f.name] or (describe or {}).get(f.name, "")
        if dataclasses.is_dataclass(d):
            rows.append([_code(key), _code(type(d).__name__), "", "", doc])
            rows += _field_rows(type(d), f"{key}.", allowed)
            continue
        value = (default or {}).get(f.name)
        if value is None:
            value = _code(_yaml(d)) if d is not dataclasses.MISSING else ""
        rows.append([_code(key), _code(_type_name(f.type)), value, allowed.get(key, ""), doc])
    return rows


def _first_line(cls: type) -> str:
    """The first line of a class's own docstring ("" when it has none)."""
    doc = cls.__doc__ or ""
    if dataclasses.is_dataclass(cls) and doc.startswith(f"{cls.__name__}("):
        return ""  # the signature dataclasses write in place of a missing docstring
    return inspect.cleandoc(doc).splitlines()[0] if doc.strip() else ""


def _top_level(ranges: Mapping[str, str], groups: Mapping[str, str]) -> str:
    describe = {
        "mode": "config group: what happens to the mind, one typed block per mode; see [mode](#mode)",
        "mind": "config group: which mind lives in the jar; see [mind](#mind)",
    }
    default = {}
    for name in ("mode", "mind", "resources", "self_report", "interventions"):
        if name in groups:
            default[name] = f"`{groups[name]}` (option)"
    for f in dataclasses.fields(schema.ExperimentConfig):
        d = _default(f)
        if dataclasses.is_dataclass(d) and f.name not in default:
            default[f.name] = "(section)"
        if dataclasses.is_dataclass(d) and f.name not in describe:
            describe[f.name] = _first_line(type(d)) + f" See [{f.name}](#{f.name})."
    return _fields_table(
        schema.ExperimentConfig, "", ranges, describe=describe, default=default
    ).replace("`Any`", "group")


def _mode_section(mrules: Mapping[str, Mapping[str, str]], irules: Mapping[str, Any]) -> str:
    out = [
        "## mode",
        "",
        "Choose one with `mode=<option>`; its typed block is then `mode.*` (a key of another "
        "mode is refused). Each mode has a page in [modes/](modes/).",
        "",
        _table(
            ["option", "minds (ids)", "what it does"],
            [
                [
                    f"[`{m}`](modes/{m}.md)",
                    ", ".join(f"`{i}`" for i in mind_ids(_default_mode(m))),
                    _first_line(schema.MODE_CLASSES[m]),
                ]
                for m in schema.MODES
            ],
        ),
    ]
    for m in schema.MODES:
        cls = schema.MODE_CLASSES[m]
        allowed = {f"mode.{k}": v for k, v in mrules.get(m, {}).items()}
        allowed["mode.name"] = f"`{m}`"
        special = {
            itype: [p for p, (_, modes) in table.items() if modes is not None and m in modes]
            for itype, table in irules.items()
        }
        out += ["", f"### mode={m}", "", _first_line(cls), ""]
        out += [_fields_table(cls, "mode.", allowed)]
        for key, what in _cross_field_rules(m):
            out += ["", f"`{key}` must be {what}."]
        listed = [
            f"`{itype}` ({', '.join(f'`{p}`' for p in params)})"
            for itype, params in special.items()
            if params
        ]
        if listed:
            out += [
                "",
                "Intervention parameters only this mode accepts: " + "; ".join(listed) + ".",
            ]
    return "\n".join(out)


def _cross_field_rules(mode: str) -> list[tuple[str, str]]:
    """(key, what it must be) for each rule between keys that the mode declares.

    >>> _cross_field_rules("illusory_operator")
    [('mode.min_delay_cycles', 'at most mode.max_delay_cycles')]
    """
    return list(mode_specs()[mode].rules_text)


def _mind_section(ranges: Mapping[str, str], groups: Mapping[str, str]) -> str:
    out = [
        "## mind",
        "",
        f"`mind=<option>`, default `{groups.get('mind', '')}`; options: "
        + ", ".join(f"`{k}`" for k in schema.MIND_CLASSES)
        + ".",
    ]
    for kind, cls in schema.MIND_CLASSES.items():
        out += ["", f"### mind={kind}", "", _first_line(cls), ""]
        allowed = {**field_allowed(cls, "mind."), "mind.kind": f"`{kind}`"}
        out += [_fields_table(cls, "mind.", allowed)]
    out += [
        "",
        "The simulated mind's memory model and how it answers are described in "
        "[concepts](concepts.md#the-simulated-mind).",
    ]
    return "\n".join(out)


def _options_table(group: str, cls: type) -> str:
    names = [f.name for f in dataclasses.fields(cls)]
    rows = []
    for option, desc, values in _group_files(group):
        rows.append([_code(option), *(_code(_yaml(values.get(n))) for n in names), desc])
    return _table(["option", *names, "description"], rows)


def _resources_section(ranges: Mapping[str, str], groups: Mapping[str, str]) -> str:
    return "\n".join(
        [
            "## resources",
            "",
            _first_line(schema.ResourcesConfig)
            + f" Choose a profile with `resources=<profile>` (default `{groups.get('resources', '')}`)"
            " and change single keys with `resources.<key>=<value>`.",
            "",
            _fields_table(schema.ResourcesConfig, "resources.", ranges),
            "",
            "### Profiles (`conf/resources/`)",
            "",
            _options_table("resources", schema.ResourcesConfig),
        ]
    )


def _self_report_section(ranges: Mapping[str, str], groups: Mapping[str, str]) -> str:
    return "\n".join(
        [
            "## self_report",
            "",
            _first_line(schema.SelfReportConfig)
            + f" Choose a schedule with `self_report=<option>` (default "
            f"`{groups.get('self_report', '')}`). Each time, the mind gets the six questions of "
            "the core battery, then the custom questions; see "
            "[concepts](concepts.md#self-reports).",
            "",
            _fields_table(schema.SelfReportConfig, "self_report.", ranges),
            "",
            "### Options (`conf/self_report/`)",
            "",
            _options_table("self_report", schema.SelfReportConfig),
        ]
    )


def _plain_section(name: str, cls: type, ranges: Mapping[str, str], extra: str = "") -> str:
    parts = [f"## {name}", "", _first_line(cls) + (" " + extra if extra else ""), ""]
    return "\n".join([*parts, _fields_table(cls, f"{name}.", ranges)])


_TRIGGER_WHEN = {
    "on_cycle": "once, at the start of cycle `cycle` (0 = at start-up, before the first cycle)",
    "every_n_cycles": "at the start of every cycle that is a multiple of `n`",
    "on_crash": "when a mind crashes (targets the mind that crashed)",
    "on_resurrection": "right after a mind is resurrected (targets that mind)",
    "random": "at the start of each cycle, with probability `probability`",
}


def _interventions_section(irules: Mapping[str, Any], groups: Mapping[str, str]) -> str:
    entry_allowed = {
        "interventions.N.intervention_id": "unique within the experiment",
        **field_allowed(schema.InterventionConfig, "interventions.N."),
        "interventions.N.trigger_params": "depends on the trigger (below)",
        "interventions.N.parameters": "depends on the type and the mode (below)",
        "interventions.N.target": "a mind id of the mode (below), or null",
    }
    out = [
        "## interventions",
        "",
        _first_line(schema.InterventionConfig)
        + " `interventions` is a list; choose a ready-made list with `interventions=<option>` "
        f"(default `{groups.get('interventions', '')}`). What each type does is described in "
        "[concepts](concepts.md#interventions).",
        "",
        _fields_table(schema.InterventionConfig, "interventions.N.", entry_allowed),
        "",
        "### Types and their parameters",
        "",
        "Every parameter is optional. A parameter limited to some modes is refused in the others.",
        "",
        _table(
            ["intervention_type", "parameter", "allowed", "modes"],
            [
                [_code(itype), _code(p), allowed, ", ".join(modes) if modes else "all"]
                for itype, table in irules.items()
                for p, (allowed, modes) in table.items()
            ],
        ),
        "",
        "`network_disruption` is accepted only in the modes with several minds: "
        + ", ".join(f"`{m}`" for m in multi_mind_modes())
        + ".",
        "",
        "### Triggers and their trigger_params",
        "",
        _table(
            ["trigger", "trigger_params", "required", "fires"],
            [
                [
                    _code(trigger),
                    "; ".join(f"`{k}`: {v}" for k, v in params.items()) or "none",
                    _code(required or ""),
                    _TRIGGER_WHEN.get(trigger, ""),
                ]
                for trigger, (params, required) in trigger_rules().items()
            ],
        ),
        "",
        "### Targets",
        "",
        "`target: null` applies an intervention to every mind (to the mind concerned, for "
        "`on_crash` and `on_resurrection`); otherwise it names one mind:",
        "",
        _table(
            ["mode", "mind ids"],
            [
                [
                    _code(m),
                    ", ".join(f"`{i}`" for i in mind_ids(_default_mode(m))),
                ]
                for m in schema.MODES
            ],
        ),
        "",
        "`hive_cluster` has one id per mind: `hive_0` ... `hive_<num_instances - 1>`.",
        "",
        "### Ready-made lists (`conf/interventions/`)",
    ]
    for option, desc, values in _group_files("interventions"):
        entries = (values or {}).get("interventions") or []
        out += ["", f"`interventions={option}`: {desc}", ""]
        if not entries:
            out += ["(no interventions)"]
            continue
        out += [
            _table(
                [
                    "N",
                    "intervention_id",
                    "intervention_type",
                    "trigger",
                    "trigger_params",
                    "parameters",
                ],
                [
                    [
                        str(i),
                        _code(e.get("intervention_id", "")),
                        _code(e.get("intervention_type", "")),
                        _code(e.get("trigger", "")),
                        _code(_yaml(e.get("trigger_params") or {})),
                        _code(_yaml(e.get("parameters") or {})),
                    ]
                    for i, e in enumerate(entries)
                ],
            )
        ]
    out += [
        "",
        "### Changing and adding interventions",
        "",
        "- A key of an existing entry is set by its index: after `interventions=periodic_corruption`, "
        "`interventions.0.trigger_params.n=2` and `interventions.0.parameters.corruption_rate=0.8` "
        "work (and can be swept with `-m`). `interventions.0.*` with `interventions=none` "
        "is refused: there is no entry 0.",
        "- A key the entry does not have yet is added with `+`: "
        "`+interventions.0.trigger_params.cycle=2`.",
        "- A list of your own: a file `<dir>/interventions/<name>.yaml` that starts with "
        "`# @package _global_` and holds an `interventions:` list like the ones above, used with "
        "`--config-dir <dir> interventions=<name>`.",
    ]
    return "\n".join(out)


def _plugin_conf(module: str, name: str) -> type | None:
    """A Hydra plugin's config dataclass, or None when the plugin is not installed."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _plugin_summary(conf: type) -> str:
    """The first docstring line of the module a plugin config's ``_target_`` lives in."""
    target = getattr(conf, "_target_", "")
    try:
        doc = importlib.import_module(target.rpartition(".")[0]).__doc__ or ""
    except ImportError:
        return ""
    first = inspect.cleandoc(doc).splitlines()[0] if doc.strip() else ""
    return first.replace("``", "`")


def _sweeps_section() -> str:
    sweeper = _plugin_conf("hydra_plugins.brainjar_sweeper.config", "BrainjarSweeperConf")
    launcher = _plugin_conf("hydra_plugins.brainjar_jetson_launcher.config", "JetsonLauncherConf")
    chosen = _hydra_overrides()
    out = [
        "## Sweeps",
        "",
        "`python -m brainjar_sweep -m key=a,b,c other=x,y` runs the cartesian grid of the "
        "listed values, one experiment per job (`range(1,5)` and Hydra's other sweep syntax "
        "work too). The sweeper and the launcher are Hydra plugins, set under `hydra.sweeper` "
        "and `hydra.launcher`.",
    ]
    if sweeper is not None:
        out += [
            "",
            f"### hydra.sweeper (default `{chosen.get('hydra/sweeper', 'basic')}`)",
            "",
            _plugin_summary(sweeper),
            "",
            _fields_table(sweeper, "hydra.sweeper.", {}, skip=("_target_",)),
        ]
    if launcher is not None:
        out += [
            "",
            f"### hydra.launcher (default `{chosen.get('hydra/launcher', 'basic')}`)",
            "",
            _plugin_summary(launcher),
            "",
            _fields_table(launcher, "hydra.launcher.", {}, skip=("_target_",)),
        ]
    return "\n".join(out)


def _aliases_section() -> str:
    rows = []
    for old, new in ALIASES.items():
        if old.endswith("."):
            rows.append([_code(old + "<key>"), _code(new + "<key>")])
        else:
            rows.append([_code(old), _code(new)])
    return "\n".join(
        [
            "## The original project's paths",
            "",
            "Overrides may use the original brain-in-jar project's dotted paths; they are "
            "rewritten before Hydra sees them, on the command line and in `compose()`, "
            "also with `+`, `++` or `~` in front and in sweeps:",
            "",
            _table(["original", "this schema"], rows),
            "",
            "For example `resource_constraints.ram_limit_gb=4` sets `resources.ram_limit_gb` and "
            "`self_report_schedule.every_n_cycles=2` sets `self_report.every_n_cycles`. The "
            "original `interventions.0.parameters.corruption_rate` and "
            "`interventions.0.trigger_params.n` need no rewriting: they work as they are when the "
            "experiment has that intervention, e.g. with `interventions=corruption_on_crash` or "
            "`interventions=periodic_corruption` (see [interventions](#interventions)).",
            "",
            "### base_experiment",
            "",
            "`base_experiment=<original.json>` starts from an original experiment JSON (its "
            "`ExperimentConfig`): its keys replace the defaults, and the other overrides on the "
            "command line still win over the JSON. `resource_constraints`, "
            "`self_report_schedule`, `custom_questions` and `epistemic_frame` map onto "
            "`resources`, `self_report` and `epistemic_frame`; mode parameters that the original "
            "passed in `epistemic_frame.custom_beliefs` (or `hive_config`) go to the `mode` block; "
            "`model_path`, `track_beliefs` and `collect_metrics` are dropped. A `mode=` that "
            "differs from the JSON's mode is refused. A relative path is taken from the directory "
            "the command runs in.",
        ]
    )


def render_reference() -> str:
    """The whole configuration reference as Markdown (the content of ``docs/configuration.md``).

    >>> "## interventions" in render_reference()
    True
    """
    ranges = validated_ranges()
    mrules = mode_rules()
    irules = intervention_rules()
    groups = _group_defaults()
    intro = "\n".join(
        [
            "# Configuration reference",
            "",
            "<!-- Generated from brainjar_sweep/config/schema.py, brainjar_sweep/modes/, "
            "brainjar_sweep/config/validate.py and conf/: do not edit; regenerate with "
            f"`{_REGENERATE}`. -->",
            "",
            "Every key of an experiment, its type, default, the values validation allows and what "
            "it means. Set any key on the command line (`key=value`, nested keys with dots: "
            "`resources.ram_limit_gb=4`), pick group options (`mode=split_brain`), and sweep "
            "with `-m` and comma lists. `python -m brainjar_sweep --cfg job [overrides]` prints "
            "the composed experiment. Unknown keys and wrong types are refused while the config "
            "is composed; the ranges below are checked before anything runs, and a refused "
            "value is reported on one line that names the key, the value and what is allowed.",
            "",
            "Contents: [top-level keys](#top-level-keys), [mode](#mode), [mind](#mind), "
            "[resources](#resources), [self_report](#self_report), "
            "[epistemic_frame](#epistemic_frame), [interventions](#interventions), [db](#db), "
            "[sweeps](#sweeps), [the original project's paths]"
            "(#the-original-projects-paths).",
        ]
    )
    sections = [
        intro,
        "## Top-level keys\n\n" + _top_level(ranges, groups),
        _mode_section(mrules, irules),
        _mind_section(ranges, groups),
        _resources_section(ranges, groups),
        _self_report_section(ranges, groups),
        _plain_section(
            "epistemic_frame",
            schema.EpistemicFrame,
            ranges,
            "It only changes what the mind is told (its prompt), not what happens to it; see "
            "[concepts](concepts.md#epistemic-frame).",
        ),
        _interventions_section(irules, groups),
        _plain_section(
            "db",
            schema.DbConfig,
            ranges,
            "Tables are described in [concepts](concepts.md#the-experiments-database).",
        ),
        _sweeps_section(),
        _aliases_section(),
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


# --- command line ----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Print the reference, or with ``--check`` compare it with the committed file (exit 1 if stale)."""
    parser = argparse.ArgumentParser(
        prog="python tools/gen_config_reference.py",
        description="Print the configuration reference generated from the schema.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the committed reference differs from the generated one",
    )
    parser.add_argument(
        "--file",
        type=Path,
        default=DOCS_FILE,
        help="the reference file --check compares with (default: docs/configuration.md)",
    )
    args = parser.parse_args(argv)
    text = render_reference()
    if not args.check:
        sys.stdout.write(text)
        return 0
    try:
        committed = args.file.read_text()
    except OSError as e:
        print(f"{args.file}: cannot read ({e.strerror}); run: {_REGENERATE}", file=sys.stderr)
        return 1
    if committed != text:
        print(f"{args.file} is out of date; run: {_REGENERATE}", file=sys.stderr)
        return 1
    print(f"{args.file.name} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
