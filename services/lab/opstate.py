"""Operational state that pre/post checks compare, derived from config by simple rules.

Rules (the lab's whole "control plane"):
1. An interface is `administratively down` when configured `shutdown` (Junos `disable`), `down`
   when its link is down (fault `interface_down_after_reload`), otherwise up/up. A Junos logical
   unit (`parent` set) is also `down` while its physical port is not up.
2. Interface counters grow from boot (or `clear counters`) at 1% of the interface bandwidth
   (500-byte packets) while the interface is up; a down interface shows zero rates.
3. A BGP neighbour rides on the interface whose subnet contains its address (the WAN interface
   when none does). It is `Idle (Admin)` when shut down, `Active` while that interface is down or
   during the first `bgp_establish_seconds` after boot, otherwise `Established` with its prefix
   count (`data.lab.bgp_prefixes`, or 10-99 derived from its address).
4. Route counts: connected (and local) = up interfaces with an address; static = configured
   static routes; bgp = prefixes of established neighbours.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.lab.device import LabDevice


@dataclass(frozen=True)
class InterfaceConfig:
    name: str
    description: str | None = None
    address: IPv4Interface | None = None
    admin_up: bool = True
    bandwidth_kbps: int = 1_000_000
    mtu: int = 1500
    parent: str | None = None  # Junos logical units other than 0: `ge-0/0/1.120` of `ge-0/0/1`
    vlan_id: int | None = None

    @property
    def loopback(self) -> bool:
        return self.name.lower().startswith(("loopback", "lo"))


@dataclass(frozen=True)
class NeighborConfig:
    ip: IPv4Address
    remote_as: int
    description: str | None = None
    admin_up: bool = True


@dataclass(frozen=True)
class OpModel:
    """The parts of a configuration the operational state depends on."""

    interfaces: tuple[InterfaceConfig, ...]
    local_as: int | None
    router_id: str | None
    neighbors: tuple[NeighborConfig, ...]
    static_routes: int


@dataclass(frozen=True)
class InterfaceState:
    config: InterfaceConfig
    status: str  # "up" | "down" | "administratively down"
    in_packets: int
    out_packets: int
    in_bytes: int
    out_bytes: int
    rate_bps: int

    @property
    def up(self) -> bool:
        return self.status == "up"


@dataclass(frozen=True)
class NeighborState:
    config: NeighborConfig
    state: str  # "Established" | "Active" | "Idle (Admin)"
    prefixes: int
    since_seconds: float
    messages_received: int
    messages_sent: int

    @property
    def established(self) -> bool:
        return self.state == "Established"


@dataclass(frozen=True)
class RouteSummary:
    connected: int
    static: int
    bgp: int

    @property
    def total(self) -> int:
        return self.connected + self.static + self.bgp


@dataclass(frozen=True)
class OpSnapshot:
    model: OpModel
    interfaces: tuple[InterfaceState, ...]
    neighbors: tuple[NeighborState, ...]
    routes: RouteSummary

    def interface(self, name: str) -> InterfaceState | None:
        for state in self.interfaces:
            if state.config.name == name:
                return state
        return None


def _router_id(model: OpModel) -> str | None:
    """Configured, else the highest loopback address, else the highest interface address."""
    if model.router_id:
        return model.router_id
    for loopbacks in (True, False):
        addresses = [
            i.address.ip
            for i in model.interfaces
            if i.address is not None and i.loopback == loopbacks
        ]
        if addresses:
            return str(max(addresses))
    return None


def snapshot(device: LabDevice, model: OpModel) -> OpSnapshot:
    model = dataclasses.replace(model, router_id=_router_id(model))
    ports = {
        cfg.name: _interface_state(device, cfg) for cfg in model.interfaces if cfg.parent is None
    }
    interfaces = tuple(
        ports[cfg.name] if cfg.parent is None else _interface_state(device, cfg, ports)
        for cfg in model.interfaces
    )
    neighbors = tuple(_neighbor_state(device, cfg, interfaces) for cfg in model.neighbors)
    routes = RouteSummary(
        connected=sum(1 for i in interfaces if i.up and i.config.address is not None),
        static=model.static_routes,
        bgp=sum(n.prefixes for n in neighbors if n.established),
    )
    return OpSnapshot(model, interfaces, neighbors, routes)


def _interface_state(
    device: LabDevice, cfg: InterfaceConfig, ports: dict[str, InterfaceState] | None = None
) -> InterfaceState:
    parent = (ports or {}).get(cfg.parent) if cfg.parent is not None else None
    if not cfg.admin_up:
        status = "administratively down"
    elif cfg.name in device.state.link_down or (parent is not None and not parent.up):
        status = "down"
    else:
        status = "up"
    state = device.state
    since = state.counters_cleared_at or state.booted_at
    elapsed = max(0.0, time.monotonic() - since) if status == "up" else 0.0
    rate_bps = int(cfg.bandwidth_kbps * 1000 * 0.01) if status == "up" else 0
    packets = int(elapsed * rate_bps / 8 / 500)
    return InterfaceState(cfg, status, packets, packets, packets * 500, packets * 500, rate_bps)


def _carrier(cfg: NeighborConfig, interfaces: tuple[InterfaceState, ...], wan: str | None) -> bool:
    for iface in interfaces:
        address = iface.config.address
        if address is not None and not iface.config.loopback and cfg.ip in address.network:
            return iface.up
    for iface in interfaces:
        if iface.config.name == wan:
            return iface.up
    return True


def prefix_count(device: LabDevice, ip: IPv4Address) -> int:
    configured = device.spec.lab.get("bgp_prefixes")
    if isinstance(configured, int):
        return configured
    if isinstance(configured, dict) and str(ip) in configured:
        return int(configured[str(ip)])
    return 10 + int(ip) % 90


def _neighbor_state(
    device: LabDevice, cfg: NeighborConfig, interfaces: tuple[InterfaceState, ...]
) -> NeighborState:
    wan = (device.spec.data.get("wan") or {}).get("interface")
    state = device.state
    if not cfg.admin_up:
        name = "Idle (Admin)"
    elif not _carrier(cfg, interfaces, wan) or state.uptime < device.timings.bgp_establish_seconds:
        name = "Active"
    else:
        name = "Established"
    key = str(cfg.ip)
    seen = state.neighbor_seen.get(key)
    clock = time.monotonic()
    if seen is None:
        start = state.booted_at + (
            device.timings.bgp_establish_seconds if name == "Established" else 0.0
        )
        seen = (name, start)
    elif seen[0] != name:
        seen = (name, clock)
    state.neighbor_seen[key] = seen
    since = max(0.0, clock - seen[1])
    prefixes = prefix_count(device, cfg.ip) if name == "Established" else 0
    messages = int(since / 60) + 3
    return NeighborState(cfg, name, prefixes, since, messages + prefixes, messages)


def format_duration(seconds: float) -> str:
    """hh:mm:ss below a day, then 1d02h, as IOS prints BGP up/down times."""
    total = int(seconds)
    if total < 86400:
        return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
    return f"{total // 86400}d{total % 86400 // 3600:02d}h"


def uptime_words(seconds: float) -> str:
    """`1 hour, 2 minutes` style uptime."""
    total = int(seconds)
    parts = [
        (total // 604800, "week"),
        (total % 604800 // 86400, "day"),
        (total % 86400 // 3600, "hour"),
        (total % 3600 // 60, "minute"),
    ]
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n]
    return ", ".join(words) if words else "0 minutes"
