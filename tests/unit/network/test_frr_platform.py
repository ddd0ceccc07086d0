"""Platform `frr`: vtysh JSON state parsers, templates, config parsing and error patterns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from services.changes.plan import same_config
from services.compliance.hier import driver_for, parse
from services.core.errors import DeviceError
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.platforms.frr import bgp as frr_bgp
from services.network.platforms.frr import interfaces as frr_interfaces
from services.network.platforms.frr import routes as frr_routes
from services.network.push import error_pattern
from services.network.render import renderer_for
from services.network.state import parse_state, state_commands

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"

INTERFACES = {
    "eth1": {"administrativeStatus": "up", "operationalStatus": "up", "bandwidth": 100},
    "eth2": {"administrativeStatus": "up", "operationalStatus": "down"},
    "lan0": {"administrativeStatus": "down", "pseudoInterface": True},
}
BGP = {
    "ipv4Unicast": {
        "peers": {
            "10.0.1.2": {"state": "Established", "pfxRcd": 2},
            "10.0.3.1": {"state": "Active", "pfxRcd": 0},
        }
    }
}
RUNNING = """Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults traditional
hostname rt1
log syslog informational
!
interface eth1
 bandwidth 100
 ip address 10.0.1.1/30
exit
!
interface lan0
 ip address 172.16.1.1/24
exit
!
router bgp 65101
 neighbor 10.0.1.2 remote-as 65102
 !
 address-family ipv4 unicast
  network 172.16.1.0/24
 exit-address-family
exit
!
end
"""


def test_state_parsers_read_frr_json() -> None:
    interfaces = frr_interfaces(json.dumps(INTERFACES))
    assert interfaces["eth1"].up and interfaces["eth1"].bandwidth_kbps == 100_000
    assert not interfaces["eth2"].up and not interfaces["lan0"].up
    bgp = frr_bgp(json.dumps(BGP))
    assert bgp["10.0.1.2"].established and bgp["10.0.1.2"].prefixes == 2
    assert bgp["10.0.3.1"].state == "Active" and bgp["10.0.3.1"].prefixes is None
    assert frr_bgp("") == {} and frr_bgp("{}") == {}
    assert frr_routes('{"routes": [], "routesTotal": 7}') == 7


def test_state_is_registered_and_refuses_garbage() -> None:
    commands = state_commands("frr")
    outputs = {
        commands.interfaces[0]: json.dumps(INTERFACES),
        commands.bgp[0]: json.dumps(BGP),
        commands.routes[0]: '{"routesTotal": 3}',
    }
    assert parse_state("frr", outputs).route_count == 3
    with pytest.raises(DeviceError, match="did not answer JSON"):
        frr_interfaces("% Unknown command: show interface json")


def test_running_config_parses_without_frr_exit_lines() -> None:
    tree = parse(driver_for("frr"), RUNNING)
    top = [child.text for child in tree.children]
    assert top == ["hostname rt1", "log syslog informational", "interface eth1",
                   "interface lan0", "router bgp 65101"]  # fmt: skip
    assert same_config("frr", RUNNING, RUNNING.replace("frr version 8.4.4", "frr version 9.1"))
    stripped = get_platform("frr").strip_volatile(RUNNING)
    assert stripped.startswith("!\nfrr defaults traditional\nhostname rt1")


@pytest.mark.parametrize(
    "answer",
    [
        "% Unknown command: foo",
        "% Command incomplete: neighbor 1.2.3.4",
        "% Invalid input",
        # zebra refusing `no interface p34` on a live port (the text reported in issue 18)
        "% Configuration failed.\n\nError type: validation\n"
        "Error description: only inactive interfaces can be deleted",
    ],
)
def test_error_patterns(answer: str) -> None:
    assert re.search(error_pattern("frr"), answer, re.M)


def test_templates_render_every_feature() -> None:
    device = Device(
        name="rt1",
        tenant="t",
        hostname="10.255.1.2",
        port=22,
        platform="frr",
        credential="c",
        data={
            "asn": 65101,
            "router_id": "192.168.255.1",
            "wan": {
                "interface": "eth1",
                "address": "10.0.1.1/30",
                "description": "to rt2",
                "bandwidth_mbps": 100,
            },
            "lan": {"interface": "lan0", "address": "172.16.1.1/24", "description": "LAN"},
            "bgp_neighbors": [{"ip": "10.0.1.2", "remote_as": 65102, "description": "rt2"}],
            "static_routes": [{"prefix": "203.0.113.16/28", "next_hop": "Null0"}],
        },
    )
    renderer = renderer_for(TEMPLATES)
    assert renderer.features("frr") == (
        "system", "logging", "static_routes", "interfaces", "bgp", "prefix_lists", "route_maps"
    )  # fmt: skip
    config = renderer.render_device(device)
    for line in (
        "hostname rt1",
        "ip route 203.0.113.16/28 Null0",
        " bandwidth 100",
        " ip address 10.0.1.1/30",
        " neighbor 10.0.1.2 remote-as 65102",
        "  network 172.16.1.0/24",
        "ip prefix-list LAN-OUT seq 5 permit 172.16.1.0/24",
        " match ip address prefix-list LAN-OUT",
    ):
        assert line in config.splitlines(), line


def test_backups_keep_frr_defaults_and_drop_only_the_header() -> None:
    running = (
        "Building configuration...\n\nCurrent configuration:\n!\nfrr version 8.4.4\n"
        "frr defaults traditional\nhostname rt1\n!\nend\n"
    )
    kept = get_platform("frr").strip_volatile(running)
    assert "frr defaults traditional" in kept
    assert "frr version" not in kept and "Building configuration" not in kept


def test_a_refusal_carries_the_whole_answer_without_echo_or_prompt() -> None:
    from services.network.push import answer_of

    output = (
        "rt1(config)# no interface eth2\n% Configuration failed.\n\nError type: validation\n"
        "Error description: only inactive interfaces can be deleted\nrt1(config)# "
    )
    assert answer_of(output, "no interface eth2") == (
        "% Configuration failed. / Error type: validation / "
        "Error description: only inactive interfaces can be deleted"
    )
    assert answer_of("rt1(config)# foo bar\n% Unknown command: foo bar\n", "foo bar") == (
        "% Unknown command: foo bar"
    )


def core_router(bgp_neighbors: list[dict[str, object]]) -> Device:
    """An FRR core router: a WAN named `ens3` (not eth*), no LAN."""
    return Device(
        name="core1",
        tenant="t",
        hostname="10.255.1.9",
        port=22,
        platform="frr",
        credential="c",
        data={
            "asn": 65109,
            "router_id": "192.168.255.9",
            "wan": {
                "interface": "ens3",
                "address": "10.0.9.1/30",
                "description": "to core2",
                "bandwidth_mbps": 1000,
            },
            "bgp_neighbors": bgp_neighbors,
        },
    )


def test_a_router_without_a_lan_renders_and_announces_nothing() -> None:
    device = core_router(
        bgp_neighbors=[{"ip": "10.0.9.2", "remote_as": 65110, "description": "core2"}]
    )
    config = renderer_for(TEMPLATES).render_device(device).splitlines()
    assert "interface ens3" in config and " bandwidth 1000" in config
    assert not any("network " in line for line in config)
    assert "ip prefix-list LAN-OUT seq 5 deny any" in config


def test_frr_audits_the_interfaces_the_inventory_names_whatever_their_names() -> None:
    from services.compliance.compare import compare_device
    from services.compliance.rules import load_rules

    device = core_router(bgp_neighbors=[])
    intended = renderer_for(TEMPLATES).render_device(device)
    rules = load_rules(TEMPLATES.parent / "inventories" / "compliance.yaml")
    # A routed link named ens3 is audited; a management port the inventory does not name is not.
    running = intended.replace(" bandwidth 1000", " bandwidth 900") + (
        "interface mgmt0\n ip address 192.168.0.9/24\nexit\n"
    )
    interfaces = next(
        f
        for f in compare_device(device, running, intended, rules).features
        if f.feature == "interfaces"
    )
    assert interfaces.status == "drift"
    assert interfaces.missing == ["interface ens3", " bandwidth 1000"]
    assert not any("mgmt0" in line for line in interfaces.extra + interfaces.remediation)
