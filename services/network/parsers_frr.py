"""FRRouting state parsers: FRR answers `show ... json`, so the parsing is reading JSON.

Registered in state.STATE_COMMANDS as platform `frr` when this module is imported (state.py
imports it once, at its end).
"""

from __future__ import annotations

import json
from typing import Any

from services.core.errors import DeviceError
from services.network.state import (
    ESTABLISHED,
    BgpNeighbor,
    InterfaceState,
    StateCommands,
    register_state_commands,
)

INTERFACES = "show interface json"
BGP = "show ip bgp summary json"
ROUTES = "show ip route summary json"


def _json(command: str, output: str) -> dict[str, Any]:
    """The JSON document of a command's output (vtysh may print nothing for an empty answer)."""
    text = output.strip()
    start = text.find("{")
    if start < 0:
        if not text:
            return {}
        raise DeviceError(f"`{command}` did not answer JSON: {text[:120]!r}")
    try:
        data = json.loads(text[start:])
    except ValueError as exc:
        raise DeviceError(f"`{command}` answered malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise DeviceError(f"`{command}` answered JSON that is not an object")
    return data


def frr_interfaces(output: str) -> dict[str, InterfaceState]:
    """Interfaces by name; up when administratively and operationally up; bandwidth in kbps."""
    found = {}
    for name, data in _json(INTERFACES, output).items():
        if not isinstance(data, dict):
            continue
        up = data.get("administrativeStatus") == "up" and data.get("operationalStatus") == "up"
        mbps = data.get("bandwidth")
        kbps = int(mbps) * 1000 if isinstance(mbps, int) else None
        found[str(name)] = InterfaceState(up=up, bandwidth_kbps=kbps)
    return found


def frr_bgp(output: str) -> dict[str, BgpNeighbor]:
    """IPv4 unicast peers by address with FRR's state name (`Established`, `Active`, ...)."""
    peers = (_json(BGP, output).get("ipv4Unicast") or {}).get("peers") or {}
    found = {}
    for address, data in peers.items():
        state = str(data.get("state", "unknown"))
        received = data.get("pfxRcd")
        found[str(address)] = BgpNeighbor(
            state=state,
            prefixes=int(received) if state == ESTABLISHED and received is not None else None,
        )
    return found


def frr_routes(output: str) -> int | None:
    total = _json(ROUTES, output).get("routesTotal")
    return int(total) if isinstance(total, int) else None


FRR_STATE = register_state_commands(
    "frr",
    StateCommands((INTERFACES, frr_interfaces), (BGP, frr_bgp), (ROUTES, frr_routes)),
)
