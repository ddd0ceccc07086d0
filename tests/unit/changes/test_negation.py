"""Rollbacks and remediation never delete a port: its lines are negated instead."""

from __future__ import annotations

import pytest

from services.changes.negation import keep_ports, physical
from services.changes.plan import DevicePlan, restore_commands

RUNNING = """hostname rt1
interface eth1
 bandwidth 100
 ip address 10.0.1.1/30
interface p39
 bandwidth 300
interface eth1.300
 ip address 10.30.0.1/24
"""


@pytest.mark.parametrize(
    ("name", "port"),
    [
        ("eth1", True),
        ("GigabitEthernet0/0", True),
        ("Ethernet1", True),
        ("p39", True),
        ("GigabitEthernet0/1.300", False),
        ("Loopback0", False),
        ("Vlan10", False),
        ("Port-Channel1", False),
        ("lo", False),
    ],
)
def test_ports_and_logical_interfaces(name: str, port: bool) -> None:
    assert physical(name) is port


def test_a_port_is_negated_line_by_line_and_a_sub_interface_deleted() -> None:
    commands = ["no interface p39", "no interface eth1.300", "hostname rt2"]
    assert keep_ports("cisco_ios", commands, RUNNING) == [
        "interface p39",
        " no bandwidth 300",
        "no interface eth1.300",
        "hostname rt2",
    ]


def test_frr_never_deletes_an_interface_it_only_configures() -> None:
    """FRR refuses `no interface eth1.300` while the kernel has it ("only inactive interfaces
    can be deleted"): its lines are negated like a port's."""
    commands = ["no interface p39", "no interface eth1.300", "hostname rt2"]
    assert keep_ports("frr", commands, RUNNING) == [
        "interface p39",
        " no bandwidth 300",
        "interface eth1.300",
        " no ip address 10.30.0.1/24",
        "hostname rt2",
    ]


def test_restoring_a_backup_never_deletes_a_port() -> None:
    backup = "hostname rt1\ninterface eth1\n bandwidth 100\n ip address 10.0.1.1/30\n"
    plan = DevicePlan(
        device="rt1",
        platform="frr",
        features=["interfaces"],
        sections=["interface eth1", "interface p39", "interface eth1.300"],
        commands=[],
        rollback=[],
        diff="",
        intended_hash="",
        running_hash="",
        future_hash="",
    )
    commands = restore_commands(plan, RUNNING, backup)
    assert "no interface p39" not in commands
    assert commands[commands.index("interface p39") + 1] == " no bandwidth 300"
    assert "no interface eth1.300" not in commands
    assert commands[commands.index("interface eth1.300") + 1] == " no ip address 10.30.0.1/24"
