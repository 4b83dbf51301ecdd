"""Tolerant readers and parsers for the files that device detection looks at.

Every function here returns ``None`` (or an empty container) for a missing, unreadable or
garbled input instead of raising, so one bad file never hides the facts found in the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

# Generous upper bound for any single file read (``/proc/cpuinfo`` on big machines is ~100 KB).
_MAX_BYTES = 4 * 1024 * 1024

# Thermal readings outside this window (in degrees Celsius) are treated as sensor garbage.
_MIN_PLAUSIBLE_C = -40.0
_MAX_PLAUSIBLE_C = 150.0

# Zones whose reading is a fixed placeholder rather than a measurement (Jetson ``PMIC-Die``
# always reports 100 C; tegrastats and jtop skip it as well).
_PLACEHOLDER_ZONES = frozenset({"pmic-die"})

_L4T_RE = re.compile(r"R(\d+)\s*\(release\),\s*REVISION:\s*(\d+(?:\.\d+)*)")
_MEMINFO_RE = re.compile(r"^([^:\s][^:]*):\s+(-?\d+)(?:\s+kB)?\s*$")
_CPUINFO_RE = re.compile(r"^([^:]*?)\s*:\s?(.*)$")
_INT_RE = re.compile(r"-?\d+")


def _is_ascii_int(text: str) -> bool:
    return text.isascii() and text.isdigit()


def read_bytes(path: Path) -> bytes | None:
    """Return the bytes of ``path`` (at most a few MiB), or ``None`` if it cannot be read."""
    try:
        with path.open("rb") as handle:
            return handle.read(_MAX_BYTES)
    except (OSError, ValueError):
        return None


def read_text(path: Path) -> str | None:
    """Return ``path`` decoded as UTF-8, replacing undecodable bytes, or ``None`` if unreadable."""
    data = read_bytes(path)
    if data is None:
        return None
    return data.decode("utf-8", errors="replace")


def _clean_dt_string(raw: bytes) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    text = text.strip()
    if not text or not text.isprintable():
        return None
    return text


def parse_dt_strings(data: bytes | None) -> tuple[str, ...]:
    """Split a device-tree string-list property (NUL-terminated strings) into its entries.

    Entries that are empty or not printable UTF-8 are dropped.

    >>> parse_dt_strings(b"nvidia,p3701-0005\\x00nvidia,tegra234\\x00")
    ('nvidia,p3701-0005', 'nvidia,tegra234')
    """
    if not data:
        return ()
    entries = (_clean_dt_string(chunk) for chunk in data.split(b"\x00"))
    return tuple(entry for entry in entries if entry)


def parse_dt_string(data: bytes | None) -> str | None:
    """Return the first entry of a device-tree string property (e.g. ``model``), or ``None``.

    >>> parse_dt_string(b"Raspberry Pi 5 Model B Rev 1.0\\x00")
    'Raspberry Pi 5 Model B Rev 1.0'
    """
    entries = parse_dt_strings(data)
    return entries[0] if entries else None


def parse_dt_u32(data: bytes | None) -> int | None:
    """Decode a 4-byte big-endian device-tree cell (e.g. ``system/linux,revision``).

    >>> hex(parse_dt_u32(bytes([0x00, 0xC0, 0x41, 0x70])))
    '0xc04170'
    """
    if data is None or len(data) != 4:
        return None
    return int.from_bytes(data, "big")


def parse_meminfo(text: str | None) -> dict[str, int]:
    """Parse ``/proc/meminfo`` into ``{key: value}`` (values in kB, as the kernel prints them).

    Lines that do not look like ``Key:   123 kB`` are skipped; negative values are dropped.

    >>> parse_meminfo("MemTotal:        8038788 kB\\nMemAvailable:    5642288 kB\\n")
    {'MemTotal': 8038788, 'MemAvailable': 5642288}
    """
    result: dict[str, int] = {}
    if not text:
        return result
    for line in text.splitlines():
        match = _MEMINFO_RE.match(line)
        if match is None:
            continue
        value = int(match.group(2))
        if value >= 0:
            result.setdefault(match.group(1), value)
    return result


def kib_to_gib(kib: int | None) -> float | None:
    """Convert a kB (KiB) figure from ``/proc/meminfo`` to GiB.

    >>> kib_to_gib(1048576)
    1.0
    """
    if kib is None:
        return None
    return kib / 1048576


def parse_cpu_list(text: str | None) -> int | None:
    """Count the CPUs in a sysfs CPU list such as ``0-11`` or ``0-3,8-11``.

    >>> parse_cpu_list("0-3,8-11\\n")
    8
    """
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    cpus: set[int] = set()
    for part in text.split(","):
        bounds = part.strip().split("-")
        if len(bounds) > 2 or not all(_is_ascii_int(b) for b in bounds):
            return None
        low, high = int(bounds[0]), int(bounds[-1])
        if high < low:
            return None
        cpus.update(range(low, high + 1))
    return len(cpus) or None


@dataclass(frozen=True)
class CpuInfo:
    """Facts taken from ``/proc/cpuinfo``."""

    processors: int | None = None
    fields: dict[str, str] = field(default_factory=dict)


def parse_cpuinfo(text: str | None) -> CpuInfo:
    """Parse ``/proc/cpuinfo``: count ``processor`` entries and keep each key's first value.

    Keys are lower-cased (``model name``, ``revision``, ``model``, ...).

    >>> info = parse_cpuinfo("processor\\t: 0\\nprocessor\\t: 1\\nRevision\\t: c04170\\n")
    >>> info.processors, info.fields["revision"]
    (2, 'c04170')
    """
    if not text:
        return CpuInfo()
    processors = 0
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _CPUINFO_RE.match(line)
        if match is None:
            continue
        key = match.group(1).strip().lower()
        value = match.group(2).strip()
        if not key:
            continue
        if key == "processor" and value.isdigit():
            processors += 1
        if value and value.isprintable() and "\ufffd" not in value:
            fields.setdefault(key, value)
    return CpuInfo(processors=processors or None, fields=fields)


def parse_l4t_release(text: str | None) -> str | None:
    """Return the L4T version (``<major>.<revision>``) from ``/etc/nv_tegra_release``.

    >>> parse_l4t_release("# R35 (release), REVISION: 3.1, GCID: 32827747, BOARD: t186ref")
    '35.3.1'
    """
    if not text:
        return None
    match = _L4T_RE.search(text)
    if match is None:
        return None
    return f"{match.group(1)}.{match.group(2)}"


def millicelsius_to_celsius(raw: str | None) -> float | None:
    """Convert a sysfs ``temp`` value (m°C) to °C; ``None`` for sentinels and garbage.

    Rejected: empty or non-integer text, exactly ``0`` (power-gated Jetson engines read 0),
    and anything outside -40..150 °C (e.g. the ``-256000`` "cannot read" marker).

    >>> millicelsius_to_celsius("46843\\n")
    46.843
    >>> millicelsius_to_celsius("-256000\\n") is None
    True
    """
    if raw is None:
        return None
    text = raw.strip()
    if _INT_RE.fullmatch(text) is None:
        return None
    milli = int(text)
    if milli == 0:
        return None
    celsius = milli / 1000
    if not _MIN_PLAUSIBLE_C <= celsius <= _MAX_PLAUSIBLE_C:
        return None
    return celsius


def _zone_index(path: Path) -> int:
    suffix = path.name.removeprefix("thermal_zone")
    return int(suffix) if _is_ascii_int(suffix) else 1 << 30


def read_thermal_zones(thermal_dir: Path) -> list[tuple[str, float]]:
    """Read ``thermal_zone*/type`` and ``temp`` under ``thermal_dir``, in zone-index order.

    Zones with no usable reading (see :func:`millicelsius_to_celsius`) or a known placeholder
    name (``PMIC-Die``) are left out. A missing ``type`` falls back to the directory name.

    >>> read_thermal_zones(Path("/no/such/dir"))
    []
    """
    try:
        zones = sorted(thermal_dir.glob("thermal_zone*"), key=lambda p: (_zone_index(p), p.name))
    except OSError:
        return []
    result: list[tuple[str, float]] = []
    for zone in zones:
        celsius = millicelsius_to_celsius(read_text(zone / "temp"))
        if celsius is None:
            continue
        name = (read_text(zone / "type") or "").strip()
        if not name or not name.isprintable() or "\ufffd" in name:
            name = zone.name
        if name.lower() in _PLACEHOLDER_ZONES:
            continue
        result.append((name, celsius))
    return result
