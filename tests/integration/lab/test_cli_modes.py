"""CLI modes and config-mode behaviour that netwave's templates rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.integration.lab.conftest import DEVICES, ERROR_PATTERN, connect
from tests.utils.lab import ThreadedLab


def _user_mode_inventory(root: Path) -> Path:
    folder = root / "inv" / "usermode"
    folder.mkdir(parents=True)
    hosts = {
        f"um-{platform}": {
            "hostname": "127.0.0.1",
            "port": port,
            "platform": platform,
            "data": {"credential": "lab-generated", "lab": {"privilege": 1}},
        }
        for port, platform in enumerate(("cisco_ios", "arista_eos"), start=1)
    }
    (folder / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    return root / "inv"


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos"])
def test_user_mode_needs_enable(lab_factory, tmp_path: Path, platform: str) -> None:  # type: ignore[no-untyped-def]
    lab = lab_factory(inventories=_user_mode_inventory(tmp_path))
    name = f"um-{platform}"
    with connect(lab, name) as conn:
        assert conn.find_prompt().endswith(">")
        assert "Invalid input" in conn.send_command("show running-config")
        conn.enable()
        assert conn.find_prompt().endswith("#")
        conn.send_config_set(["ntp server 192.0.2.42"])
        assert "ntp server 192.0.2.42" in conn.send_command("show running-config")
    if platform == "cisco_ios":  # EOS drivers wait for `#` instead: a 10 s ReadTimeout
        with connect(lab, name, secret="wrong") as conn, pytest.raises(ValueError):
            conn.enable()


def test_ios_submodes_nest_and_fall_back_to_parents(lab: ThreadedLab) -> None:
    name = DEVICES["cisco_ios"]
    lines = [
        "class-map match-any VOICE",
        "match dscp ef",
        "policy-map WAN-OUT",
        "class VOICE",
        "priority percent 20",
        "class class-default",
        "fair-queue",
        "interface GigabitEthernet0/0",
        "service-policy output WAN-OUT",
        "bandwidth 300000",
        "hostname acme-hq-r1",
        "line vty 0 4",
        "exec-timeout 10 0",
    ]
    with connect(lab, name) as conn:
        out = conn.send_config_set(lines, error_pattern=ERROR_PATTERN)
        assert "(config-pmap-c)#" in out and "(config-line)#" in out
        running = conn.send_command("show running-config")
    policy = "policy-map WAN-OUT\n class VOICE\n  priority percent 20\n class class-default\n"
    assert policy in running
    wan = running.split("interface GigabitEthernet0/0\n", 1)[1].split("!", 1)[0].splitlines()
    assert wan == [
        " description WAN ISP-A circuit ACME-0001",
        " bandwidth 300000",
        " ip address 198.51.100.1 255.255.255.252",
        " service-policy output WAN-OUT",
    ]
    assert "line vty 0 4\n login local\n transport input ssh\n exec-timeout 10 0" in running


def test_eos_prompts_and_prefix_addresses(lab: ThreadedLab) -> None:
    name = DEVICES["arista_eos"]
    with connect(lab, name) as conn:
        out = conn.send_config_set(
            ["interface Et3", "no shutdown", "no switchport", "ip address 10.9.9.1 255.255.255.0"],
            error_pattern=ERROR_PATTERN,
        )
        assert "(config-if-Et3)#" in out
        running = conn.send_command("show running-config | section Ethernet3")
    assert "interface Ethernet3\n   no switchport\n   ip address 10.9.9.1/24" in running


def test_junos_commit_check_rollback_and_compare(lab: ThreadedLab) -> None:
    name = DEVICES["juniper_junos"]
    with connect(lab, name) as conn:
        conn.config_mode()
        conn.send_command(
            "set protocols bgp group NEW neighbor 192.0.2.200", expect_string=r"#\s*$"
        )
        with pytest.raises(ValueError, match="check-out failed"):
            conn.commit(check=True)
        compare = conn.send_command("show | compare", expect_string=r"#\s*$")
        assert "+  set protocols bgp group NEW neighbor 192.0.2.200" in compare
        conn.send_command("rollback 0", expect_string=r"#\s*$")
        assert "commit complete" in conn.commit()
        conn.exit_config_mode()
        assert "NEW" not in conn.send_command("show configuration | display set")
        assert "host-name" in conn.send_command("show configuration system")
    assert len(lab.record(name).commits) == 1


def test_banner_and_do_in_config_mode(lab: ThreadedLab) -> None:
    name = DEVICES["cisco_ios"]
    with connect(lab, name) as conn:
        conn.send_config_set(["banner motd ^C", "Maintenance tonight", "^C"])
        out = conn.send_config_set(["do show ip interface brief"])
        assert "GigabitEthernet0/0" in out
        running = conn.send_command("show running-config")
    assert "banner motd ^C\nMaintenance tonight\n^C" in running
