"""The app's part: every fact about the task comes through a hook named in the launcher's config.

Each hook is a dotted path (``package.module.function``) in ``hydra.launcher.<hook>``; a
null hook does nothing, so any Hydra app runs with every hook at its default. What each
hook is asked (docs/launcher.md#hooks):

- ``job_resources(cfg) -> (memory GB | None, threads)``: a job's needs;
- ``job_placement(cfg) -> kind | (kind, config key) | None``: the kind of device a job must
  run on (a Ray custom resource), and the config key that chose it;
- ``preflight(cfgs, hosts)``: raise, before any job, what the task cannot do when its jobs
  run on the other machines ``hosts``;
- ``job_identity(cfg, sweep_dir)``: set what names the job's sweep in its config before it
  runs elsewhere than in ``sweep_dir``;
- ``job_before(cfg, job_dir)``: clear what an earlier attempt left unfinished;
- ``job_left(cfg, job_dir) -> value | None``: the return value of a job that recorded
  itself as completed (it wins over what happened to its process afterwards);
- ``job_end(cfg, job_dir, status, reason, pid)``: record the job's one outcome;
- ``job_files(files, node) -> files``: a job's files as they come back from another machine;
- ``sweep_report(sweep_dir, config, plan)``: an object whose ``update(jobs)`` is called with
  every job of the launch first, then with the jobs whose state changed whenever one starts
  or ends, and at the end; its ``flush()``, if it has one, once the launch ends however it
  ends (completed, interrupted, failed);
- ``job_duration(cfg) -> seconds | None``: a job's predicted seconds (policy longest_first);
- ``job_preload() -> module names``: modules the job-process server imports once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra_plugins.brainjar_jetson_launcher._admission import Slot
from hydra_plugins.brainjar_jetson_launcher._options import HOOKS
from omegaconf import DictConfig

from brainjar_sweep._hooks import load_dotted


@dataclass
class Placement:
    """Where a job must run: a device kind (None: anywhere) and the config key that says so."""

    kind: str | None = None
    key: str = "hydra.launcher.job_placement"


class Hooks:
    """The hooks of one launcher, loaded from its options (a bad path is one line).

    >>> h = Hooks({})
    >>> h.needs([None], default_memory_gb=1.0), h.placement(None), h.left(None, Path("."))
    ({0: Slot(memory_gb=1.0, threads=1)}, Placement(kind=None, key='hydra.launcher.job_placement'), None)
    """

    def __init__(self, p: dict[str, Any]) -> None:
        self.fns: dict[str, Callable[..., Any] | None] = {
            name: load_dotted(p.get(name), f"hydra.launcher.{name}") for name in HOOKS
        }

    def has(self, name: str) -> bool:
        return self.fns.get(name) is not None

    def call(self, name: str, *args: Any) -> Any:
        fn = self.fns.get(name)
        return None if fn is None else fn(*args)

    def needs(self, cfgs: Sequence[DictConfig], default_memory_gb: float) -> dict[int, Slot]:
        """Each job's memory and threads as its config declares them (``job_resources``)."""
        return self.plan_facts(cfgs, default_memory_gb, durations=False)[0]

    def durations(self, cfgs: Sequence[DictConfig]) -> dict[int, float | None]:
        """Each job's predicted seconds (``job_duration``; None: not predicted)."""
        return self.plan_facts(cfgs, 1.0, needs=False)[1]

    def plan_facts(
        self,
        cfgs: Sequence[DictConfig],
        default_memory_gb: float,
        needs: bool = True,
        durations: bool = True,
    ) -> tuple[dict[int, Slot], dict[int, float | None]]:
        """:meth:`needs` and :meth:`durations` in one pass: each config is read once, and
        only when a hook asks for it (``cfgs`` may compose each job as it is read).

        >>> Hooks({}).plan_facts([None], 2.0)
        ({0: Slot(memory_gb=2.0, threads=1)}, {0: None})
        """
        res = self.fns.get("job_resources") if needs else None
        dur = self.fns.get("job_duration") if durations else None
        slots: dict[int, Slot] = {}
        seconds: dict[int, float | None] = {}
        for i in range(len(cfgs)):
            cfg = cfgs[i] if res is not None or dur is not None else None
            mem, threads = res(cfg) if res is not None else (None, 1)
            slots[i] = Slot(
                float(mem) if mem is not None else default_memory_gb, max(1, int(threads))
            )
            got = dur(cfg) if dur is not None else None
            seconds[i] = None if got is None else float(got)
        return slots, seconds

    def preload(self) -> tuple[str, ...]:
        """The modules each job starts with imported (``job_preload``)."""
        return tuple(str(m) for m in self.call("job_preload") or ())

    def placement(self, cfg: DictConfig) -> Placement:
        """The device kind a job must run on (``job_placement``)."""
        got = self.call("job_placement", cfg)
        if isinstance(got, (tuple, list)):
            return Placement(str(got[0]) if got[0] else None, str(got[1]))
        return Placement(str(got) if got else None)

    def left(self, cfg: DictConfig, job_dir: Path) -> Any:
        """The value of a job that recorded itself completed in ``job_dir`` (``job_left``)."""
        return self.call("job_left", cfg, job_dir)

    def files(self, files: dict[str, bytes], node: dict[str, Any]) -> dict[str, bytes]:
        """A job's files from another machine, as the app keeps them (``job_files``)."""
        got = self.call("job_files", files, node)
        return files if got is None else got
