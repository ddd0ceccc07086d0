"""Sub-interfaces (IOS/EOS) and Junos logical units; Junos `display set` keeps hierarchy order."""

from __future__ import annotations

import re

import pytest
from netmiko.exceptions import ConfigInvalidException

from tests.integration.lab.conftest import DEVICES, ERROR_PATTERN, RUNNING, connect
from tests.utils.lab import ThreadedLab

PHYSICAL = r"% Removal of physical interfaces is not permitted"
SUB = {
    "cisco_ios": ("GigabitEthernet0/1", "GigabitEthernet0/1.120", "encapsulation dot1Q 120"),
    "arista_eos": ("Ethernet2", "Ethernet2.120", "encapsulation dot1q vlan 120"),
}
JUNOS = DEVICES["juniper_junos"]
UNIT = "set interfaces ge-0/0/1 unit 120"
HANDOFF = [
    f'{UNIT} description "Guest WiFi"',
    f"{UNIT} vlan-id 120",
    f"{UNIT} family inet address 10.77.0.1/24",
]


@pytest.mark.parametrize("platform", sorted(SUB))
def test_sub_interface_can_be_removed_but_not_its_port(lab: ThreadedLab, platform: str) -> None:
    name = DEVICES[platform]
    port, sub, encapsulation = SUB[platform]
    with connect(lab, name) as conn:
        conn.send_config_set(
            [f"interface {sub}", encapsulation, "ip address 10.77.0.1 255.255.255.0"],
            error_pattern=ERROR_PATTERN,
        )
        assert f"interface {sub}" in lab.running_config(name)
        conn.send_config_set([f"no interface {sub}"], error_pattern=ERROR_PATTERN + "|% Removal")
        assert f"interface {sub}" not in lab.running_config(name)
        with pytest.raises(ConfigInvalidException):
            conn.send_config_set([f"no interface {port}"], error_pattern=PHYSICAL)
    assert f"interface {port}\n" in lab.running_config(name)


def _commit(lab: ThreadedLab, lines: list[str]) -> None:
    with connect(lab, JUNOS) as conn:
        conn.send_config_set(lines, exit_config_mode=False, error_pattern=ERROR_PATTERN)
        assert "commit complete" in conn.commit()
        conn.exit_config_mode()


def test_junos_show_interfaces_lists_every_unit(lab: ThreadedLab) -> None:
    _commit(lab, HANDOFF)
    with connect(lab, JUNOS) as conn:
        everything = str(conn.send_command("show interfaces"))
        port = str(conn.send_command("show interfaces ge-0/0/1"))
        unit = str(conn.send_command("show interfaces ge-0/0/1.120"))
        terse = str(conn.send_command("show interfaces terse"))
        one = str(conn.send_command("show interfaces terse ge-0/0/1.120"))
        missing = str(conn.send_command("show interfaces ge-0/0/1.999"))
    for text in (everything, port):
        assert "Logical interface ge-0/0/1.0 " in text
        assert "Logical interface ge-0/0/1.120 " in text
    assert "Physical interface" not in unit
    assert "Logical interface ge-0/0/1.120 " in unit
    assert "Description: Guest WiFi" in unit
    assert "Flags: Up SNMP-Traps 0x4000 VLAN-Tag [ 0x8100.120 ]" in unit
    assert "Destination: 10.77.0.0/24, Local: 10.77.0.1" in unit
    assert re.search(r"^ge-0/0/1\.120\s+up\s+up\s+inet\s+10\.77\.0\.1/24$", terse, re.M)
    assert re.search(r"^ge-0/0/1\.0\s+up\s+up\s+inet\s+", terse, re.M)
    assert one.strip().splitlines()[1:] == [
        "ge-0/0/1.120            up    up   inet     10.77.0.1/24"
    ]
    assert "error: device ge-0/0/1.999 not found" in missing
    routes = lab.snapshot(JUNOS).routes.connected

    _commit(lab, ["set interfaces ge-0/0/1 disable"])
    with connect(lab, JUNOS) as conn:
        terse = str(conn.send_command("show interfaces terse"))
        unit = str(conn.send_command("show interfaces ge-0/0/1.120"))
    assert re.search(r"^ge-0/0/1\.120\s+up\s+down\s+inet", terse, re.M)
    assert "Flags: Device-Down" in unit
    assert lab.snapshot(JUNOS).routes.connected < routes


def test_junos_statement_set_again_returns_to_its_place(lab: ThreadedLab) -> None:
    with connect(lab, JUNOS) as conn:
        before = str(conn.send_command(RUNNING["juniper_junos"]))
    statement = next(s for s in before.splitlines() if " unit 0 bandwidth " in s)
    _commit(lab, ["delete" + statement[3:], "set interfaces ge-0/0/0 unit 0 bandwidth 150m"])
    with connect(lab, JUNOS) as conn:
        changed = str(conn.send_command(RUNNING["juniper_junos"]))
    assert changed.splitlines().index(
        "set interfaces ge-0/0/0 unit 0 bandwidth 150m"
    ) == before.splitlines().index(statement)
    _commit(lab, ["delete interfaces ge-0/0/0 unit 0 bandwidth", statement])
    with connect(lab, JUNOS) as conn:
        assert str(conn.send_command(RUNNING["juniper_junos"])) == before
    lines = before.splitlines()
    tops = [line.split()[1] for line in lines if line.startswith("set ")]
    assert tops == sorted(tops, key=tops.index)  # each top-level hierarchy printed as one block
