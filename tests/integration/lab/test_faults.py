"""Every fault kind, and what Netmiko (and Nornir) see when it is in force."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from netmiko.exceptions import (
    ConfigInvalidException,
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)

from services.lab import images
from tests.integration.lab.conftest import DEVICES, ERROR_PATTERN, connect
from tests.utils.lab import ThreadedLab

IOS = DEVICES["cisco_ios"]


def test_unreachable_refuses_connections_and_drops_sessions(lab: ThreadedLab) -> None:
    with connect(lab, IOS) as conn:
        lab.set_fault(IOS, unreachable=True)
        with pytest.raises(OSError):
            conn.send_command("show version", read_timeout=2)
    with (
        pytest.raises(NetmikoTimeoutException, match="TCP connection to device failed"),
        connect(lab, IOS),
    ):
        pass
    lab.clear_faults(IOS)
    with connect(lab, IOS) as conn:
        assert "uptime" in conn.send_command("show version")


def test_auth_failure(lab: ThreadedLab) -> None:
    lab.set_fault(IOS, auth_failure=True)
    with pytest.raises(NetmikoAuthenticationException), connect(lab, IOS):
        pass
    logins = lab.record(IOS).logins
    assert logins and not any(login.success for login in logins)


def test_slow_adds_latency_and_short_timeouts_fail(lab: ThreadedLab) -> None:
    with connect(lab, IOS) as conn:
        lab.set_fault(IOS, slow=0.2)
        start = time.monotonic()
        conn.send_command("show clock")
        assert time.monotonic() - start >= 0.2
        with pytest.raises(ReadTimeout):
            conn.send_command("show clock", read_timeout=0.1)


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_drop_mid_config(lab: ThreadedLab, platform: str) -> None:
    name = DEVICES[platform]
    lines = {
        "cisco_ios": ["ntp server 192.0.2.91", "ntp server 192.0.2.92", "ntp server 192.0.2.93"],
        "arista_eos": ["ntp server 192.0.2.91", "ntp server 192.0.2.92", "ntp server 192.0.2.93"],
        "juniper_junos": [f"set system ntp server 192.0.2.9{i}" for i in (1, 2, 3)],
    }[platform]
    lab.set_fault(name, drop_mid_config=2)
    # Netmiko does not notice a closed channel while reading: it times out (or a later write
    # fails with OSError "Socket is closed").
    with connect(lab, name) as conn, pytest.raises((OSError, ReadTimeout)):
        conn.send_config_set(lines, read_timeout=1)
    record = lab.record(name)
    assert record.pushed_lines == lines[:2]
    assert record.config_sessions[-1].dropped


def test_reload_hangs_until_cleared(lab: ThreadedLab) -> None:
    lab.set_fault(IOS, reload_hangs=True)
    lab.reload(IOS)
    time.sleep(lab.device(IOS).timings.reload_seconds + 0.3)
    assert lab.status(IOS) == "reloading"
    with pytest.raises(NetmikoTimeoutException), connect(lab, IOS):
        pass
    lab.clear_faults(IOS)
    lab.wait_until_up(IOS, timeout=5)


def test_wrong_version_after_reload(lab: ThreadedLab) -> None:
    lab.set_fault(IOS, wrong_version_after_reload="17.3.4a")
    lab.reload(IOS)
    lab.wait_until_up(IOS)
    with connect(lab, IOS) as conn:
        assert "Version 17.3.4a," in conn.send_command("show version")


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_interface_down_after_reload_drops_bgp(lab: ThreadedLab, platform: str) -> None:
    name = DEVICES[platform]
    wan = lab.device(name).spec.data["wan"]["interface"]
    lab.set_fault(name, interface_down_after_reload="wan")
    lab.reload(name)
    lab.wait_until_up(name)
    time.sleep(lab.device(name).timings.bgp_establish_seconds + 0.1)
    snapshot = lab.snapshot(name)
    state = snapshot.interface(wan)
    assert state is not None and state.status == "down"
    assert [n.state for n in snapshot.neighbors] == ["Active"]
    brief = {
        "cisco_ios": "show ip interface brief",
        "arista_eos": "show ip interface brief",
        "juniper_junos": "show interfaces terse",
    }[platform]
    bgp = "show bgp summary" if platform == "juniper_junos" else "show ip bgp summary"
    with connect(lab, name) as conn:
        wan_line = next(
            line for line in conn.send_command(brief).splitlines() if line.startswith(wan + " ")
        )
        assert "down" in wan_line
        assert "Active" in conn.send_command(bgp)


@pytest.mark.parametrize("platform", sorted(DEVICES))
def test_reject_line(lab: ThreadedLab, platform: str) -> None:
    name = DEVICES[platform]
    line = (
        "set system ntp server 192.0.2.55"
        if platform == "juniper_junos"
        else ("ntp server 192.0.2.55")
    )
    lab.set_fault(name, reject_line=r"192\.0\.2\.55")
    with connect(lab, name) as conn, pytest.raises(ConfigInvalidException):
        conn.send_config_set([line], error_pattern=ERROR_PATTERN)
    assert lab.record(name).rejected_lines == [line]
    assert "192.0.2.55" not in lab.running_config(name)


def test_corrupt_copy_fails_verify_and_boot(lab: ThreadedLab) -> None:
    image = images.for_version("cisco_ios", "17.9.4a")
    lab.set_fault(IOS, corrupt_copy=True)
    with connect(lab, IOS) as conn:
        conn.send_config_set(["file prompt quiet"])
        conn.send_command(f"copy http://repo.example.net/{image.filename} flash:", read_timeout=30)
        out = conn.send_command(f"verify /md5 flash:{image.filename} {image.md5}")
        assert "%Error verifying" in out
        conn.send_config_set(["no boot system", f"boot system flash:{image.filename}"])
        conn.save_config()
    lab.reload(IOS)
    lab.wait_until_up(IOS)
    assert lab.version(IOS) == "17.6.5"
    assert lab.record(IOS).reloads[-1].to_version == "17.6.5"


def test_faults_from_inventory_data(lab_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inv" / "faulty"
    folder.mkdir(parents=True)
    hosts = {
        "faulty-r1": {
            "hostname": "127.0.0.1",
            "port": 1,
            "platform": "cisco_ios",
            "data": {
                "credential": "lab-generated",
                "version": "17.6.5",
                "lab": {"faults": {"auth_failure": True}},
            },
        }
    }
    (folder / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    lab = lab_factory(inventories=tmp_path / "inv")
    with pytest.raises(NetmikoAuthenticationException), connect(lab, "faulty-r1"):
        pass
    lab.clear_faults("faulty-r1")
    with connect(lab, "faulty-r1") as conn:
        assert "faulty-r1" in conn.base_prompt


def test_nornir_sees_faults_as_failed_hosts(lab_factory) -> None:  # type: ignore[no-untyped-def]
    from nornir_netmiko.tasks import netmiko_send_command

    from tests.benchmarks.lab_fleet import nornir_for

    lab = lab_factory(devices=3)
    names = lab.names
    lab.set_fault(names[0], unreachable=True)
    lab.set_fault(names[1], auth_failure=True)
    nr = nornir_for(lab.fleet, workers=3)
    result = nr.run(task=netmiko_send_command, command_string="show version")
    assert isinstance(result[names[0]].exception, NetmikoTimeoutException)
    assert isinstance(result[names[1]].exception, NetmikoAuthenticationException)
    assert not result[names[2]].failed
    nr.close_connections()
