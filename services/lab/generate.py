"""Write N-device tenant inventories for benchmarks and scale tests."""

from __future__ import annotations

from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import yaml

GENERATED_CREDENTIAL = "lab-generated"
PLATFORM_MIX = ("cisco_ios", "arista_eos", "juniper_junos", "cisco_ios")
VERSIONS = {"cisco_ios": "17.6.5", "arista_eos": "4.28.3M", "juniper_junos": "21.4R3-S5"}
WAN_PORTS = {
    "cisco_ios": "GigabitEthernet0/0",
    "arista_eos": "Ethernet1",
    "juniper_junos": "ge-0/0/0",
}
LAN_PORTS = {
    "cisco_ios": "GigabitEthernet0/1",
    "arista_eos": "Ethernet2",
    "juniper_junos": "ge-0/0/1",
}
WAN_POOL = IPv4Network("100.64.0.0/10")
# What netwave's golden templates need (templates/README.md), so generated devices boot compliant.
GOLDEN_DEFAULTS: dict[str, Any] = {
    "aaa_methods": ["local"],
    "users": ["netops"],
    "snmp_contact": "noc@example.net",
    "banner": ["Authorised access only - generated lab tenant"],
    "qos_profiles": {
        "standard": {
            "classes": [
                {
                    "name": "BUSINESS",
                    "dscp": "af21",
                    "bandwidth_percent": 30,
                    "traffic_class": 2,
                    "forwarding_class": "assured-forwarding",
                }
            ]
        }
    },
}
BANDWIDTHS = (50, 100, 200, 500, 1000)


def tenant_names(tenants: int) -> list[str]:
    return [f"gen-{i:02d}" for i in range(1, tenants + 1)]


def _host(index: int, tenant_index: int, port: int) -> dict[str, Any]:
    platform = PLATFORM_MIX[index % len(PLATFORM_MIX)]
    block = IPv4Network((int(WAN_POOL.network_address) + index * 4, 30))
    local, peer = list(block.hosts())
    return {
        "hostname": "127.0.0.1",
        "port": port,
        "platform": platform,
        "groups": ["edge"],
        "data": {
            "site": f"site{index:05d}",
            "asn": 64512 + index % 1000,
            "version": VERSIONS[platform],
            "wan": {
                "interface": WAN_PORTS[platform],
                "description": f"WAN circuit GEN-{index:05d}",
                "bandwidth_mbps": BANDWIDTHS[index % len(BANDWIDTHS)],
                "address": f"{local}/30",
            },
            "lan": {
                "interface": LAN_PORTS[platform],
                "description": f"LAN site{index:05d}",
                "address": f"10.{index // 250 % 250}.{index % 250}.1/24",
            },
            "qos_profile": "standard",
            "snmp_location": f"Site {index:05d}",
            "bgp_neighbors": [
                {"ip": str(peer), "remote_as": 64400 + tenant_index, "description": "ISP"}
            ],
        },
    }


def write_generated_inventory(
    out_dir: Path,
    devices: int,
    base_port: int,
    tenants: int = 10,
    default_rules: Path | None = None,
) -> list[str]:
    """Write `devices` hosts (platforms mixed) over up to `tenants` tenant folders, and
    `default_rules` (a compliance rule file) as the fleet's default beside them.

    Device i listens on base_port + i; every device uses the credential `lab-generated`.
    Returns the tenant names written.
    """
    if devices < 1:
        raise ValueError("devices must be at least 1")
    names = tenant_names(max(1, min(tenants, devices)))
    hosts: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in names}
    for index in range(devices):
        tenant_index = index % len(names)
        tenant = names[tenant_index]
        hosts[tenant][f"{tenant}-r{index:05d}"] = _host(index, tenant_index, base_port + index)
    for tenant in names:
        folder = out_dir / tenant
        folder.mkdir(parents=True, exist_ok=True)
        defaults = {
            "data": {
                "credential": GENERATED_CREDENTIAL,
                "ntp_servers": ["192.0.2.10"],
                "syslog_server": "192.0.2.20",
                "domain": f"{tenant}.example.net",
                **GOLDEN_DEFAULTS,
            }
        }
        (folder / "defaults.yaml").write_text(yaml.safe_dump(defaults, sort_keys=False))
        (folder / "groups.yaml").write_text(yaml.safe_dump({"edge": {"data": {"role": "edge"}}}))
        (folder / "hosts.yaml").write_text(yaml.safe_dump(hosts[tenant], sort_keys=False))
    if default_rules is not None:
        (out_dir / default_rules.name).write_text(default_rules.read_text())
    return names
