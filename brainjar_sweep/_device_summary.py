"""The device command's readable summary: what :func:`brainjar_sweep.device.detect` found, as
rows of a table (rich on a terminal, plain text otherwise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brainjar_sweep.device import DeviceInfo


def _gb(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f} GiB"


def summary_rows(info: DeviceInfo) -> list[tuple[str, str]]:
    """The summary's (label, value) rows for ``info``.

    >>> from brainjar_sweep.device import detect
    >>> summary_rows(detect("/no/such/root"))[:2]
    [('Kind', 'desktop'), ('Model', 'unknown')]
    """
    rows: list[tuple[str, str]] = [
        ("Kind", info.kind),
        ("Model", info.model or "unknown"),
    ]
    if info.soc:
        rows.append(("SoC", info.soc))
    if info.kind == "jetson":
        module = info.jetson_module or "unknown"
        if info.jetson_part:
            module += f" ({info.jetson_part})"
        rows.append(("Jetson module", module))
        rows.append(("L4T release", info.l4t_release or "unknown"))
    if info.kind == "raspberry_pi":
        pi = info.pi_model or "unknown"
        if info.pi_revision:
            pi += f" (revision {info.pi_revision})"
        rows.append(("Pi model", pi))
    if info.board_ram_gb is not None:
        rows.append(("Board RAM", f"{info.board_ram_gb:g} GB"))
    rows.append(("RAM", f"{_gb(info.total_ram_gb)} total, {_gb(info.available_ram_gb)} available"))
    cores = "unknown" if info.cpu_cores is None else str(info.cpu_cores)
    if info.cpu_model:
        cores += f" ({info.cpu_model})"
    rows.append(("CPU cores", cores))
    gpu = info.gpu
    if gpu.kind is None:
        rows.append(("GPU", "none detected"))
    else:
        text = f"{gpu.name or 'unknown'}, {gpu.kind}, {_gb(gpu.memory_gb)}"
        if gpu.count > 1:
            text += f", {gpu.count} devices"
        if gpu.cuda_arch:
            text += f", CUDA {gpu.cuda_arch}"
        rows.append(("GPU", text))
    if info.thermal_zones:
        zones = ", ".join(f"{name} {c:.1f} C" for name, c in info.thermal_zones)
        rows.append(("Thermal", f"{zones} (max {info.max_temperature_c:.1f} C)"))
    else:
        rows.append(("Thermal", "no readable zones"))
    return rows


def _print_plain(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label + ':':<{width + 1}} {value}")


def _print_rich(rows: list[tuple[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Device", show_header=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for label, value in rows:
        table.add_row(label, value)
    Console().print(table)


def print_summary(rows: list[tuple[str, str]], *, rich: bool) -> None:
    """Print ``rows`` as a rich table when ``rich`` (and rich can be imported), else as text."""
    if rich:
        try:
            _print_rich(rows)
            return
        except ImportError:
            pass
    _print_plain(rows)
