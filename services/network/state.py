"""Operational state from show commands, parsed into data, and the post-change checks on it.

Parsers plug in per platform (STATE_COMMANDS, keyed by netwave platform): ntc-templates
(TextFSM) where its template reads the device's output, a small parser where it does not.
BGP states are named alike on every platform (`Established`, else the device's word).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ntc_templates.parse import parse_output
from pydantic import BaseModel, ConfigDict, Field

from services.changes.requests import ChangeRequest, VlanHandoffChange, WanBandwidthChange
from services.core.errors import DeviceError
from services.core.secrets import Credential
from services.network.inventory import Device
from services.network.push import connect

ESTABLISHED = "Established"


class InterfaceState(BaseModel):
    model_config = ConfigDict(frozen=True)

    up: bool
    bandwidth_kbps: int | None = None


class BgpNeighbor(BaseModel):
    model_config = ConfigDict(frozen=True)

    state: str
    prefixes: int | None = None

    @property
    def established(self) -> bool:
        return self.state == ESTABLISHED


class DeviceState(BaseModel):
    """Interfaces, BGP neighbours (by address) and the routing table size of one device."""

    model_config = ConfigDict(frozen=True)

    interfaces: dict[str, InterfaceState] = Field(default_factory=dict)
    bgp: dict[str, BgpNeighbor] = Field(default_factory=dict)
    route_count: int | None = None


Rows = list[dict[str, Any]]


def _ntc(platform: str, command: str, output: str) -> Rows:
    try:
        rows = parse_output(platform=platform, command=command, data=output)
    except Exception as exc:  # TextFSM raises its own errors on output it cannot read
        raise DeviceError(f"cannot parse `{command}` output ({platform}): {exc}") from None
    return [dict(row) for row in rows]


def _int(text: Any) -> int | None:
    match = re.match(r"\s*(\d+)", str(text or ""))
    return int(match.group(1)) if match else None


# --- Cisco IOS / IOS-XE (ntc-templates) ----------------------------------------------------


def ios_interfaces(output: str) -> dict[str, InterfaceState]:
    return {
        row["interface"]: InterfaceState(
            up=row["link_status"] == "up" and row["protocol_status"] == "up",
            bandwidth_kbps=_int(row["bandwidth"]),
        )
        for row in _ntc("cisco_ios", "show interfaces", output)
    }


def ios_bgp(output: str) -> dict[str, BgpNeighbor]:
    found = {}
    for row in _ntc("cisco_ios", "show ip bgp summary", output):
        state = row["state_or_prefixes_received"]
        if state.isdigit():
            found[row["bgp_neighbor"]] = BgpNeighbor(state=ESTABLISHED, prefixes=int(state))
        else:
            found[row["bgp_neighbor"]] = BgpNeighbor(state=state)
    return found


def ios_routes(output: str) -> int | None:
    rows = _ntc("cisco_ios", "show ip route summary", output)
    counted = [r for r in rows if r["route_source"] not in ("internal", "Total")]
    return sum((_int(r["networks"]) or 0) + (_int(r["subnets"]) or 0) for r in counted)


# --- Arista EOS (ntc-templates; route summary by hand) -------------------------------------


def eos_interfaces(output: str) -> dict[str, InterfaceState]:
    return {
        row["interface"]: InterfaceState(
            up=row["link_status"] == "up" and row["protocol_status"].startswith("up"),
            bandwidth_kbps=_int(row["bandwidth"]),
        )
        for row in _ntc("arista_eos", "show interfaces", output)
    }


def eos_bgp(output: str) -> dict[str, BgpNeighbor]:
    found = {}
    for row in _ntc("arista_eos", "show ip bgp summary", output):
        if row["state"] == "Estab":
            found[row["bgp_neigh"]] = BgpNeighbor(
                state=ESTABLISHED, prefixes=_int(row["state_pfxrcd"])
            )
        else:
            found[row["bgp_neigh"]] = BgpNeighbor(state=row["state"])
    return found


EOS_TOTAL = re.compile(r"^\s*Total Routes\s+(\d+)\s*$", re.M)


def eos_routes(output: str) -> int | None:
    match = EOS_TOTAL.search(output)
    return int(match.group(1)) if match else None


# --- Junos (interfaces and BGP by hand: ntc's templates expect other layouts) --------------

JUNOS_PHYSICAL = re.compile(r"^Physical interface: (\S+), (Enabled|Administratively down)")
JUNOS_LINK = re.compile(r"Physical link is (\w+)")
JUNOS_LOGICAL = re.compile(r"^\s+Logical interface (\S+)")
JUNOS_BANDWIDTH = re.compile(r"^\s+Bandwidth: (\d+)\s*kbps")
JUNOS_PEER = re.compile(r"^(\d+\.\d+\.\d+\.\d+)\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+.*\s(\S+)\s*$")
JUNOS_RIB = re.compile(r"^\s+\S+\.\d+: (\d+)/(\d+)/(\d+)/(\d+)")


def junos_interfaces(output: str) -> dict[str, InterfaceState]:
    """Physical interfaces and their logical units (`ge-0/0/0.0`, with the unit bandwidth)."""
    found: dict[str, InterfaceState] = {}
    physical_up = False
    current: str | None = None
    for line in output.splitlines():
        if match := JUNOS_PHYSICAL.match(line):
            link = JUNOS_LINK.search(line)
            physical_up = match.group(2) == "Enabled" and bool(link and link.group(1) == "Up")
            current = match.group(1)
            found[current] = InterfaceState(up=physical_up)
        elif match := JUNOS_LOGICAL.match(line):
            current = match.group(1)
            found[current] = InterfaceState(up=physical_up)
        elif (match := JUNOS_BANDWIDTH.match(line)) and current is not None:
            found[current] = InterfaceState(up=found[current].up, bandwidth_kbps=int(match[1]))
    return found


def junos_bgp(output: str) -> dict[str, BgpNeighbor]:
    found: dict[str, BgpNeighbor] = {}
    last: str | None = None
    for line in output.splitlines():
        if match := JUNOS_PEER.match(line):
            last = match.group(1)
            state = ESTABLISHED if match.group(2) == "Establ" else match.group(2)
            found[last] = BgpNeighbor(state=state, prefixes=0 if state == ESTABLISHED else None)
        elif (match := JUNOS_RIB.match(line)) and last is not None and found[last].established:
            received = int(match.group(2)) + (found[last].prefixes or 0)
            found[last] = BgpNeighbor(state=ESTABLISHED, prefixes=received)
    return found


def junos_routes(output: str) -> int | None:
    rows = _ntc("juniper_junos", "show route summary", output)
    return sum(_int(r["routes"]) or 0 for r in rows if r["table_name"] == "inet.0") or None


@dataclass(frozen=True)
class StateCommands:
    """The show commands of one platform and the parser of each."""

    interfaces: tuple[str, Callable[[str], dict[str, InterfaceState]]]
    bgp: tuple[str, Callable[[str], dict[str, BgpNeighbor]]]
    routes: tuple[str, Callable[[str], int | None]]


STATE_COMMANDS: dict[str, StateCommands] = {
    "cisco_ios": StateCommands(
        ("show interfaces", ios_interfaces),
        ("show ip bgp summary", ios_bgp),
        ("show ip route summary", ios_routes),
    ),
    "arista_eos": StateCommands(
        ("show interfaces", eos_interfaces),
        ("show ip bgp summary", eos_bgp),
        ("show ip route summary", eos_routes),
    ),
    "juniper_junos": StateCommands(
        ("show interfaces", junos_interfaces),
        ("show bgp summary", junos_bgp),
        ("show route summary", junos_routes),
    ),
}


def register_state_commands(platform: str, commands: StateCommands) -> StateCommands:
    """Plug in the show commands and parsers of a platform kept in its own module."""
    STATE_COMMANDS[platform] = commands
    return commands


def state_commands(platform: str) -> StateCommands:
    try:
        return STATE_COMMANDS[platform]
    except KeyError:
        raise DeviceError(f"no state parsers for platform {platform!r}") from None


def parse_state(platform: str, outputs: Mapping[str, str]) -> DeviceState:
    """A DeviceState from the outputs of the platform's show commands (by command)."""
    commands = state_commands(platform)
    interfaces_cmd, interfaces = commands.interfaces
    bgp_cmd, bgp = commands.bgp
    routes_cmd, routes = commands.routes
    return DeviceState(
        interfaces=interfaces(outputs[interfaces_cmd]),
        bgp=bgp(outputs[bgp_cmd]),
        route_count=routes(outputs[routes_cmd]),
    )


def collect_state(device: Device, credential: Credential, *, timeout: float = 30.0) -> DeviceState:
    """Run the platform's show commands in one session and parse them."""
    commands = state_commands(device.platform)
    wanted = (commands.interfaces[0], commands.bgp[0], commands.routes[0])
    conn = connect(device, credential, timeout)
    try:
        outputs = {cmd: str(conn.send_command(cmd, read_timeout=timeout)) for cmd in wanted}
    finally:
        with contextlib.suppress(Exception):
            conn.disconnect()
    try:
        return parse_state(device.platform, outputs)
    except DeviceError as exc:
        raise DeviceError(f"{device.name}: {exc.message}") from None


# --- post-change checks ----------------------------------------------------------------------


class VerifyCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    ok: bool
    detail: str


class VerifyResult(BaseModel):
    """The post-checks of a change: ok when every check passed."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    checks: list[VerifyCheck]

    @property
    def failed(self) -> list[VerifyCheck]:
        return [check for check in self.checks if not check.ok]


def _interface(state: DeviceState, name: str) -> InterfaceState | None:
    return state.interfaces.get(name)


def _bandwidth_kbps(state: DeviceState, name: str) -> int | None:
    """The configured rate of an interface (Junos: of its unit 0, where netwave sets it)."""
    for candidate in (name, f"{name}.0"):
        found = state.interfaces.get(candidate)
        if found is not None and found.bandwidth_kbps is not None:
            return found.bandwidth_kbps
    return None


def verify_change(
    request: ChangeRequest, before: DeviceState, after: DeviceState, data: Mapping[str, Any]
) -> VerifyResult:
    """WAN up, the requested rate in place, every BGP session that was up still up."""
    checks: list[VerifyCheck] = []
    wan = str((data.get("wan") or {}).get("interface", ""))
    wan_state = _interface(after, wan)
    checks.append(
        VerifyCheck(
            name="wan_up",
            ok=wan_state is not None and wan_state.up,
            detail=f"{wan} is {'up' if wan_state and wan_state.up else 'down or missing'}",
        )
    )
    if isinstance(request, WanBandwidthChange):
        wanted = request.bandwidth_mbps * 1000
        seen = _bandwidth_kbps(after, wan)
        checks.append(
            VerifyCheck(
                name="wan_bandwidth",
                ok=seen == wanted,
                detail=f"{wan} bandwidth {seen} kbps (requested {wanted} kbps)",
            )
        )
    if isinstance(request, VlanHandoffChange):
        lan = str((data.get("lan") or {}).get("interface", ""))
        name = f"{lan}.{request.vlan_id}"
        sub = _interface(after, name)
        checks.append(
            VerifyCheck(
                name="vlan_up",
                ok=sub is not None and sub.up,
                detail=f"{name} is {'up' if sub and sub.up else 'down or missing'}",
            )
        )
    for ip, neighbor in sorted(before.bgp.items()):
        if not neighbor.established:
            continue
        now = after.bgp.get(ip)
        checks.append(
            VerifyCheck(
                name=f"bgp {ip}",
                ok=now is not None and now.established,
                detail=f"BGP {ip}: {neighbor.state} before, {now.state if now else 'gone'} after",
            )
        )
    return VerifyResult(ok=all(check.ok for check in checks), checks=checks)


# Platforms whose parsers live in their own module register themselves on import.
import services.network.parsers_frr  # noqa: E402, F401
