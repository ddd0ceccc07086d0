"""Each platform with Netmiko's stock driver: show, push, save, reconnect, errors, reload."""

from __future__ import annotations

import re
import time

import pytest
from netmiko.exceptions import ConfigInvalidException, NetmikoTimeoutException

from services.lab import images
from services.network.platforms import get_platform
from tests.integration.lab.conftest import DEVICES, ERROR_PATTERN, RUNNING, connect
from tests.utils.lab import ThreadedLab

PUSH = {
    "cisco_ios": (
        ["interface GigabitEthernet0/1", "description LAN netwave", "ntp server 192.0.2.99"],
        [" description LAN netwave", "ntp server 192.0.2.99"],
    ),
    "arista_eos": (
        ["interface Ethernet2", "description LAN netwave", "ntp server 192.0.2.99"],
        ["   description LAN netwave", "ntp server 192.0.2.99"],
    ),
    "juniper_junos": (
        ["set system ntp server 192.0.2.99", 'set interfaces ge-0/0/1 description "LAN netwave"'],
        ["set system ntp server 192.0.2.99", 'set interfaces ge-0/0/1 description "LAN netwave"'],
    ),
}
INVALID = {
    "cisco_ios": ["interface GigabitEthernet0/1", "bandwidth fast"],
    "arista_eos": ["interface Ethernet2", "frobnicate now"],
    "juniper_junos": [
        "set interfaces ge-0/0/1 unit 0 family inet address 10.1.1.1/24",
        "set protocols frobnicate",
    ],
}


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_push_save_reconnect_keeps_lines(lab: ThreadedLab, platform: str) -> None:
    name = DEVICES[platform]
    lines, expected = PUSH[platform]
    with connect(lab, name) as conn:
        assert name in conn.base_prompt
        assert lab.version(name) in conn.send_command("show version")
        if platform == "juniper_junos":
            conn.send_config_set(lines, exit_config_mode=False, error_pattern=ERROR_PATTERN)
            assert "commit complete" in conn.commit()
            conn.exit_config_mode()
        else:
            conn.send_config_set(lines, error_pattern=ERROR_PATTERN)
            conn.save_config()
    with connect(lab, name) as conn:
        running = conn.send_command(RUNNING[platform]).splitlines()
    for line in expected:
        assert line in running
    record = lab.record(name)
    assert record.pushed_lines == lines
    assert record.successful_logins == 2
    assert len(record.saves) + len(record.commits) == 1


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_invalid_line_raises_and_is_not_applied(lab: ThreadedLab, platform: str) -> None:
    name = DEVICES[platform]
    with connect(lab, name) as conn, pytest.raises(ConfigInvalidException):
        conn.send_config_set(INVALID[platform], error_pattern=ERROR_PATTERN)
    record = lab.record(name)
    assert record.rejected_lines == [INVALID[platform][1]]
    assert record.pushed_lines == [INVALID[platform][0]]
    assert "frobnicate" not in lab.running_config(name)


def test_ios_error_text_and_caret(lab: ThreadedLab) -> None:
    with connect(lab, DEVICES["cisco_ios"]) as conn:
        out = conn.send_config_set(["interface GigabitEthernet0/1", "bandwidth fast"])
    lines = out.splitlines()
    error = lines.index("% Invalid input detected at '^' marker.")
    typed = next(line for line in lines if line.endswith("bandwidth fast"))
    assert lines[error - 1].index("^") == typed.index("fast")


def test_unsaved_changes_are_lost_on_reload(lab: ThreadedLab) -> None:
    name = DEVICES["cisco_ios"]
    with connect(lab, name) as conn:
        conn.send_config_set(["ntp server 192.0.2.77"])
    lab.reload(name)
    lab.wait_until_up(name)
    assert "192.0.2.77" not in lab.running_config(name)


def _upgrade_ios(conn, image: images.Image) -> None:  # type: ignore[no-untyped-def]
    out = conn.send_command(
        f"copy http://repo.example.net/{image.filename} flash:",
        expect_string=r"Destination filename",
    )
    out += conn.send_command("\n", expect_string=r"#", read_timeout=30)
    assert f"{image.size} bytes copied" in out
    assert image.md5 in conn.send_command(f"verify /md5 flash:{image.filename}")
    conn.send_config_set(["no boot system", f"boot system flash:{image.filename}"])
    conn.save_config()
    conn.send_command("reload", expect_string=r"confirm")
    conn.write_channel("\n")


def _upgrade_eos(conn, image: images.Image) -> None:  # type: ignore[no-untyped-def]
    out = conn.send_command(
        f"copy http://repo.example.net/{image.filename} flash:", read_timeout=30
    )
    assert "Copy completed successfully." in out
    assert image.md5 in conn.send_command(f"verify /md5 flash:{image.filename}")
    conn.send_config_set([f"boot system flash:{image.filename}"])
    conn.save_config()
    conn.send_command("reload", expect_string=r"confirm")
    conn.write_channel("\n")


def _upgrade_junos(conn, image: images.Image) -> None:  # type: ignore[no-untyped-def]
    conn.send_command(
        f"file copy http://repo.example.net/{image.filename} /var/tmp/", read_timeout=30
    )
    assert image.md5 in conn.send_command(f"file checksum md5 /var/tmp/{image.filename}")
    out = conn.send_command(f"request system software add /var/tmp/{image.filename} no-validate")
    assert "pending" in out
    conn.send_command("request system reboot", expect_string=r"yes,no")
    conn.write_channel("yes\n")


UPGRADES = {
    "cisco_ios": ("17.9.4a", _upgrade_ios),
    "arista_eos": ("4.30.4M", _upgrade_eos),
    "juniper_junos": ("22.4R3", _upgrade_junos),
}


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_reload_drops_and_returns_on_booted_version(lab: ThreadedLab, platform: str) -> None:
    name = DEVICES[platform]
    target, upgrade = UPGRADES[platform]
    image = images.for_version(platform, target)
    with connect(lab, name) as conn:
        upgrade(conn, image)
        deadline = time.monotonic() + 5
        while lab.status(name) != "reloading" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert lab.status(name) == "reloading"
        with pytest.raises(OSError):  # the session is gone
            conn.send_command("show version", read_timeout=2)
    with pytest.raises(NetmikoTimeoutException), connect(lab, name, conn_timeout=2):
        pass
    lab.wait_until_up(name)
    with connect(lab, name) as conn:
        assert target in conn.send_command("show version")
    reload = lab.record(name).reloads[-1]
    assert (reload.from_version, reload.to_version) == (
        lab.device(name).spec.data["version"],
        target,
    )


# What each lab CLI answers to a line it refuses, in each of its ways to refuse.
REFUSED_LINES = {
    "cisco_ios": [["interface GigabitEthernet0/1", "bandwidth fast"], ["interface"], ["sh"]],
    "arista_eos": [["interface Ethernet2", "frobnicate now"], ["interface"]],
    "juniper_junos": [["set protocols frobnicate"], ["set interfaces"], ["frobnicate"]],
}


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_the_drivers_error_pattern_matches_every_lab_refusal(
    lab: ThreadedLab, platform: str
) -> None:
    pattern = get_platform(platform).push.error_pattern
    with connect(lab, DEVICES[platform]) as conn:
        for lines in REFUSED_LINES[platform]:
            said = conn.send_config_set(lines, exit_config_mode=False)
            assert re.search(pattern, said, re.M), (platform, lines, said)
        conn.exit_config_mode()
    assert lab.record(DEVICES[platform]).rejected_lines
