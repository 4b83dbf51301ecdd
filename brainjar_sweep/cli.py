"""The ``brainjar-sweep`` command.

- ``brainjar-sweep [overrides]``: the same as ``python -m brainjar_sweep`` (``-m`` for a sweep);
- ``brainjar-sweep resume <sweep dir>``: continue an interrupted or failed sweep;
- ``brainjar-sweep convert <old sweep.yaml> [-o DIR]``: turn an original sweep file into a
  Hydra sweep config;
- ``brainjar-sweep watch <sweep dir> [--port N] [--host H] [--token T]``: a live page of a
  running or finished sweep in the browser (extra ``[web]``).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

import yaml

from brainjar_sweep._yaml import read_yaml
from brainjar_sweep.config import ConfigError

# what the original's sweep files called things -> this project's keys
_SWEEP_KEYS = {"sweep_id", "base_config", "description", "sweep", "parallel", "jetson_optimized"}
_SWEEP_KEYS |= {"timeout", "db_path", "output_dir", "resume", "max_retries", "tags"}


# override keys that name code to run (Hydra instantiates _target_, the sweeper calls its hooks)
_CODE_KEYS = re.compile(
    r"(^|[./])(_target_|_args_|_partial_|callbacks?)($|[./=])"
    r"|^hydra\.(sweeper\.(validator|job_state|estimate)|launcher\.job_resources)$"
    r"|^hydra/callbacks\b|^(--config|-cp|-cn|--info|-c\b)"
)


def _check_saved_override(saved: Path, override: str) -> None:
    """Refuse an override in a saved multirun.yaml that names code to run rather than a value.

    A sweep dir may come from elsewhere: resume must not run what a changed file names. The
    sweeper and launcher a sweep ran with are not overrides the resume needs.

    >>> _check_saved_override(Path("m.yaml"), "seed=0,1")
    >>> _check_saved_override(Path("m.yaml"), "+hydra.callbacks.x._target_=os.system")
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: multirun.yaml='+hydra.callbacks.x._target_=os.system' is not allowed: overrides of config values (not code to run: _target_, callbacks, sweeper or launcher hooks); run that command yourself if you meant it
    """
    key = override.lstrip("+~").partition("=")[0].strip()
    if _CODE_KEYS.search(key) or "\n" in override:
        raise ConfigError(
            "multirun.yaml",
            override,
            "overrides of config values (not code to run: _target_, callbacks, sweeper or "
            "launcher hooks); run that command yourself if you meant it",
        )


def resume_args(sweep_dir: str | Path) -> tuple[list[str], str]:
    """The command-line arguments that resume the sweep in ``sweep_dir``, and its working dir.

    Read from the sweep's ``multirun.yaml``: the same overrides as the first run, the same
    sweep dir, and ``hydra.sweeper.resume=true``.
    """
    d = Path(sweep_dir).resolve()
    saved = d / "multirun.yaml"
    if not saved.is_file():
        raise ConfigError("sweep_dir", str(sweep_dir), "a sweep directory with a multirun.yaml")
    cfg = read_yaml(saved, "multirun.yaml", "a sweep's saved config")
    allowed = "a sweep's saved config (a mapping with hydra.overrides.task and .hydra lists)"
    hydra = cfg.get("hydra") if isinstance(cfg, dict) else None
    overrides = hydra.get("overrides") if isinstance(hydra, dict) else None
    if not isinstance(overrides, dict) or not all(
        isinstance(overrides.get(k, []), list) for k in ("task", "hydra")
    ):
        raise ConfigError("multirun.yaml", str(saved), allowed)
    task = [str(x) for x in overrides.get("task", [])]
    extra = [str(x) for x in overrides.get("hydra", [])]
    for ov in task + extra:
        _check_saved_override(saved, ov)
    # a base experiment is expanded again by the entry point: drop what the expansion added
    task = [t for t in task if not t.startswith("+experiment=base_")]
    extra = [
        h
        for h in extra
        if not h.startswith(("hydra.sweep.dir=", "hydra.sweeper.resume=", "hydra.mode="))
        and not (h.startswith("hydra.searchpath=") and "brainjar_sweep-base-" in h)
    ]
    runtime = hydra.get("runtime")
    cwd = str((runtime.get("cwd") if isinstance(runtime, dict) else None) or os.getcwd())
    return ["-m", *task, *extra, f"hydra.sweep.dir={d}", "hydra.sweeper.resume=true"], cwd


def _values(values: Any) -> str:
    if not isinstance(values, list):
        values = [values]
    out = []
    for v in values:
        text = yaml.safe_dump(v, default_flow_style=True).strip()
        if text.endswith("..."):
            text = text[:-3].strip()
        if isinstance(v, str) and ("," in v or " " in v):
            text = "'" + v.replace("'", "\\'") + "'"
        out.append(text)
    return ",".join(out)


def _find_base(path: str, sweep_file: Path) -> Path:
    cands = [Path(path)] + [p / path for p in [sweep_file.parent, *sweep_file.parents]]
    for c in cands:
        if c.is_file():
            return c.resolve()
    raise ConfigError(
        "base_config",
        path,
        "an existing experiment JSON (relative to the working dir or the sweep file)",
    )


# what each key of an original sweep file must be (null: left out)
_SWEEP_SHAPES: dict[str, tuple[Any, str]] = {
    "sweep_id": ((str, int), "a name"),
    "base_config": (str, "the path of an experiment JSON"),
    "description": (str, "a text"),
    "sweep": (dict, "a mapping of key -> list of values"),
    "parallel": ((int, bool), "an integer"),
    "jetson_optimized": (bool, "true or false"),
    "timeout": ((int, float), "a number of seconds > 0"),
    "db_path": (str, "a path"),
    "output_dir": (str, "a path"),
    "resume": (bool, "true or false"),
    "max_retries": (int, "an integer >= 0"),
    "tags": (list, "a list of texts"),
}


def _check_sweep_file(old: dict[str, Any]) -> None:
    for key, (kind, what) in _SWEEP_SHAPES.items():
        value = old.get(key)
        if value is None:
            continue
        bad = not isinstance(value, kind) or (
            isinstance(value, bool) and bool not in _as_tuple(kind)
        )
        if key == "timeout" and not bad:
            bad = not 0 < value < float("inf")
        if key == "max_retries" and not bad:
            bad = value < 0
        if bad:
            raise ConfigError(f"sweep_file.{key}", value, what)
    for key, values in (old.get("sweep") or {}).items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][\w.]*", key):
            raise ConfigError("sweep_file.sweep", key, "config keys (letters, digits, _ and .)")
        for v in values if isinstance(values, list) else [values]:
            if isinstance(v, (dict, list)):
                raise ConfigError(f"sweep_file.sweep.{key}", v, "a list of plain values")


def _as_tuple(kind: Any) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def convert_sweep(path: str | Path) -> tuple[str, dict[str, Any]]:
    """Convert an original sweep YAML into (sweep id, a ``sweep`` group config for Hydra).

    The base experiment JSON is inlined, so the result needs nothing else.
    """
    from brainjar_sweep.config import ALIASES, original_as_hydra_config

    src = Path(path)
    old = read_yaml(src, "sweep_file", "an original sweep YAML file")
    if not isinstance(old, dict) or "sweep" not in old or "base_config" not in old:
        raise ConfigError(
            "sweep_file", str(path), "an original sweep file with 'base_config' and 'sweep'"
        )
    for key in old:
        if key not in _SWEEP_KEYS:
            raise ConfigError(
                f"sweep_file.{key}", old[key], "one of " + ", ".join(sorted(_SWEEP_KEYS))
            )
    _check_sweep_file(old)
    sweep_id = str(old.get("sweep_id") or src.stem)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", sweep_id):
        raise ConfigError(
            "sweep_file.sweep_id", sweep_id, "a name of letters, digits, _ . - (it names a file)"
        )
    doc = original_as_hydra_config(str(_find_base(str(old["base_config"]), src)))
    doc["sweep_id"] = sweep_id
    if old.get("description"):
        doc["description"] = old["description"]
    if old.get("tags"):
        doc["tags"] = list(old["tags"])
    if old.get("db_path"):
        doc["db"] = {"path": old["db_path"]}
    params = {}
    for key, values in (old.get("sweep") or {}).items():
        for a, b in ALIASES.items():
            if key.startswith(a):
                key = b + key[len(a) :]
                break
        params[key] = _values(values)
    hydra: dict[str, Any] = {
        "sweep": {"dir": f"{old.get('output_dir') or 'multirun'}/${{sweep_id}}"},
        "sweeper": {"params": params, "max_retries": int(old.get("max_retries") or 0)},
    }
    launcher: dict[str, Any] = {}
    if old.get("timeout"):
        launcher["timeout_s"] = float(old["timeout"])
    if isinstance(old.get("parallel"), int) and old["parallel"] > 0:
        launcher["max_parallel"] = old["parallel"]
    if launcher:
        hydra["launcher"] = launcher
    doc["hydra"] = hydra
    return sweep_id, doc


def _convert(args: argparse.Namespace) -> int:
    sweep_id, doc = convert_sweep(args.sweep_file)
    out_root = Path(args.output).resolve()
    target = out_root / "sweep" / f"{sweep_id}.yaml"
    from brainjar_sweep._atomic import write_text_atomic

    text = f"# @package _global_\n# converted from {Path(args.sweep_file).name}\n"
    write_text_atomic(target, text + yaml.safe_dump(doc, sort_keys=False))
    print(f"wrote {target}")
    print(
        f"run it:  python -m brainjar_sweep -m 'hydra.searchpath=[file://{out_root}]' +sweep={sweep_id}"
    )
    print("dry run: add hydra.sweeper.dry_run=true")
    return 0


def _resume(args: argparse.Namespace) -> int:
    from brainjar_sweep.app import main as app_main

    argv, cwd = resume_args(args.sweep_dir)
    if Path(cwd).is_dir():
        os.chdir(cwd)  # the experiments DB path is relative to where the sweep started
    return app_main(argv)


def check_watch_args(args: argparse.Namespace) -> None:
    """Refuse a bad ``watch`` argument in one line, before anything is served.

    >>> ns = argparse.Namespace(sweep_dir=".", port=70000, host="127.0.0.1", token=None)
    >>> check_watch_args(ns)
    Traceback (most recent call last):
    ...
    brainjar_sweep.config.errors.ConfigError: --port=70000 is not allowed: a port number in [0, 65535] (0: any free port)
    """
    d = Path(args.sweep_dir)
    if not d.is_dir():
        raise ConfigError("sweep_dir", args.sweep_dir, "an existing sweep directory")
    if not 0 <= args.port <= 65535:
        raise ConfigError("--port", args.port, "a port number in [0, 65535] (0: any free port)")
    if not args.host or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", args.host):
        raise ConfigError("--host", args.host, "a host name or IP address to listen on")
    if args.token is not None and not re.fullmatch(r"[A-Za-z0-9_~.-]{16,}", args.token):
        raise ConfigError(
            "--token", "<hidden>", "at least 16 letters, digits or - _ . ~ (none: one is made)"
        )


def _watch(args: argparse.Namespace) -> int:
    import logging

    from brainjar_sweep._imports import MissingExtra

    check_watch_args(args)
    try:
        from brainjar_sweep.watch import serve
        from brainjar_sweep.watch.server import is_loopback

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("[watch] %(message)s"))
        wlog = logging.getLogger("brainjar_sweep.watch")
        wlog.addHandler(handler)
        wlog.setLevel(logging.INFO)

        def announce(url: str) -> None:
            where = "" if is_loopback(args.host) else " (give the token to no one else)"
            print(f"watching {Path(args.sweep_dir).resolve()} at {url}{where}", flush=True)
            print("Ctrl-C stops the page (the sweep runs on)", flush=True)

        serve(args.sweep_dir, host=args.host, port=args.port, token=args.token, announce=announce)
    except MissingExtra as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # the address is taken, or not this machine's
        why = e.strerror or type(e).__name__
        print(f"error: cannot listen on {args.host}:{args.port}: {why}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


COMMANDS_HELP = """\
brainjar-sweep: run experiments and sweeps, and look after sweeps.

Commands:
  brainjar-sweep [overrides]               run an experiment, or a sweep with -m (the app, below)
  brainjar-sweep resume <sweep dir>        continue a sweep: skip completed jobs, run the rest
  brainjar-sweep convert <old sweep.yaml>  turn an original sweep YAML into a Hydra sweep config
  brainjar-sweep watch <sweep dir>         a live page of a sweep in the browser (extra [web])
  (brainjar-sweep resume --help, convert --help, watch --help: their options)
"""


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``brainjar-sweep``."""
    argv = sys.argv[1:] if argv is None else argv
    commands = ("resume", "convert", "watch")
    if argv and argv[0] not in commands and {"--help", "-h"} & set(argv):
        print(COMMANDS_HELP)  # then the app's own help
    if argv and argv[0] in commands:
        parser = argparse.ArgumentParser(prog="brainjar-sweep")
        sub = parser.add_subparsers(dest="command", required=True)
        r = sub.add_parser("resume", help="continue a sweep: skip completed jobs, run the rest")
        r.add_argument("sweep_dir")
        c = sub.add_parser("convert", help="turn an original sweep YAML into a Hydra sweep config")
        c.add_argument("sweep_file")
        c.add_argument(
            "-o", "--output", default="sweeps", help="config dir to write sweep/<id>.yaml into"
        )
        w = sub.add_parser("watch", help="a live page of a sweep in the browser (extra [web])")
        w.add_argument("sweep_dir", help="the sweep's directory (running or finished)")
        w.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
        w.add_argument(
            "--host",
            default="127.0.0.1",
            help="address to listen on (default 127.0.0.1; any other needs the token)",
        )
        w.add_argument(
            "--token",
            default=None,
            help="token every request must carry (default: none on 127.0.0.1, else a new one)",
        )
        args = parser.parse_args(argv)
        run = {"resume": _resume, "convert": _convert, "watch": _watch}[args.command]
        try:
            return run(args)
        except ConfigError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        except OSError as e:  # e.g. the converted file cannot be written
            from brainjar_sweep._errors import os_error_line

            print(f"error: {os_error_line(e)}", file=sys.stderr)
            return 1
    from brainjar_sweep.app import main as app_main

    return app_main(argv)


def run() -> NoReturn:
    """The ``brainjar-sweep`` program: :func:`main`'s exit code, the process ended by
    :func:`~brainjar_sweep._exit.exit_program`."""
    from brainjar_sweep._exit import exit_program

    exit_program(main())


if __name__ == "__main__":
    run()
