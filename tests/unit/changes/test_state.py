"""Show-command parsers per platform (outputs captured from the lab) and the post-change checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.changes.requests import QosProfileChange, VlanHandoffChange, WanBandwidthChange
from services.core.errors import DeviceError
from services.network.state import (
    BgpNeighbor,
    DeviceState,
    InterfaceState,
    parse_state,
    state_commands,
    verify_change,
)
from tests.unit.changes.conftest import FLEET

DATA = Path(__file__).parent / "data"


def outputs(platform: str, **replace: tuple[str, str]) -> dict[str, str]:
    found = {}
    for command in state_commands(platform).commands:
        text = (DATA / f"{platform}_{command.replace(' ', '_')}.txt").read_text()
        for old, new in replace.values():
            text = text.replace(old, new)
        found[command] = text
    return found


def test_ios() -> None:
    state = parse_state("cisco_ios", outputs("cisco_ios"))
    assert state.interfaces["GigabitEthernet0/0"] == InterfaceState(up=True, bandwidth_kbps=200000)
    assert not state.interfaces["GigabitEthernet0/2"].up  # administratively down
    assert state.bgp == {"198.51.100.2": BgpNeighbor(state="Established", prefixes=76)}
    assert state.route_count == 83


def test_eos() -> None:
    state = parse_state("arista_eos", outputs("arista_eos"))
    assert state.interfaces["Ethernet1"] == InterfaceState(up=True, bandwidth_kbps=1000000)
    assert not state.interfaces["Ethernet3"].up
    assert state.bgp == {"198.51.100.6": BgpNeighbor(state="Established", prefixes=80)}
    assert state.route_count == 92


def test_fortios_link_state_from_the_ports_and_the_rate_from_the_config() -> None:
    state = parse_state("fortinet", outputs("fortinet"))
    assert state.interfaces["wan1"] == InterfaceState(up=True, bandwidth_kbps=500000)
    assert not state.interfaces["internal"].up  # its link is down, its config is not
    assert not state.interfaces["dmz"].up  # `set status down`
    assert state.bgp == {"198.51.100.42": BgpNeighbor(state="Established", prefixes=26)}
    assert state.route_count == 27


def test_junos_units_carry_the_configured_bandwidth() -> None:
    state = parse_state("juniper_junos", outputs("juniper_junos"))
    assert state.interfaces["ge-0/0/0"] == InterfaceState(up=True)
    assert state.interfaces["ge-0/0/0.0"] == InterfaceState(up=True, bandwidth_kbps=100000)
    assert not state.interfaces["ge-0/0/2.0"].up
    assert state.bgp == {"198.51.100.14": BgpNeighbor(state="Established", prefixes=88)}
    assert state.route_count == 95


def test_neighbour_not_established() -> None:
    ios = parse_state("cisco_ios", outputs("cisco_ios", bgp=("00:00:00 76", "never    Active")))
    assert ios.bgp["198.51.100.2"] == BgpNeighbor(state="Active")
    eos = parse_state("arista_eos", outputs("arista_eos", bgp=(" Estab ", " Active ")))
    assert eos.bgp["198.51.100.6"].state == "Active"
    junos = parse_state(
        "juniper_junos",
        outputs("juniper_junos", bgp=("Establ\n  inet.0: 88/88/88/0", "Active")),
    )
    assert junos.bgp["198.51.100.14"] == BgpNeighbor(state="Active")


def test_link_down() -> None:
    ios = parse_state(
        "cisco_ios",
        outputs(
            "cisco_ios",
            wan=(
                "GigabitEthernet0/0 is up, line protocol is up",
                "GigabitEthernet0/0 is down, line protocol is down",
            ),
        ),
    )
    assert not ios.interfaces["GigabitEthernet0/0"].up
    junos = parse_state(
        "juniper_junos",
        outputs(
            "juniper_junos",
            wan=(
                "ge-0/0/0, Enabled, Physical link is Up",
                "ge-0/0/0, Enabled, Physical link is Down",
            ),
        ),
    )
    assert not junos.interfaces["ge-0/0/0"].up and not junos.interfaces["ge-0/0/0.0"].up


def test_unreadable_output_is_a_device_error() -> None:
    with pytest.raises(DeviceError, match="cannot parse `show route summary`"):
        parse_state(
            "juniper_junos", {**outputs("juniper_junos"), "show route summary": "garbage\n"}
        )
    # Output without rows gives no neighbours, never invented ones.
    garbage = {**outputs("cisco_ios"), "show ip bgp summary": "% BGP not active\n"}
    assert parse_state("cisco_ios", garbage).bgp == {}


def state(bandwidth: int = 300000, up: bool = True, bgp: str = "Established") -> DeviceState:
    return DeviceState(
        interfaces={
            "GigabitEthernet0/0": InterfaceState(up=up, bandwidth_kbps=bandwidth),
            "GigabitEthernet0/1.120": InterfaceState(up=True, bandwidth_kbps=1000000),
        },
        bgp={
            "198.51.100.2": BgpNeighbor(state=bgp, prefixes=5 if bgp == "Established" else None),
            "198.51.100.9": BgpNeighbor(state="Active"),
        },
        route_count=10,
    )


HQ = FLEET["acme-hq-r1"].data
BANDWIDTH = WanBandwidthChange(site="hq", bandwidth_mbps=300)


def test_verify_passes() -> None:
    result = verify_change(BANDWIDTH, state(200000), state(), HQ)
    assert result.ok
    assert [c.name for c in result.checks] == ["wan_up", "wan_bandwidth", "bgp 198.51.100.2"]


def test_verify_catches_each_failure() -> None:
    assert verify_change(BANDWIDTH, state(), state(bandwidth=200000), HQ).failed[0].detail == (
        "GigabitEthernet0/0 bandwidth 200000 kbps (requested 300000 kbps)"
    )
    assert [c.name for c in verify_change(BANDWIDTH, state(), state(up=False), HQ).failed] == [
        "wan_up"
    ]
    failed = verify_change(BANDWIDTH, state(), state(bgp="Active"), HQ).failed
    assert [(c.name, c.detail) for c in failed] == [
        ("bgp 198.51.100.2", "BGP 198.51.100.2: Established before, Active after")
    ]
    gone = DeviceState(interfaces=state().interfaces)
    assert not verify_change(BANDWIDTH, state(), gone, HQ).ok


def test_verify_other_kinds() -> None:
    qos = verify_change(QosProfileChange(site="hq", profile="standard"), state(), state(), HQ)
    assert qos.ok and "wan_bandwidth" not in [c.name for c in qos.checks]
    vlan = VlanHandoffChange.model_validate(
        {"site": "hq", "vlan_id": 120, "address": "10.7.0.1/24"}
    )
    assert verify_change(vlan, state(), state(), HQ).ok
    missing = VlanHandoffChange.model_validate(
        {"site": "hq", "vlan_id": 121, "address": "10.7.0.1/24"}
    )
    assert verify_change(missing, state(), state(), HQ).failed[0].name == "vlan_up"


def test_junos_bandwidth_is_read_on_unit_0() -> None:
    data = FLEET["acme-branch2-r1"].data
    after = parse_state("juniper_junos", outputs("juniper_junos"))
    assert verify_change(
        WanBandwidthChange(site="branch2", bandwidth_mbps=100), after, after, data
    ).ok
