"""Values the initial configs are built from: inventory data plus stable derived addresses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface
from typing import Any

from services.lab.device import DeviceSpec


@dataclass(frozen=True)
class Neighbor:
    ip: str
    remote_as: int
    description: str


@dataclass(frozen=True)
class Seed:
    hostname: str
    username: str
    domain: str
    ntp_servers: tuple[str, ...]
    syslog_server: str | None
    asn: int
    loopback: IPv4Interface
    lan: IPv4Interface
    wan_interface: str | None
    wan_address: IPv4Interface | None
    wan_mbps: int
    wan_description: str
    lan_interface: str | None
    lan_description: str
    neighbors: tuple[Neighbor, ...]
    extra_config: tuple[str, ...]
    serial: str
    mac: str

    @property
    def router_id(self) -> str:
        return str(self.loopback.ip)


def _digest(name: str) -> bytes:
    return hashlib.sha256(name.encode()).digest()


def seed_of(spec: DeviceSpec) -> Seed:
    data: dict[str, Any] = spec.data
    h = _digest(spec.name)
    wan = data.get("wan") or {}
    neighbors = tuple(
        Neighbor(str(n["ip"]), int(n["remote_as"]), str(n.get("description") or "peer"))
        for n in data.get("bgp_neighbors") or []
    )
    wan_address = IPv4Interface(wan["address"]) if wan.get("address") else None
    peer = neighbors[0].description if neighbors else "uplink"
    extra = spec.lab.get("extra_config") or []
    lan = data.get("lan") or {}
    lan_address = IPv4Interface(lan["address"]) if lan.get("address") else None
    return Seed(
        hostname=spec.name,
        username=spec.credential.username,
        domain=str(data.get("domain") or "lab.example.net"),
        ntp_servers=tuple(str(s) for s in data.get("ntp_servers") or []),
        syslog_server=str(data["syslog_server"]) if data.get("syslog_server") else None,
        asn=int(data.get("asn") or 65000),
        loopback=IPv4Interface(f"10.255.{h[0]}.{h[1] or 1}/32"),
        lan=lan_address or IPv4Interface(f"10.{h[2] % 200 + 20}.{h[3]}.1/24"),
        wan_interface=str(wan["interface"]) if wan.get("interface") else None,
        wan_address=wan_address,
        wan_mbps=int(wan.get("bandwidth_mbps") or 100),
        wan_description=str(wan.get("description") or f"WAN {peer}"),
        lan_interface=str(lan["interface"]) if lan.get("interface") else None,
        lan_description=str(lan.get("description") or "LAN"),
        neighbors=neighbors,
        extra_config=tuple(str(line) for line in extra),
        serial=h[4:9].hex().upper()[:11],
        mac=f"5254.{h[9]:02x}{h[10]:02x}.{h[11]:02x}{h[12]:02x}",
    )


def fake_hash(seed: Seed, salt: str) -> str:
    """A stable stand-in for a password hash (the lab never stores real secrets in configs)."""
    return hashlib.sha256(f"{seed.hostname}:{salt}".encode()).hexdigest()[:43]


def mask(address: IPv4Interface) -> str:
    return f"{address.ip} {address.netmask}"


def network_mask(address: IPv4Interface) -> str:
    return f"{address.network.network_address} mask {address.netmask}"


def peer_of(address: IPv4Interface) -> IPv4Address:
    hosts = [h for h in address.network.hosts() if h != address.ip]
    return hosts[0] if hosts else address.ip
