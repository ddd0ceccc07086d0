"""Interfaces, BGP and static routes of a Junos configuration (for operational state)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface
from typing import Any

from services.lab.config_tree import SetConfig, split_junos
from services.lab.opstate import InterfaceConfig, NeighborConfig, OpModel

UNITS = {"k": 1, "m": 1000, "g": 1_000_000}


def bandwidth_kbps(text: str) -> int | None:
    text = text.lower()
    if text[-1:] in UNITS and text[:-1].isdigit():
        return int(text[:-1]) * UNITS[text[-1]]
    return int(text) // 1000 if text.isdigit() else None


def _interface_fields(fields: dict[str, Any], rest: list[str]) -> None:
    """Physical-port statements; unit 0 folds into its port (where netwave sets the rate)."""
    if rest[0] == "description":
        fields["description"] = " ".join(rest[1:]).strip('"')
    elif rest == ["disable"]:
        fields["admin_up"] = False
    elif rest[0] == "mtu" and len(rest) > 1 and rest[1].isdigit():
        fields["mtu"] = int(rest[1])
    elif rest[:2] == ["unit", "0"] and len(rest) >= 3:
        _unit_fields(fields, rest[2:])


def _unit_fields(fields: dict[str, Any], sub: list[str]) -> None:
    """Address, rate and `disable` of a logical unit (the words after `unit N`)."""
    if sub[:3] == ["family", "inet", "address"] and len(sub) >= 4 and "address" not in fields:
        with contextlib.suppress(ValueError):
            fields["address"] = IPv4Interface(sub[3])
    elif sub[0] == "bandwidth" and len(sub) > 1:
        kbps = bandwidth_kbps(sub[1])
        if kbps is not None:
            fields["bandwidth_kbps"] = kbps
    elif sub == ["disable"]:
        fields["admin_up"] = False


def _logical_fields(fields: dict[str, Any], sub: list[str]) -> None:
    """A unit other than 0: its own description and VLAN besides address, rate, `disable`."""
    if sub[0] == "description" and len(sub) > 1:
        fields["description"] = " ".join(sub[1:]).strip('"')
    elif sub[0] == "vlan-id" and len(sub) > 1 and sub[1].isdigit():
        fields["vlan_id"] = int(sub[1])
    else:
        _unit_fields(fields, sub)


def _interfaces(
    ports: dict[str, dict[str, Any]], units: dict[tuple[str, str], dict[str, Any]]
) -> tuple[InterfaceConfig, ...]:
    """Each physical port, followed by its logical units other than 0 (`ge-0/0/1.120`)."""
    found: list[InterfaceConfig] = []
    for name, fields in ports.items():
        found.append(InterfaceConfig(name=name, **fields))
        for (port, unit), attrs in units.items():
            if port == name:
                mtu = fields.get("mtu", 1500)
                found.append(InterfaceConfig(name=f"{name}.{unit}", parent=name, mtu=mtu, **attrs))
    return tuple(found)


@dataclass
class _Statements:
    """What the statements of a Junos configuration say, gathered as they are read."""

    interfaces: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    neighbors: dict[str, dict[str, str]] = field(default_factory=dict)
    local_as: int | None = None
    router_id: str | None = None
    static: set[str] = field(default_factory=set)

    def interface(self, w: list[str]) -> None:
        """`interfaces <port> ...`: the port's fields, and a unit other than 0 of its own."""
        _interface_fields(self.interfaces.setdefault(w[1], {}), w[2:])
        if w[2] == "unit" and len(w) >= 4 and w[3].isdigit() and w[3] != "0":
            logical = self.units.setdefault((w[1], w[3]), {})
            if len(w) >= 5:
                _logical_fields(logical, w[4:])

    def routing_option(self, w: list[str]) -> None:
        """`routing-options router-id|autonomous-system|static route ...`."""
        if w[1] == "router-id":
            self.router_id = w[2]
        elif w[1] == "autonomous-system" and w[2].isdigit():
            self.local_as = int(w[2])
        elif w[1:3] == ["static", "route"] and len(w) > 3:
            self.static.add(w[3])

    def bgp_group(self, w: list[str]) -> None:
        """`protocols bgp group <name> ...`: a group setting or one of its neighbors'."""
        if len(w) == 5:
            self.groups.setdefault(w[3], {})[w[4]] = ""
        elif len(w) >= 6:
            group = self.groups.setdefault(w[3], {})
            if w[4] == "neighbor":
                attrs = self.neighbors.setdefault(w[5], {"group": w[3]})
                if len(w) >= 8:
                    attrs[w[6]] = " ".join(w[7:]).strip('"')
            else:
                group[w[4]] = w[5]

    def bgp(self) -> tuple[NeighborConfig, ...]:
        """Each neighbor with a peer AS (its own, its group's, or ours for an internal group)."""
        found: list[NeighborConfig] = []
        for ip, attrs in self.neighbors.items():
            group = self.groups.get(attrs["group"], {})
            peer_as = attrs.get("peer-as") or group.get("peer-as")
            if not peer_as and group.get("type") == "internal" and self.local_as is not None:
                peer_as = str(self.local_as)
            with contextlib.suppress(ValueError):
                if peer_as and peer_as.isdigit():
                    found.append(
                        NeighborConfig(IPv4Address(ip), int(peer_as), attrs.get("description"))
                    )
        return tuple(found)


def junos_op_model(config: SetConfig) -> OpModel:
    """Interfaces, BGP neighbors and static routes of a Junos configuration."""
    seen = _Statements()
    for statement in config.statements:
        w = split_junos(statement)
        if w[0] == "interfaces" and len(w) >= 3 and w[1] != "interface-range":
            seen.interface(w)
        elif w[0] == "routing-options" and len(w) > 2:
            seen.routing_option(w)
        elif w[:3] == ["protocols", "bgp", "group"]:
            seen.bgp_group(w)
    return OpModel(
        _interfaces(seen.interfaces, seen.units),
        seen.local_as,
        seen.router_id,
        seen.bgp(),
        len(seen.static),
    )
