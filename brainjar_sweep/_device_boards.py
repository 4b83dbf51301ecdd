"""Board knowledge: Jetson part numbers and SoCs, Raspberry Pi model strings and revision codes.

Pure functions over strings; no file access here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART_RE = re.compile(r"p(\d{4})-(\d{4})")
_GB_SUFFIX_RE = re.compile(r"_(\d+)gb$")

# Module part number -> (module key, nominal RAM in GB). A key without a size suffix is a
# family whose SKU is settled from MemTotal (see _FAMILY_SPLITS). Carrier boards (p3737,
# p3768, p3509, p3449, e3900, p4071) are deliberately absent.
_MODULE_PARTS: dict[str, tuple[str, float | None]] = {
    "p3701-0000": ("orin_agx", None),  # original AGX Orin dev kit module
    "p3701-0004": ("orin_agx_32gb", 32.0),
    "p3701-0005": ("orin_agx_64gb", 64.0),
    "p3701-0008": ("orin_agx", None),  # AGX Orin Industrial
    "p3767-0000": ("orin_nx_16gb", 16.0),
    "p3767-0001": ("orin_nx_8gb", 8.0),
    "p3767-0002": ("orin_nx", None),
    "p3767-0003": ("orin_nano_8gb", 8.0),
    "p3767-0004": ("orin_nano_4gb", 4.0),
    "p3767-0005": ("orin_nano_8gb", 8.0),  # Orin Nano developer kit module
    "p3668-0000": ("xavier_nx", 8.0),
    "p3668-0001": ("xavier_nx", 8.0),
    "p3668-0003": ("xavier_nx", 16.0),
    "p2888-0001": ("xavier_agx", 16.0),
    "p2888-0004": ("xavier_agx", 32.0),
    "p2888-0005": ("xavier_agx", 64.0),
    "p2888-0006": ("xavier_agx", 8.0),
    "p2888-0008": ("xavier_agx", 32.0),
    "p2972-0000": ("xavier_agx", None),  # AGX Xavier developer kit
    "p2972-0006": ("xavier_agx", 8.0),
    "p3448-0000": ("nano", 4.0),
    "p3448-0002": ("nano", 4.0),
    "p3448-0003": ("nano", 2.0),
    "p3834-0008": ("thor_agx", None),
}

# family -> (MemTotal threshold in GiB, module at/above it, module below it). MemTotal sits
# well under the label because of firmware carve-outs (AGX Orin 64 GB ~61 GiB, 32 GB ~30 GiB;
# Orin NX 16 GB ~15.3 GiB; Orin Nano 8 GB ~7.3 GiB, 4 GB ~3.9 GiB).
# _PART_DEFAULTS gives the module to report for a part number when MemTotal is unknown.
_FAMILY_SPLITS: dict[str, tuple[float, str, str]] = {
    "orin_agx": (48.0, "orin_agx_64gb", "orin_agx_32gb"),
    "orin_nx": (12.0, "orin_nx_16gb", "orin_nx_8gb"),
    "orin_nano": (5.0, "orin_nano_8gb", "orin_nano_4gb"),
}
_PART_DEFAULTS: dict[str, str] = {
    "p3701-0000": "orin_agx_32gb",
    "p3701-0008": "orin_agx_64gb",
    "p3767-0002": "orin_nx_16gb",
}

# SoC -> (integrated GPU description, CUDA compute capability).
_TEGRA_SOCS: dict[str, tuple[str, str | None]] = {
    "tegra264": ("NVIDIA Thor integrated GPU (Blackwell)", None),
    "tegra234": ("NVIDIA Orin integrated GPU (Ampere)", "8.7"),
    "tegra194": ("NVIDIA Xavier integrated GPU (Volta)", "7.2"),
    "tegra186": ("NVIDIA TX2 integrated GPU (Pascal)", "6.2"),
    "tegra210": ("NVIDIA Tegra X1 integrated GPU (Maxwell)", "5.3"),
}

# Raspberry Pi new-style revision code, bits 20-22 -> RAM in GB.
_PI_RAM_GB: dict[int, float] = {0: 0.25, 1: 0.5, 2: 1.0, 3: 2.0, 4: 4.0, 5: 8.0, 6: 16.0}


@dataclass(frozen=True)
class JetsonModule:
    """Which Jetson module a board carries, as far as the device tree tells."""

    module: str | None = None
    part: str | None = None
    board_ram_gb: float | None = None


def soc_from_compatible(compatible: tuple[str, ...]) -> str | None:
    """Return the SoC named in a device-tree ``compatible`` list.

    >>> soc_from_compatible(("nvidia,p3701-0005", "nvidia,tegra234", "nvidia,tegra23x"))
    'tegra234'
    >>> soc_from_compatible(("raspberrypi,5-model-b", "brcm,bcm2712"))
    'bcm2712'
    """
    for entry in compatible:
        match = re.fullmatch(r"nvidia,(tegra\d+)", entry)
        if match:
            return match.group(1)
    for entry in compatible:
        match = re.fullmatch(r"brcm,(bcm\d+)", entry)
        if match:
            return match.group(1)
    if compatible:
        return compatible[-1].rpartition(",")[2] or None
    return None


def looks_like_jetson(model: str | None, compatible: tuple[str, ...], soc: str | None) -> bool:
    """True when the model string or the compatible list names an NVIDIA Tegra/Jetson board.

    >>> looks_like_jetson("Jetson-AGX", (), None)
    True
    """
    if soc is not None and soc.startswith("tegra"):
        return True
    if any(entry.startswith(("nvidia,tegra", "nvidia,jetson")) for entry in compatible):
        return True
    lowered = (model or "").lower()
    return "jetson" in lowered or lowered == "clara-agx"


def looks_like_pi(model: str | None, compatible: tuple[str, ...]) -> bool:
    """True for Raspberry Pi boards (by model string or ``raspberrypi,`` compatible entry).

    >>> looks_like_pi("Raspberry Pi 5 Model B Rev 1.0", ())
    True
    """
    if model is not None and model.startswith("Raspberry Pi"):
        return True
    return any(entry.startswith("raspberrypi,") for entry in compatible)


def _split_family(family: str, total_ram_gb: float | None, default: str | None) -> str | None:
    split = _FAMILY_SPLITS.get(family)
    if split is None:
        return family
    threshold, big, small = split
    if total_ram_gb is None:
        return default
    return big if total_ram_gb >= threshold else small


def _module_parts(text: str) -> list[str]:
    """Module part numbers in ``text``, an emulated target (``-as-pNNNN-NNNN``) first."""
    head, sep, emulated = text.partition("-as-")
    found = [f"p{a}-{b}" for a, b in _PART_RE.findall(emulated)] if sep else []
    found += [f"p{a}-{b}" for a, b in _PART_RE.findall(head)]
    return [part for part in found if part in _MODULE_PARTS]


def _module_from_model(
    model: str | None, compatible: tuple[str, ...], soc: str | None, total_ram_gb: float | None
) -> str | None:
    lowered = (model or "").lower()
    if soc == "tegra264" or "thor" in lowered:
        return "thor_agx"
    if soc == "tegra234" or "orin" in lowered:
        for word, family in (("nano", "orin_nano"), (" nx", "orin_nx"), ("agx", "orin_agx")):
            if word in lowered:
                return _split_family(family, total_ram_gb, None)
        return None
    if soc == "tegra194" or "xavier" in lowered:
        if "nx" in lowered:
            return "xavier_nx"
        xavier_compat = {"nvidia,jetson-xavier", "nvidia,galen", "nvidia,jetson-xavier-industrial"}
        if "agx" in lowered or "clara" in lowered or xavier_compat & set(compatible):
            return "xavier_agx"
        return None
    if "nano" in lowered or "nvidia,jetson-nano" in compatible:
        return "nano"
    return None


def resolve_jetson_module(
    *,
    model: str | None,
    compatible: tuple[str, ...],
    soc: str | None,
    dts_filename: str | None = None,
    total_ram_gb: float | None = None,
) -> JetsonModule:
    """Work out the Jetson module key, its part number and nominal RAM.

    The part number in ``compatible`` (or in ``nvidia,dtsfilename``) decides; the first entry
    that names a module wins, since one DTB may list two SKUs. When a part number covers
    several RAM sizes, ``total_ram_gb`` (MemTotal in GiB) settles it. Without a part number
    the model string and SoC are used.

    >>> resolve_jetson_module(
    ...     model="NVIDIA Jetson AGX Orin Developer Kit",
    ...     compatible=("nvidia,p3737-0000+p3701-0005", "nvidia,p3701-0005", "nvidia,tegra234"),
    ...     soc="tegra234",
    ... )
    JetsonModule(module='orin_agx_64gb', part='p3701-0005', board_ram_gb=64.0)
    """
    for text in (*compatible, dts_filename or ""):
        parts = _module_parts(text)
        if not parts:
            continue
        part = parts[0]
        family, ram = _MODULE_PARTS[part]
        module = _split_family(family, total_ram_gb, _PART_DEFAULTS.get(part))
        if ram is None and module is not None:
            ram = _nominal_ram(module)
        return JetsonModule(module=module, part=part, board_ram_gb=ram)
    module = _module_from_model(model, compatible, soc, total_ram_gb)
    return JetsonModule(module=module, board_ram_gb=_nominal_ram(module))


def _nominal_ram(module: str | None) -> float | None:
    match = _GB_SUFFIX_RE.search(module or "")
    return float(match.group(1)) if match else None


def tegra_gpu(soc: str | None) -> tuple[str, str | None]:
    """Return (integrated GPU description, CUDA compute capability) for a Tegra SoC.

    >>> tegra_gpu("tegra234")
    ('NVIDIA Orin integrated GPU (Ampere)', '8.7')
    """
    return _TEGRA_SOCS.get(soc or "", ("NVIDIA Tegra integrated GPU", None))


def pi_model_key(model: str | None) -> str | None:
    """Short key for a Raspberry Pi model string: the revision dropped, words joined by ``_``.

    >>> pi_model_key("Raspberry Pi 5 Model B Rev 1.0")
    'pi_5_model_b'
    >>> pi_model_key("Raspberry Pi Compute Module 4 Rev 1.1")
    'pi_compute_module_4'
    """
    if not model:
        return None
    base = re.sub(r"\s+Rev\s+\S+\s*$", "", model.strip())
    key = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")
    key = key.removeprefix("raspberry_")
    return key or None


def pi_ram_gb_from_revision(revision: str | int | None) -> float | None:
    """RAM size encoded in a new-style Raspberry Pi revision code (bit 23 set), else ``None``.

    >>> pi_ram_gb_from_revision("c04170")
    4.0
    >>> pi_ram_gb_from_revision("d04170")
    8.0
    """
    if revision is None:
        return None
    if isinstance(revision, str):
        try:
            code = int(revision.strip(), 16)
        except ValueError:
            return None
    else:
        code = revision
    if not code & (1 << 23):
        return None
    return _PI_RAM_GB.get((code >> 20) & 0b111)
