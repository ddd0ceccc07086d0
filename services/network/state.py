"""Operational state from show commands, parsed into data, and the post-change checks on it.

Each platform driver gives its show commands and parsers (`Platform.state`): the NOS's JSON
where it has it, ntc-templates (TextFSM) where a template reads the output, a small parser
where neither does.
BGP states are named alike on every platform (`Established`, else the device's word).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from netmiko import BaseConnection
from ntc_templates.parse import parse_output
from pydantic import BaseModel, ConfigDict, Field

from services.changes.requests import ChangeRequest, VlanHandoffChange, WanBandwidthChange
from services.core.errors import DeviceError
from services.core.secrets import Credential
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.push import connect, disconnect

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


def ntc_rows(device_type: str, command: str, output: str) -> Rows:
    """Rows of ntc-templates' TextFSM template for a Netmiko device_type and command."""
    try:
        rows = parse_output(platform=device_type, command=command, data=output)
    except Exception as exc:  # TextFSM raises its own errors on output it cannot read
        raise DeviceError(f"cannot parse `{command}` output ({device_type}): {exc}") from None
    return [dict(row) for row in rows]


def int_of(text: Any) -> int | None:
    match = re.match(r"\s*(\d+)", str(text or ""))
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class StateCommands:
    """The show commands of one platform and the parser of each."""

    interfaces: tuple[str, Callable[[str], dict[str, InterfaceState]]]
    bgp: tuple[str, Callable[[str], dict[str, BgpNeighbor]]]
    routes: tuple[str, Callable[[str], int | None]]
    # Further commands the interface parser reads, their outputs after the first one's (a NOS
    # that prints link state and the configured WAN rate in two commands).
    interfaces_also: tuple[str, ...] = ()

    @property
    def commands(self) -> tuple[str, ...]:
        return (self.interfaces[0], *self.interfaces_also, self.bgp[0], self.routes[0])


def state_commands(platform: str) -> StateCommands:
    return get_platform(platform).state


def parse_state(platform: str, outputs: Mapping[str, str]) -> DeviceState:
    """A DeviceState from the outputs of the platform's show commands (by command)."""
    commands = state_commands(platform)
    interfaces_cmd, interfaces = commands.interfaces
    bgp_cmd, bgp = commands.bgp
    routes_cmd, routes = commands.routes
    return DeviceState(
        interfaces=interfaces(
            "\n".join(outputs[c] for c in (interfaces_cmd, *commands.interfaces_also))
        ),
        bgp=bgp(outputs[bgp_cmd]),
        route_count=routes(outputs[routes_cmd]),
    )


def collect_state(device: Device, credential: Credential, *, timeout: float = 30.0) -> DeviceState:
    """Run the platform's show commands in one session and parse them."""
    conn = connect(device, credential, timeout)
    try:
        return state_on(conn, device, timeout)
    finally:
        disconnect(conn)


def state_on(conn: BaseConnection, device: Device, timeout: float) -> DeviceState:
    """`collect_state` on an open session."""
    wanted = state_commands(device.platform).commands
    outputs = {cmd: str(conn.send_command(cmd, read_timeout=timeout)) for cmd in wanted}
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
    """The configured rate of an interface, or of its unit 0 on platforms that set the rate
    on the logical unit."""
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
