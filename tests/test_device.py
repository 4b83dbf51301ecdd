"""Tests for brainjar_sweep.device: fake device trees, parsers, capacity arithmetic, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from brainjar_sweep import _device_boards, device
from brainjar_sweep._device_boards import (
    pi_model_key,
    pi_ram_gb_from_revision,
    resolve_jetson_module,
)
from brainjar_sweep._device_read import (
    millicelsius_to_celsius,
    parse_cpu_list,
    parse_l4t_release,
    parse_meminfo,
)
from brainjar_sweep.device import (
    DeviceInfo,
    GpuInfo,
    detect,
    job_memory_need_gb,
    memory_budget_gb,
    original_capacity,
    parallel_capacity,
    parse_nvidia_smi,
)

DATA = Path(__file__).parent / "data" / "device"
REPO = Path(__file__).resolve().parents[1]


def tree(name: str) -> Path:
    path = DATA / name
    assert path.is_dir(), path
    return path


# --------------------------------------------------------------------------- fixture bytes


def test_fixture_files_keep_real_byte_formats() -> None:
    model = (tree("orin_agx_64gb") / "proc/device-tree/model").read_bytes()
    assert model == b"NVIDIA Jetson AGX Orin Developer Kit\x00"
    compat = (tree("orin_agx_64gb") / "proc/device-tree/compatible").read_bytes()
    assert compat.endswith(b"nvidia,tegra23x\x00") and compat.count(b"\x00") == 4
    revision = (tree("raspberry_pi_5") / "proc/device-tree/system/linux,revision").read_bytes()
    assert revision == b"\x00\xc0\x41\x70"
    temp = (tree("orin_agx_64gb") / "sys/class/thermal/thermal_zone0/temp").read_bytes()
    assert temp == b"52875\n"
    assert (tree("orin_nx_16gb") / "sys/devices/system/cpu/online").read_bytes() == b"0-7\n"
    release = (tree("orin_agx_64gb") / "etc/nv_tegra_release").read_text()
    assert release.count("\n") == 4 and release.endswith("nvidia\n")


# --------------------------------------------------------------------------- detection


def test_orin_agx_64gb() -> None:
    info = detect(tree("orin_agx_64gb"))
    assert info.kind == "jetson"
    assert info.model == "NVIDIA Jetson AGX Orin Developer Kit"
    assert info.jetson_module == "orin_agx_64gb"
    assert info.jetson_part == "p3701-0005"
    assert info.soc == "tegra234"
    assert info.l4t_release == "36.4.7"
    assert info.board_ram_gb == 64.0
    assert info.total_ram_gb == pytest.approx(64307708 / 1048576)
    assert info.total_ram_gb == pytest.approx(61.33, abs=0.01)
    assert info.available_ram_gb == pytest.approx(59088896 / 1048576)
    assert info.cpu_cores == 12
    assert info.pi_model is None
    assert info.gpu == GpuInfo(
        kind="jetson_unified",
        name="NVIDIA Orin integrated GPU (Ampere)",
        memory_gb=info.total_ram_gb,
        count=1,
        cuda_arch="8.7",
    )
    # gpu/cv zones are power-gated (-256000, empty, missing temp) and are left out
    assert info.thermal_zones == [
        ("cpu-thermal", 52.875),
        ("soc0-thermal", 49.062),
        ("soc1-thermal", 49.031),
        ("soc2-thermal", 48.656),
        ("tj-thermal", 52.875),
    ]
    assert info.max_temperature_c == 52.875


def test_orin_nx_16gb() -> None:
    info = detect(tree("orin_nx_16gb"))
    assert info.kind == "jetson"
    assert info.model == "NVIDIA Jetson Orin NX Engineering Reference Developer Kit"
    assert info.jetson_module == "orin_nx_16gb"
    assert info.jetson_part == "p3767-0000"
    assert info.l4t_release == "36.4.7"
    assert info.total_ram_gb == pytest.approx(15.29, abs=0.01)
    assert info.cpu_cores == 8
    names = [name for name, _ in info.thermal_zones]
    # cv0 reads 0 and cv1/cv2 read -256000: all skipped
    assert names == [
        "cpu-thermal",
        "gpu-thermal",
        "soc0-thermal",
        "soc1-thermal",
        "soc2-thermal",
        "tj-thermal",
    ]
    assert info.max_temperature_c == 46.843


def test_orin_nano_8gb_jetpack5() -> None:
    info = detect(tree("orin_nano_8gb"))
    assert info.kind == "jetson"
    assert info.model == "NVIDIA Orin Nano Developer Kit"
    # the DTB names both p3767-0003 and p3767-0005; the first one wins
    assert info.jetson_module == "orin_nano_8gb"
    assert info.jetson_part == "p3767-0003"
    assert info.l4t_release == "35.3.1"
    assert info.total_ram_gb == pytest.approx(7486 / 1024)
    assert info.cpu_cores == 6
    assert info.gpu.kind == "jetson_unified"
    # eleven zones: numeric order (zone10 last), -256 C engines skipped
    assert [name for name, _ in info.thermal_zones] == [
        "CPU-therm",
        "SOC0-therm",
        "SOC1-therm",
        "SOC2-therm",
        "tj-therm",
        "Tboard_tegra",
        "Tdiode_tegra",
    ]
    assert info.max_temperature_c == 41.468


def test_xavier_agx_read_via_sys_firmware_devicetree() -> None:
    info = detect(tree("xavier_agx"))
    assert info.kind == "jetson"
    assert info.model == "Jetson-AGX"
    assert info.soc == "tegra194"
    assert info.jetson_module == "xavier_agx"
    assert info.l4t_release == "32.5.1"
    assert info.total_ram_gb == pytest.approx(15823 / 1024)
    assert info.cpu_cores == 8
    assert info.gpu.cuda_arch == "7.2"
    zones = dict(info.thermal_zones)
    assert "PMIC-Die" not in zones  # fixed 100 C placeholder
    assert zones["CPU-therm"] == 38.5
    assert info.max_temperature_c == 38.5


def test_classic_jetson_nano() -> None:
    info = detect(tree("jetson_nano"))
    assert info.kind == "jetson"
    assert info.model == "NVIDIA Jetson Nano Developer Kit"
    assert info.soc == "tegra210"
    assert info.jetson_module == "nano"
    assert info.jetson_part == "p3448-0000"
    assert info.board_ram_gb == 4.0
    assert info.l4t_release == "32.3.1"
    assert info.total_ram_gb == pytest.approx(3964 / 1024)
    assert info.cpu_cores == 4
    assert info.thermal_zones == [
        ("AO-therm", 27.0),
        ("CPU-therm", 23.0),
        ("GPU-therm", 22.5),
        ("PLL-therm", 20.5),
        ("thermal-fan-est", 22.5),
    ]
    assert info.max_temperature_c == 27.0


def test_raspberry_pi_5() -> None:
    info = detect(tree("raspberry_pi_5"))
    assert info.kind == "raspberry_pi"
    assert info.model == "Raspberry Pi 5 Model B Rev 1.0"
    assert info.pi_model == "pi_5_model_b"
    assert info.pi_revision == "c04170"
    assert info.board_ram_gb == 4.0
    assert info.soc == "bcm2712"
    assert info.jetson_module is None and info.l4t_release is None
    assert info.total_ram_gb == pytest.approx(4141232 / 1048576)
    assert info.available_ram_gb == pytest.approx(3528496 / 1048576)
    assert info.cpu_cores == 4
    assert info.gpu == GpuInfo()
    assert info.thermal_zones == [("cpu-thermal", 48.3)]
    assert info.max_temperature_c == 48.3


def test_raspberry_pi_revision_from_device_tree_when_cpuinfo_lacks_it(tmp_path: Path) -> None:
    dt = tmp_path / "proc/device-tree"
    (dt / "system").mkdir(parents=True)
    (dt / "model").write_bytes(b"Raspberry Pi 4 Model B Rev 1.4\x00")
    (dt / "system/linux,revision").write_bytes(bytes([0x00, 0xD0, 0x31, 0x15]))
    info = detect(tmp_path)
    assert info.kind == "raspberry_pi"
    assert info.pi_model == "pi_4_model_b"
    assert info.pi_revision == "d03115"
    assert info.board_ram_gb == 8.0


def test_plain_x86_desktop() -> None:
    info = detect(tree("desktop_x86"))
    assert info.kind == "desktop"
    assert info.model == "Micro-Star International Co., Ltd. MS-7C56"
    assert info.jetson_module is None and info.pi_model is None and info.soc is None
    assert info.total_ram_gb == pytest.approx(32779420 / 1048576)
    assert info.available_ram_gb == pytest.approx(27514036 / 1048576)
    assert info.cpu_cores == 16  # no sysfs CPU list in this tree: counted from /proc/cpuinfo
    assert info.cpu_model == "AMD Ryzen 7 5800X 8-Core Processor"
    # a fake root never runs nvidia-smi
    assert info.gpu == GpuInfo()
    assert info.thermal_zones == [("acpitz", 27.8), ("acpitz", 29.8), ("x86_pkg_temp", 45.0)]
    assert info.max_temperature_c == 45.0


def test_garbled_tree_keeps_what_is_readable() -> None:
    info = detect(tree("garbled"))
    assert info.kind == "desktop"
    assert info.model is None  # undecodable device-tree model, placeholder DMI strings
    assert info.compatible == ()
    assert info.l4t_release is None
    assert info.total_ram_gb == pytest.approx(8038788 / 1048576)
    assert info.available_ram_gb is None
    assert info.cpu_cores == 2  # sysfs list unreadable -> /proc/cpuinfo
    assert info.thermal_zones == [("cpu-thermal", 41.5), ("thermal_zone3", 30.0)]
    assert info.max_temperature_c == 41.5


def test_empty_tree_gives_unknowns(tmp_path: Path) -> None:
    info = detect(tmp_path)
    assert info == DeviceInfo(kind="desktop")
    assert info.to_dict()["total_ram_gb"] is None


def test_jetson_without_meminfo_still_identified(tmp_path: Path) -> None:
    dt = tmp_path / "proc/device-tree"
    dt.mkdir(parents=True)
    (dt / "model").write_bytes(b"NVIDIA Jetson AGX Orin Developer Kit\x00")
    (dt / "compatible").write_bytes(b"nvidia,p3737-0000+p3701-0000\x00")
    (tmp_path / "proc/meminfo").mkdir()  # a directory where a file should be
    info = detect(str(tmp_path))
    assert info.kind == "jetson"
    assert info.jetson_part == "p3701-0000"
    assert info.jetson_module == "orin_agx_32gb"  # part default when MemTotal is unknown
    assert info.total_ram_gb is None and info.gpu.memory_gb is None
    assert info.cpu_cores is None and info.max_temperature_c is None


def test_device_info_is_frozen_and_json_ready() -> None:
    info = detect(tree("orin_agx_64gb"))
    with pytest.raises(FrozenInstanceError):
        info.kind = "desktop"  # type: ignore[misc]
    data = json.loads(json.dumps(info.to_dict()))
    assert data["jetson_module"] == "orin_agx_64gb"
    assert data["gpu"]["kind"] == "jetson_unified"
    assert data["thermal_zones"][0] == {"name": "cpu-thermal", "celsius": 52.875}
    assert data["compatible"][-1] == "nvidia,tegra23x"


def test_live_root_does_not_raise() -> None:
    info = detect("/")
    assert info.kind in ("jetson", "raspberry_pi", "desktop")
    assert info.cpu_cores is None or info.cpu_cores >= 1
    json.dumps(info.to_dict())


# --------------------------------------------------------------------------- parsers


def test_parse_nvidia_smi_reference_sample() -> None:
    # the reference's four-field form (name, memory.total, memory.used, temperature.gpu)
    gpus = parse_nvidia_smi("NVIDIA GeForce RTX 3090, 24576, 1234, 45\n")
    assert gpus == [
        GpuInfo(kind="nvidia_discrete", name="NVIDIA GeForce RTX 3090", memory_gb=24.0, count=1)
    ]


def test_parse_nvidia_smi_query_used_by_detect() -> None:
    out = "NVIDIA GeForce RTX 3090, 24576\nNVIDIA GeForce RTX 3060, 12288\n\n"
    gpus = parse_nvidia_smi(out)
    assert [(g.name, g.memory_gb) for g in gpus] == [
        ("NVIDIA GeForce RTX 3090", 24.0),
        ("NVIDIA GeForce RTX 3060", 12.0),
    ]
    assert parse_nvidia_smi("Orin (nvgpu), [N/A]\n")[0].memory_gb is None
    assert parse_nvidia_smi("NVIDIA T4, [Not Supported]\n")[0].memory_gb is None
    assert parse_nvidia_smi("") == []
    assert parse_nvidia_smi("NVIDIA-SMI has failed because it couldn't communicate\n") == []


def test_meminfo_parser() -> None:
    text = (
        "MemTotal:        8038788 kB\nMemFree:         4851052 kB\n"
        "HugePages_Total:       0\nNvMapMemUsed:     805068 kB\nbroken line\n"
        "Bad:           -5 kB\n"
    )
    parsed = parse_meminfo(text)
    assert parsed["MemTotal"] == 8038788
    assert parsed["HugePages_Total"] == 0
    assert parsed["NvMapMemUsed"] == 805068
    assert "Bad" not in parsed
    assert parse_meminfo(None) == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0-11\n", 12),
        ("0-7\n", 8),
        ("0-5\n", 6),
        ("0-3,8-11\n", 8),
        ("0\n", 1),
        ("", None),
        ("5-2\n", None),
        ("zero-three\n", None),
        ("0-²\n", None),
        (None, None),
    ],
)
def test_cpu_list_parser(text: str | None, expected: int | None) -> None:
    assert parse_cpu_list(text) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("46843\n", 46.843),
        ("-256000\n", None),
        ("0\n", None),
        ("", None),
        ("\n", None),
        ("abc\n", None),
        ("--5\n", None),
        ("200000\n", None),
        ("-5000\n", -5.0),
        (None, None),
    ],
)
def test_millicelsius(raw: str | None, expected: float | None) -> None:
    assert millicelsius_to_celsius(raw) == expected


def test_l4t_release_parser() -> None:
    r39 = (
        "# R39 (release), REVISION: 2.0, GCID: 45755727, BOARD: generic, EABI: aarch64, "
        "DATE: Mon Jun  1 09:28:48 PM UTC 2026\n"
    )
    assert parse_l4t_release(r39) == "39.2.0"
    assert parse_l4t_release("TARGET_USERSPACE_LIB_DIR=nvidia\n") is None
    assert parse_l4t_release(None) is None


@pytest.mark.parametrize(
    ("compatible", "ram_gb", "module", "part"),
    [
        (("nvidia,p3737-0000+p3701-0004", "nvidia,tegra234"), None, "orin_agx_32gb", "p3701-0004"),
        (("nvidia,p3737-0000+p3701-0000",), 62841 / 1024, "orin_agx_64gb", "p3701-0000"),
        (("nvidia,p3737-0000+p3701-0000",), 30536 / 1024, "orin_agx_32gb", "p3701-0000"),
        (("nvidia,p3768-0000+p3767-0001",), None, "orin_nx_8gb", "p3767-0001"),
        (("nvidia,p3768-0000+p3767-0004",), None, "orin_nano_4gb", "p3767-0004"),
        (("nvidia,p3768-0000+p3767-0005-super",), None, "orin_nano_8gb", "p3767-0005"),
        (("nvidia,p3509-0000+p3668-0001", "nvidia,tegra194"), None, "xavier_nx", "p3668-0001"),
        (
            ("nvidia,e3900-0000+p2888-0004", "nvidia,galen", "nvidia,tegra194"),
            None,
            "xavier_agx",
            "p2888-0004",
        ),
        (("nvidia,p3737-0000+p3701-0000-as-p3767-0004",), None, "orin_nano_4gb", "p3767-0004"),
        (("nvidia,p4071-0000+p3834-0008", "nvidia,tegra264"), None, "thor_agx", "p3834-0008"),
    ],
)
def test_jetson_module_from_part_numbers(
    compatible: tuple[str, ...], ram_gb: float | None, module: str, part: str
) -> None:
    found = resolve_jetson_module(
        model=None,
        compatible=compatible,
        soc=_device_boards.soc_from_compatible(compatible),
        total_ram_gb=ram_gb,
    )
    assert (found.module, found.part) == (module, part)


def test_jetson_module_from_dts_filename_and_model() -> None:
    dts = "/t23x/p3768/kernel-dts/tegra234-p3767-0003-p3768-0000-a0.dts"
    found = resolve_jetson_module(model=None, compatible=(), soc=None, dts_filename=dts)
    assert found.module == "orin_nano_8gb" and found.part == "p3767-0003"
    by_model = resolve_jetson_module(
        model="NVIDIA Jetson Orin Nano Engineering Reference Developer Kit Super",
        compatible=("nvidia,tegra234",),
        soc="tegra234",
        total_ram_gb=3.8,
    )
    assert by_model.module == "orin_nano_4gb" and by_model.part is None
    xavier_nx = resolve_jetson_module(
        model="NVIDIA Jetson Xavier NX Developer Kit", compatible=(), soc="tegra194"
    )
    assert xavier_nx.module == "xavier_nx"
    unknown = resolve_jetson_module(model="Jetson AGX Orin", compatible=(), soc=None)
    assert unknown.module is None  # AGX Orin, but MemTotal unknown: SKU left open


def test_pi_helpers() -> None:
    assert pi_model_key("Raspberry Pi 4 Model B Rev 1.4") == "pi_4_model_b"
    assert pi_model_key(None) is None
    assert pi_ram_gb_from_revision("c03112") == 4.0
    assert pi_ram_gb_from_revision("b03115") == 2.0
    assert pi_ram_gb_from_revision("a02082") == 1.0
    assert pi_ram_gb_from_revision("0002") is None  # old-style code
    assert pi_ram_gb_from_revision("zz") is None


# --------------------------------------------------------------------------- capacity


def test_memory_budget() -> None:
    assert memory_budget_gb(64.0) == pytest.approx(44.8)
    assert memory_budget_gb(8.0, reserve_fraction=0.0) == 8.0
    with pytest.raises(ValueError):
        memory_budget_gb(8.0, reserve_fraction=1.0)
    with pytest.raises(ValueError):
        memory_budget_gb(-1.0)


def test_job_memory_need() -> None:
    assert job_memory_need_gb(2.0) == 2.5
    assert job_memory_need_gb(2.0, overhead_gb=0.0) == 2.0
    with pytest.raises(ValueError):
        job_memory_need_gb(-1.0)


def test_parallel_capacity() -> None:
    # AGX Orin 64 GB: memory allows 17, 12 cores / 2 threads allow 6
    assert parallel_capacity(budget_gb=44.8, job_mem_gb=2.5, cpu_cores=12, threads_per_job=2) == 6
    # memory-bound
    assert parallel_capacity(budget_gb=5.6, job_mem_gb=2.5, cpu_cores=12, threads_per_job=1) == 2
    # hard cap
    kwargs = {"budget_gb": 44.8, "job_mem_gb": 2.0, "cpu_cores": 12, "threads_per_job": 1}
    assert parallel_capacity(**kwargs, hard_cap=4) == 4
    # float noise does not cost a slot: 0.6 / 0.2 == 2.9999999999999996
    assert parallel_capacity(budget_gb=0.6, job_mem_gb=0.2, cpu_cores=8, threads_per_job=1) == 3
    # never below one
    assert parallel_capacity(budget_gb=1.0, job_mem_gb=8.0, cpu_cores=4, threads_per_job=8) == 1
    assert parallel_capacity(**kwargs, hard_cap=0) == 1
    with pytest.raises(ValueError):
        parallel_capacity(budget_gb=1.0, job_mem_gb=0.0, cpu_cores=4, threads_per_job=1)
    with pytest.raises(ValueError):
        parallel_capacity(budget_gb=1.0, job_mem_gb=1.0, cpu_cores=4, threads_per_job=0)


def test_original_capacity_baseline() -> None:
    assert original_capacity() == 4
    assert original_capacity(2.0) == 4
    assert original_capacity(12.0) == 3
    assert original_capacity(20.0) == 2
    assert original_capacity(50.0) == 0  # the original formula is not clamped
    with pytest.raises(ValueError):
        original_capacity(0.0)


def test_capacity_from_detected_device_matches_baseline_on_agx_orin() -> None:
    info = detect(tree("orin_agx_64gb"))
    assert info.board_ram_gb is not None and info.cpu_cores is not None
    budget = memory_budget_gb(info.board_ram_gb)
    slots = parallel_capacity(
        budget_gb=budget,
        job_mem_gb=2.0,
        cpu_cores=info.cpu_cores,
        threads_per_job=2,
        hard_cap=4,
    )
    assert slots == original_capacity(2.0)


# --------------------------------------------------------------------------- docs and CLI


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "brainjar_sweep.device", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        check=False,
    )


def test_cli_json_with_root() -> None:
    done = _run_cli("--json", "--root", str(tree("orin_nano_8gb")))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["kind"] == "jetson"
    assert data["jetson_module"] == "orin_nano_8gb"
    assert data["l4t_release"] == "35.3.1"
    assert data["cpu_cores"] == 6
    assert data["max_temperature_c"] == 41.468


def test_cli_plain_summary_when_not_a_tty() -> None:
    done = _run_cli("--root", str(tree("raspberry_pi_5")))
    assert done.returncode == 0, done.stderr
    assert "Raspberry Pi 5 Model B Rev 1.0" in done.stdout
    assert "pi_5_model_b" in done.stdout
    assert "\x1b[" not in done.stdout  # no terminal escape codes


def test_main_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert device.main(["--json", "--root", str(tree("desktop_x86"))]) == 0
    assert json.loads(capsys.readouterr().out)["cpu_cores"] == 16
    assert device.main(["--root", str(tree("garbled"))]) == 0
    assert "Kind:" in capsys.readouterr().out
