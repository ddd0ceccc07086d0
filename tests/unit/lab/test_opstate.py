from __future__ import annotations

import time
from ipaddress import IPv4Interface

import pytest

from services.lab.config_tree import SetConfig
from services.lab.platforms import get_cli
from tests.unit.lab.conftest import WAN, make_device


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos", "juniper_junos"])
def test_initial_state_is_up_and_established(platform: str) -> None:
    device = make_device(platform)
    snap = get_cli(platform).snapshot(device)
    wan = snap.interface(WAN[platform])
    assert wan is not None and wan.up and wan.config.bandwidth_kbps == 100_000
    assert [(str(n.config.ip), n.state) for n in snap.neighbors] == [
        ("198.51.100.2", "Established")
    ]
    assert snap.routes.bgp == snap.neighbors[0].prefixes > 0


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos", "juniper_junos"])
def test_link_down_drops_the_neighbour(platform: str) -> None:
    device = make_device(platform)
    device.state.link_down.add(WAN[platform])
    snap = get_cli(platform).snapshot(device)
    assert snap.interface(WAN[platform]).status == "down"  # type: ignore[union-attr]
    assert snap.neighbors[0].state == "Active"
    assert snap.routes.bgp == 0


def test_neighbours_wait_after_boot() -> None:
    device = make_device("cisco_ios", bgp_establish_seconds=30)
    snap = get_cli("cisco_ios").snapshot(device)
    assert snap.neighbors[0].state == "Active"


def test_prefix_counts_from_lab_data() -> None:
    device = make_device("cisco_ios", bgp_prefixes={"198.51.100.2": 42})
    assert get_cli("cisco_ios").snapshot(device).neighbors[0].prefixes == 42


def test_counters_grow_with_time() -> None:
    """1 % of a 100 Mbps WAN in 500-byte packets since the boot, 100 s ago: 25,000 packets,
    plus what the time between the lines adds (a loaded machine counted 25,001)."""
    device = make_device("cisco_ios")
    start = time.monotonic()
    device.state.booted_at = start - 100
    wan = get_cli("cisco_ios").snapshot(device).interface(WAN["cisco_ios"])
    taken = time.monotonic() - start
    assert wan is not None
    assert 25_000 <= wan.in_packets <= int((100 + taken) * 1_000_000 / 8 / 500)


def test_junos_units_are_interfaces_that_follow_their_port() -> None:
    device = make_device("juniper_junos")
    running = device.state.running
    assert isinstance(running, SetConfig)
    before = get_cli("juniper_junos").snapshot(device).routes.connected
    unit = "interfaces ge-0/0/1 unit 120"
    running.set(f'{unit} description "Guest WiFi"')
    running.set(f"{unit} vlan-id 120")
    running.set(f"{unit} family inet address 10.77.0.1/24")
    snap = get_cli("juniper_junos").snapshot(device)
    port = snap.interface("ge-0/0/1")
    sub = snap.interface("ge-0/0/1.120")
    assert port is not None and sub is not None and sub.up
    assert port.config.address is not None  # unit 0's address stays on the port
    assert port.config.address != sub.config.address
    assert (sub.config.parent, sub.config.vlan_id, sub.config.description) == (
        "ge-0/0/1",
        120,
        "Guest WiFi",
    )
    assert sub.config.address == IPv4Interface("10.77.0.1/24")
    assert snap.routes.connected == before + 1
    device.state.link_down.add("ge-0/0/1")
    sub = get_cli("juniper_junos").snapshot(device).interface("ge-0/0/1.120")
    assert sub is not None and sub.status == "down"
    device.state.link_down.clear()
    running.set(f"{unit} disable")
    sub = get_cli("juniper_junos").snapshot(device).interface("ge-0/0/1.120")
    assert sub is not None and sub.status == "administratively down"
