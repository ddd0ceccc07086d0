"""`netwave inventory move-lab-ports`: every device the lab serves moves by the offset, real
devices and comments stay, and a move that cannot be made in full writes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli import app
from services.core.settings import Settings, get_settings
from services.devstack import lab_device_ports
from services.lab.scope import lab_serves
from services.network.inventory import load_all
from tests.conftest import REPO

runner = CliRunner()
REAL = """\
# A real router next to the lab's devices: never moved.
acme-real-r1:
  hostname: 192.0.2.10
  port: 22  # the router's own SSH
  platform: frr
"""


@pytest.fixture
def inventories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the shipped inventories with one real device added to acme."""
    folder = tmp_path / "inventories"
    shutil.copytree(REPO / "inventories", folder)
    with (folder / "acme" / "hosts.yaml").open("a") as hosts:
        hosts.write(REAL)
    monkeypatch.setenv("NETWAVE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("NETWAVE_INVENTORIES_PATH", str(REPO / "inventories"))  # not the copy
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def move(folder: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(
        app, ["inventory", "move-lab-ports", "--inventories", str(folder), *args]
    )
    return result.exit_code, " ".join(result.output.split())  # the console wraps long lines


def test_lab_devices_move_by_the_offset_and_real_ones_stay(
    inventories: Path, settings: Settings
) -> None:
    before = {
        (d.tenant, d.name): d.port
        for t in load_all(REPO / "inventories").values()
        for d in t.devices.values()
    }
    code, output = move(inventories, "--offset", "1000")
    assert code == 0, output

    after = {d.name: d for t in load_all(inventories).values() for d in t.devices.values()}
    served = [d for d in after.values() if lab_serves(d)]
    assert len(served) == len(before) >= 10
    for device in served:
        assert device.port == before[(device.tenant, device.name)] + 1000
        assert f"{device.name} │ {device.port - 1000} │ {device.port}" in output
    assert not lab_serves(after["acme-real-r1"]) and after["acme-real-r1"].port == 22
    assert "acme-real-r1" not in output
    assert (inventories / "acme" / "hosts.yaml").read_text().endswith(REAL)  # comments kept
    moved = settings.model_copy(update={"inventories_path": inventories})
    assert lab_device_ports(moved) == {
        f"lab device {d.tenant}/{d.name}": ("127.0.0.1", d.port) for d in served
    }
    assert f"NETWAVE_INVENTORIES_PATH={inventories}" in output
    for name in ("API_PORT", "LAB_CONTROL_PORT", "VAR_DIR", "TEMPORAL_ADDRESS", "TEMPORAL_UI_URL"):
        assert f"NETWAVE_{name}=" in output
    assert "NETWAVE_TEMPORAL_ADDRESS=127.0.0.1:8234" in output  # 8233 is the first UI's


def test_only_the_port_lines_change(inventories: Path) -> None:
    originals = {p: p.read_text() for p in inventories.glob("*/hosts.yaml")}
    assert move(inventories, "--offset", "1000")[0] == 0
    for path, text in originals.items():
        old, new = text.splitlines(), path.read_text().splitlines()
        assert len(old) == len(new)
        changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert changed and all(a.startswith("  port: ") for a, _ in changed)
        assert all(int(b.split()[-1]) == int(a.split()[-1]) + 1000 for a, b in changed)


@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        ("60000", "ports would leave 1..65535"),
        ("-10001", "ports would leave 1..65535"),
        ("0", "--offset 0 moves nothing"),
    ],
)
def test_a_refused_move_writes_nothing(inventories: Path, offset: str, reason: str) -> None:
    before = snapshot(inventories)
    code, output = move(inventories, "--offset", offset)
    assert code == 2, output
    assert reason in output and "nothing was written" in output
    assert snapshot(inventories) == before


def test_a_port_shared_on_loopback_is_refused(inventories: Path) -> None:
    # A loopback device the lab does not serve (frr) keeps its port: a lab device must not
    # move onto it.
    with (inventories / "globex" / "hosts.yaml").open("a") as hosts:
        hosts.write("globex-tunnel:\n  hostname: 127.0.0.1\n  port: 11001\n  platform: frr\n")
    before = snapshot(inventories)
    code, output = move(inventories, "--offset", "1000")
    assert code == 2, output
    assert "share a port: 11001 (acme/acme-hq-r1, globex/globex-tunnel)" in output
    assert snapshot(inventories) == before


def test_a_port_inherited_through_a_yaml_alias(inventories: Path) -> None:
    hosts = inventories / "initech" / "hosts.yaml"
    base = hosts.read_text()
    # The lab stand-in borrows the real router's entry, port included: its own port is written.
    hosts.write_text(
        base + "initech-real: &real\n  hostname: 192.0.2.11\n  port: 10901\n  platform: frr\n"
        "initech-stand-in:\n  <<: *real\n  hostname: 127.0.0.1\n  platform: cisco_ios\n"
    )
    assert move(inventories, "--offset", "1000")[0] == 0
    devices = load_all(inventories)["initech"].devices
    assert devices["initech-real"].port == 10901 and devices["initech-stand-in"].port == 11901

    # A real router borrowing a lab device's entry would move with it: refused.
    hosts.write_text(
        base + "initech-lab: &lab\n  hostname: 127.0.0.1\n  port: 10901\n"
        "  platform: cisco_ios\ninitech-real:\n  <<: *lab\n  hostname: 192.0.2.11\n"
    )
    before = snapshot(inventories)
    code, output = move(inventories, "--offset", "1000")
    assert code == 2 and "would also change host(s) initech-real" in output
    assert snapshot(inventories) == before


def test_dry_run_prints_the_moves_and_writes_nothing(inventories: Path) -> None:
    before = snapshot(inventories)
    code, output = move(inventories, "--offset", "1000", "--dry-run")
    assert code == 0, output
    assert "acme-hq-r1 │ 10001 │ 11001" in output and "nothing written" in output
    assert snapshot(inventories) == before


def test_a_failed_write_puts_back_the_files_already_written(
    inventories: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    before = snapshot(inventories)
    real_fsync, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the second hosts.yaml of three
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    code, output = move(inventories, "--offset", "1000")
    assert code == 1 and "cannot write (No space left on device)" in output
    assert snapshot(inventories) == before  # the first file is back, no temporary file left
