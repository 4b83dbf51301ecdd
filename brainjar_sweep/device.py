"""Device detection (Jetson, Raspberry Pi, desktop) and capacity arithmetic for parallel runs.

:func:`detect` reads the machine's own files below a root directory (``/`` on a real
machine, a fake tree in tests) and never raises on a missing or garbled file: what cannot be
read stays ``None`` and everything else is still filled in. RAM figures are GiB (2**30 bytes)
throughout, taken from ``/proc/meminfo``.

The capacity helpers (:func:`memory_budget_gb`, :func:`job_memory_need_gb`,
:func:`parallel_capacity`, :func:`original_capacity`) are pure arithmetic.

Command line::

    python -m brainjar_sweep.device            # readable summary
    python -m brainjar_sweep.device --json     # JSON
    python -m brainjar_sweep.device --root PATH --json   # read a fake tree
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from brainjar_sweep._device_boards import (
    looks_like_jetson,
    looks_like_pi,
    pi_model_key,
    pi_ram_gb_from_revision,
    resolve_jetson_module,
    soc_from_compatible,
    tegra_gpu,
)
from brainjar_sweep._device_read import (
    CpuInfo,
    kib_to_gib,
    parse_cpu_list,
    parse_cpuinfo,
    parse_dt_string,
    parse_dt_strings,
    parse_dt_u32,
    parse_l4t_release,
    parse_meminfo,
    read_bytes,
    read_text,
    read_thermal_zones,
)
from brainjar_sweep._device_summary import print_summary, summary_rows

__all__ = [
    "DeviceInfo",
    "DeviceKind",
    "GpuInfo",
    "GpuKind",
    "detect",
    "job_memory_need_gb",
    "main",
    "memory_budget_gb",
    "original_capacity",
    "parallel_capacity",
    "parse_nvidia_smi",
]

DeviceKind = Literal["jetson", "raspberry_pi", "desktop"]
GpuKind = Literal["jetson_unified", "nvidia_discrete"]

NVIDIA_SMI_QUERY: tuple[str, ...] = (
    "--query-gpu=name,memory.total",
    "--format=csv,noheader,nounits",
)
_NVIDIA_SMI_TIMEOUT_S = 10.0

# Device-tree locations, relative to the root; /proc/device-tree links to the second one.
_DT_DIRS = ("proc/device-tree", "sys/firmware/devicetree/base")

# DMI strings that firmware vendors leave as placeholders.
_DMI_PLACEHOLDERS = frozenset(
    {
        "",
        "to be filled by o.e.m.",
        "system product name",
        "system manufacturer",
        "default string",
        "not specified",
        "not applicable",
        "none",
        "unknown",
        "o.e.m.",
    }
)


@dataclass(frozen=True)
class GpuInfo:
    """The GPU a job could use.

    ``kind`` is ``"jetson_unified"`` (integrated GPU sharing system RAM; ``memory_gb`` is then
    MemTotal), ``"nvidia_discrete"`` (``name``/``memory_gb`` describe the first of ``count``
    cards reported by ``nvidia-smi``), or ``None`` when no usable GPU was found.

    >>> GpuInfo().kind is None
    True
    """

    kind: GpuKind | None = None
    name: str | None = None
    memory_gb: float | None = None
    count: int = 0
    cuda_arch: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict.

        >>> GpuInfo(kind="nvidia_discrete", name="X", memory_gb=8.0, count=1).to_dict()["name"]
        'X'
        """
        return {
            "kind": self.kind,
            "name": self.name,
            "memory_gb": self.memory_gb,
            "count": self.count,
            "cuda_arch": self.cuda_arch,
        }


@dataclass(frozen=True)
class DeviceInfo:
    """What :func:`detect` found out about a machine. Unknown values are ``None``.

    - ``kind``: ``"jetson"``, ``"raspberry_pi"`` or ``"desktop"`` (anything else, including
      laptops, servers and other boards).
    - ``model``: human-readable board/machine name (device-tree ``model``, or DMI vendor and
      product on PCs).
    - ``soc``: e.g. ``"tegra234"`` or ``"bcm2712"``; ``compatible``: device-tree entries.
    - ``jetson_module``: e.g. ``"orin_agx_64gb"``, ``"orin_nano_8gb"``, ``"xavier_agx"``,
      ``"nano"``; ``jetson_part``: e.g. ``"p3701-0005"``; ``l4t_release``: e.g. ``"36.4.7"``.
    - ``pi_model``: key such as ``"pi_5_model_b"``; ``pi_revision``: code such as ``"c04170"``.
    - ``board_ram_gb``: nominal RAM on the label (part number or Pi revision code).
    - ``total_ram_gb`` / ``available_ram_gb``: MemTotal / MemAvailable in GiB.
    - ``cpu_cores``: online CPUs; ``cpu_model``: ``model name`` from ``/proc/cpuinfo``.
    - ``thermal_zones``: ``(zone type, degrees C)`` pairs; ``max_temperature_c``: their maximum.

    >>> DeviceInfo(kind="desktop").gpu.kind is None
    True
    """

    kind: DeviceKind = "desktop"
    model: str | None = None
    soc: str | None = None
    compatible: tuple[str, ...] = ()
    jetson_module: str | None = None
    jetson_part: str | None = None
    l4t_release: str | None = None
    pi_model: str | None = None
    pi_revision: str | None = None
    board_ram_gb: float | None = None
    total_ram_gb: float | None = None
    available_ram_gb: float | None = None
    cpu_cores: int | None = None
    cpu_model: str | None = None
    gpu: GpuInfo = field(default_factory=GpuInfo)
    thermal_zones: list[tuple[str, float]] = field(default_factory=list)
    max_temperature_c: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (thermal zones as ``{"name", "celsius"}`` objects).

        >>> d = DeviceInfo(kind="jetson", thermal_zones=[("tj-thermal", 52.875)]).to_dict()
        >>> d["kind"], d["thermal_zones"]
        ('jetson', [{'name': 'tj-thermal', 'celsius': 52.875}])
        """
        return {
            "kind": self.kind,
            "model": self.model,
            "soc": self.soc,
            "compatible": list(self.compatible),
            "jetson_module": self.jetson_module,
            "jetson_part": self.jetson_part,
            "l4t_release": self.l4t_release,
            "pi_model": self.pi_model,
            "pi_revision": self.pi_revision,
            "board_ram_gb": self.board_ram_gb,
            "total_ram_gb": self.total_ram_gb,
            "available_ram_gb": self.available_ram_gb,
            "cpu_cores": self.cpu_cores,
            "cpu_model": self.cpu_model,
            "gpu": self.gpu.to_dict(),
            "thermal_zones": [{"name": name, "celsius": c} for name, c in self.thermal_zones],
            "max_temperature_c": self.max_temperature_c,
        }


# --------------------------------------------------------------------------- nvidia-smi


def _parse_mib(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return value / 1024


def parse_nvidia_smi(output: str) -> list[GpuInfo]:
    """Parse ``nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits``.

    One line per GPU, fields separated by ``", "``, memory in MiB. Extra trailing fields (from a
    longer query) are ignored; ``[N/A]``-style memory gives ``memory_gb=None``; blank or
    malformed lines are skipped.

    >>> gpus = parse_nvidia_smi("NVIDIA GeForce RTX 3090, 24576\\n")
    >>> gpus[0].name, gpus[0].memory_gb, gpus[0].kind
    ('NVIDIA GeForce RTX 3090', 24.0, 'nvidia_discrete')
    """
    gpus: list[GpuInfo] = []
    for line in output.splitlines():
        fields = [part.strip() for part in line.split(",")]
        if len(fields) < 2 or not fields[0] or fields[0].startswith("["):
            continue
        gpus.append(
            GpuInfo(
                kind="nvidia_discrete",
                name=fields[0],
                memory_gb=_parse_mib(fields[1]),
                count=1,
            )
        )
    return gpus


def _query_nvidia_smi() -> list[GpuInfo]:
    binary = shutil.which("nvidia-smi")
    if binary is None:
        return []
    try:
        done = subprocess.run(
            [binary, *NVIDIA_SMI_QUERY],
            capture_output=True,
            text=True,
            timeout=_NVIDIA_SMI_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return []
    if done.returncode != 0:
        return []
    return parse_nvidia_smi(done.stdout)


# --------------------------------------------------------------------------- detection


def _is_live_root(root: Path) -> bool:
    try:
        return root.resolve() == Path("/").resolve()
    except (OSError, RuntimeError):
        return False


def _read_dt(root: Path, name: str) -> bytes | None:
    for directory in _DT_DIRS:
        data = read_bytes(root / directory / name)
        if data is not None:
            return data
    return None


def _dmi_model(root: Path) -> str | None:
    words: list[str] = []
    for name in ("sys_vendor", "product_name"):
        value = (read_text(root / "sys/class/dmi/id" / name) or "").strip()
        usable = value.isprintable() and "\ufffd" not in value
        if usable and value.lower() not in _DMI_PLACEHOLDERS:
            words.append(value)
    return " ".join(words) or None


def _psutil_memory() -> tuple[float | None, float | None]:
    try:
        import psutil

        memory = psutil.virtual_memory()
    except Exception:  # psutil missing or the platform query failed
        return None, None
    return memory.total / 2**30, memory.available / 2**30


def detect(root: str | Path = "/") -> DeviceInfo:
    """Detect the board, RAM, CPUs, GPU and temperatures from the files below ``root``.

    ``root`` is ``/`` on a real machine; tests point it at a fake tree. Only for the live
    root does detection also use psutil (if ``/proc/meminfo`` is unreadable),
    ``os.cpu_count()`` (if the CPU files are) and ``nvidia-smi`` (non-Jetson machines, if
    the binary exists). Never raises because of a missing or garbled file.

    >>> info = detect("/no/such/root")
    >>> info.kind, info.total_ram_gb, info.thermal_zones
    ('desktop', None, [])
    """
    base = Path(root)
    live = _is_live_root(base)
    dt_model = parse_dt_string(_read_dt(base, "model"))
    compatible = parse_dt_strings(_read_dt(base, "compatible"))
    soc = soc_from_compatible(compatible)
    l4t_release = parse_l4t_release(read_text(base / "etc/nv_tegra_release"))
    cpuinfo = parse_cpuinfo(read_text(base / "proc/cpuinfo"))
    common = _common_facts(base, live, cpuinfo)
    common.update(soc=soc, compatible=compatible)
    if looks_like_jetson(dt_model, compatible, soc) or l4t_release is not None:
        return _jetson(base, dt_model, l4t_release, common)
    pi_name = dt_model or cpuinfo.fields.get("model")
    if looks_like_pi(pi_name, compatible):
        return _raspberry_pi(base, pi_name, cpuinfo, common)
    gpu = GpuInfo()
    if live:
        gpus = _query_nvidia_smi()
        if gpus:
            gpu = GpuInfo(
                kind="nvidia_discrete",
                name=gpus[0].name,
                memory_gb=gpus[0].memory_gb,
                count=len(gpus),
            )
    return DeviceInfo(kind="desktop", model=dt_model or _dmi_model(base), gpu=gpu, **common)


def _common_facts(base: Path, live: bool, cpuinfo: CpuInfo) -> dict[str, Any]:
    """RAM, CPUs and temperatures, the facts every kind of machine has."""
    meminfo = parse_meminfo(read_text(base / "proc/meminfo"))
    total_ram_gb = kib_to_gib(meminfo.get("MemTotal"))
    available_ram_gb = kib_to_gib(meminfo.get("MemAvailable"))
    if live and (total_ram_gb is None or available_ram_gb is None):
        live_total, live_available = _psutil_memory()
        total_ram_gb = total_ram_gb if total_ram_gb is not None else live_total
        available_ram_gb = available_ram_gb if available_ram_gb is not None else live_available

    cpu_cores = parse_cpu_list(read_text(base / "sys/devices/system/cpu/online"))
    if cpu_cores is None:
        cpu_cores = cpuinfo.processors
    if cpu_cores is None and live:
        cpu_cores = os.cpu_count()

    thermal_zones = read_thermal_zones(base / "sys/class/thermal")
    return {
        "total_ram_gb": total_ram_gb,
        "available_ram_gb": available_ram_gb,
        "cpu_cores": cpu_cores,
        "cpu_model": cpuinfo.fields.get("model name"),
        "thermal_zones": thermal_zones,
        "max_temperature_c": max((c for _, c in thermal_zones), default=None),
    }


def _jetson(
    base: Path, dt_model: str | None, l4t_release: str | None, common: dict[str, Any]
) -> DeviceInfo:
    """A Jetson: its module from the device tree and its RAM, its GPU from the SoC."""
    module = resolve_jetson_module(
        model=dt_model,
        compatible=common["compatible"],
        soc=common["soc"],
        dts_filename=parse_dt_string(_read_dt(base, "nvidia,dtsfilename")),
        total_ram_gb=common["total_ram_gb"],
    )
    gpu_name, cuda_arch = tegra_gpu(common["soc"])
    return DeviceInfo(
        kind="jetson",
        model=dt_model,
        jetson_module=module.module,
        jetson_part=module.part,
        l4t_release=l4t_release,
        board_ram_gb=module.board_ram_gb,
        gpu=GpuInfo(
            kind="jetson_unified",
            name=gpu_name,
            memory_gb=common["total_ram_gb"],
            count=1,
            cuda_arch=cuda_arch,
        ),
        **common,
    )


def _raspberry_pi(
    base: Path, name: str | None, cpuinfo: CpuInfo, common: dict[str, Any]
) -> DeviceInfo:
    """A Raspberry Pi: its model, and its board RAM from the revision code."""
    revision = cpuinfo.fields.get("revision")
    if revision is None:
        code = parse_dt_u32(_read_dt(base, "system/linux,revision"))
        revision = f"{code:x}" if code is not None else None
    return DeviceInfo(
        kind="raspberry_pi",
        model=name,
        pi_model=pi_model_key(name),
        pi_revision=revision,
        board_ram_gb=pi_ram_gb_from_revision(revision),
        **common,
    )


# --------------------------------------------------------------------------- capacity


def hottest_zone_c(root: str | Path = "/") -> float | None:
    """The highest thermal-zone temperature under ``root`` right now (None without zones).

    Cheaper than :func:`detect` (reads only ``sys/class/thermal``); the launcher polls it.

    >>> hottest_zone_c("/no/such/root") is None
    True
    """
    zones = read_thermal_zones(Path(root) / "sys/class/thermal")
    return max((c for _, c in zones), default=None)


def memory_budget_gb(total_ram_gb: float, reserve_fraction: float = 0.3) -> float:
    """RAM that parallel jobs may use: the total minus a reserved fraction (default 30%).

    >>> round(memory_budget_gb(64.0), 6)
    44.8
    >>> memory_budget_gb(8.0, reserve_fraction=0.5)
    4.0
    """
    if total_ram_gb < 0:
        raise ValueError(f"total_ram_gb must be >= 0, got {total_ram_gb}")
    if not 0.0 <= reserve_fraction < 1.0:
        raise ValueError(f"reserve_fraction must be in [0, 1), got {reserve_fraction}")
    return total_ram_gb * (1.0 - reserve_fraction)


def job_memory_need_gb(ram_limit_gb: float, overhead_gb: float = 0.5) -> float:
    """Memory one job needs: its RAM limit plus a fixed per-process overhead.

    >>> job_memory_need_gb(2.0)
    2.5
    >>> job_memory_need_gb(4.0, overhead_gb=1.0)
    5.0
    """
    if ram_limit_gb < 0 or overhead_gb < 0:
        raise ValueError("ram_limit_gb and overhead_gb must be >= 0")
    return ram_limit_gb + overhead_gb


def parallel_capacity(
    *,
    budget_gb: float,
    job_mem_gb: float,
    cpu_cores: int,
    threads_per_job: int,
    hard_cap: int | None = None,
) -> int:
    """How many jobs fit side by side: ``min(budget // job_mem, cores // threads, hard_cap)``.

    The result is never below 1 (one job always runs, even on a machine that is too small).
    A tiny tolerance keeps float noise (``0.6 / 0.2 == 2.999...``) from dropping a slot.

    >>> parallel_capacity(budget_gb=44.8, job_mem_gb=2.5, cpu_cores=12, threads_per_job=2)
    6
    >>> parallel_capacity(budget_gb=5.6, job_mem_gb=2.5, cpu_cores=6, threads_per_job=2)
    2
    >>> parallel_capacity(budget_gb=1.0, job_mem_gb=4.0, cpu_cores=4, threads_per_job=4)
    1
    """
    if job_mem_gb <= 0:
        raise ValueError(f"job_mem_gb must be > 0, got {job_mem_gb}")
    if threads_per_job < 1:
        raise ValueError(f"threads_per_job must be >= 1, got {threads_per_job}")
    by_memory = math.floor(budget_gb / job_mem_gb + 1e-9)
    by_cpu = cpu_cores // threads_per_job
    limit = min(by_memory, by_cpu)
    if hard_cap is not None:
        limit = min(limit, hard_cap)
    return max(1, limit)


def original_capacity(ram_per_experiment_gb: float = 2.0) -> int:
    """The original project's fixed formula, kept as the baseline to compare against.

    ``min(int(44.8 / ram), 12 // 2, 4)``: 44.8 GB is 70% of a 64 GB AGX Orin, 12 cores at two
    threads per experiment, and a hard cap of 4. Unlike :func:`parallel_capacity` it is not
    clamped to 1, so a job larger than 44.8 GB gives 0.

    >>> original_capacity()
    4
    >>> original_capacity(12.0)
    3
    """
    if ram_per_experiment_gb <= 0:
        raise ValueError(f"ram_per_experiment_gb must be > 0, got {ram_per_experiment_gb}")
    return min(int(44.8 / ram_per_experiment_gb), 12 // 2, 4)


# --------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: print what :func:`detect` finds; returns the exit code.

    >>> main(["--json", "--root", "/no/such/root"])  # doctest: +ELLIPSIS
    {
      "kind": "desktop",
    ...
    0
    """
    parser = argparse.ArgumentParser(
        prog="python -m brainjar_sweep.device",
        description="Detect the board, memory, CPUs, GPU and temperatures of this machine.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a summary")
    parser.add_argument(
        "--root", default="/", help="read device files below this directory (default: /)"
    )
    args = parser.parse_args(argv)
    info = detect(args.root)
    if args.json:
        print(json.dumps(info.to_dict(), indent=2))
        return 0
    print_summary(summary_rows(info), rich=sys.stdout.isatty())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
