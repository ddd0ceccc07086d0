"""Capacity-change requests of a tenant, and their validation against inventory and contract.

Three kinds, told apart by `kind`: WAN bandwidth of a site, the site's QoS profile, and a new
routed VLAN hand-off (a sub-interface of the LAN port). The models refuse malformed input
(pydantic: 422 naming the field); numbers must be JSON numbers (strict: `true` or `"5"` is
not a bandwidth, `1.5` not a VLAN). `validate_request` refuses what the fleet or the contract
cannot take and returns the devices the change touches: the site's edge devices with a WAN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from ipaddress import IPv4Interface
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from services.changes.contract import TenantContract
from services.core.errors import ChangeValidationError
from services.network.inventory import Device, TenantInventory
from services.network.platforms import get_platform

EDGE_ROLE = "edge"
SITE = r"^[a-z0-9][a-z0-9_-]{0,62}$"
# What a description may contain: it lands on a CLI line, so no control characters, no `?`
# (context help on most CLIs), no quotes or backslashes (quoted strings), no `|`, `;`, `{`,
# `}`, `!`, `#`.
DESCRIPTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.,:/()@+&=-]*$")
DESCRIPTION_MAX = 80


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    site: str = Field(pattern=SITE, description="site name as in the tenant's inventory")


class WanBandwidthChange(_Request):
    """Set the WAN rate (and its shaper) of a site's edge devices."""

    kind: Literal["wan_bandwidth"] = "wan_bandwidth"
    bandwidth_mbps: int = Field(ge=1, le=1_000_000, strict=True)


class QosProfileChange(_Request):
    """Move a site to another QoS profile of its contract."""

    kind: Literal["qos_profile"] = "qos_profile"
    profile: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$")


class VlanHandoffChange(_Request):
    """Hand off a new routed VLAN (sub-interface of the LAN port) at a site."""

    kind: Literal["vlan_handoff"] = "vlan_handoff"
    vlan_id: int = Field(ge=2, le=4094, strict=True)
    address: IPv4Interface = Field(description="router address with prefix, e.g. 10.20.30.1/24")
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    device: str | None = Field(
        default=None,
        max_length=255,
        description="edge device to use when the site has more than one",
    )

    @field_validator("address")
    @classmethod
    def _host_address(cls, value: IPv4Interface) -> IPv4Interface:
        network = value.network
        if network.prefixlen < 8 or network.prefixlen > 31:
            raise ValueError("prefix length must be between /8 and /31")
        if network.prefixlen <= 30 and value.ip in (
            network.network_address,
            network.broadcast_address,
        ):
            raise ValueError(f"{value.ip} is the network or broadcast address of {network}")
        ip = value.ip
        if ip.is_multicast or ip.is_loopback or ip.is_link_local or ip.is_reserved:
            raise ValueError(f"{ip} is not a usable unicast address")
        if ip.is_unspecified:
            raise ValueError(f"{ip} is not a usable unicast address")
        return value

    @field_validator("description")
    @classmethod
    def _safe_description(cls, value: str) -> str:
        if value and not DESCRIPTION.match(value):
            raise ValueError(
                "description must start with a letter or digit and use only letters, digits, "
                "spaces and _ . , : / ( ) @ + & = -"
            )
        if value != value.strip():
            raise ValueError("description must not start or end with spaces")
        return value


ChangeRequest = Annotated[
    WanBandwidthChange | QosProfileChange | VlanHandoffChange, Field(discriminator="kind")
]
_ADAPTER: TypeAdapter[ChangeRequest] = TypeAdapter(ChangeRequest)


def parse_request(data: Mapping[str, Any]) -> ChangeRequest:
    """A request from JSON-like data; ChangeValidationError names each bad field."""
    try:
        return _ADAPTER.validate_python(dict(data))
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"]]
            # Drop the union tag pydantic adds to the location (`vlan_handoff.vlan_id`).
            if len(loc) > 1 and loc[0] in ("wan_bandwidth", "qos_profile", "vlan_handoff"):
                loc = loc[1:]
            message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            errors.append((".".join(loc) or "kind", message.removeprefix("Value error, ")))
        raise ChangeValidationError(errors) from None


def site_devices(inventory: TenantInventory, site: str) -> list[Device]:
    """Devices of a site, by name."""
    return sorted((d for d in inventory.devices.values() if d.site == site), key=lambda d: d.name)


def edge_devices(inventory: TenantInventory, site: str) -> list[Device]:
    """The site's edge devices that carry a WAN link: what a capacity change configures."""
    return [
        d
        for d in site_devices(inventory, site)
        if d.role == EDGE_ROLE and isinstance(d.data.get("wan"), dict)
    ]


def validate_request(
    request: ChangeRequest, inventory: TenantInventory, contract: TenantContract
) -> list[Device]:
    """The devices the change touches; ChangeValidationError lists every problem by field."""
    sites = sorted({d.site for d in inventory.devices.values() if d.site})
    if request.site not in sites:
        raise ChangeValidationError(
            [("site", f"unknown site {request.site!r} (sites: {', '.join(sites)})")]
        )
    devices = edge_devices(inventory, request.site)
    if not devices:
        raise ChangeValidationError(
            [("site", f"site {request.site!r} has no edge device with a WAN link")]
        )
    unable = [d for d in devices if not get_platform(d.platform).can_change(request.kind)]
    if unable:
        raise ChangeValidationError(
            [
                (
                    "kind",
                    f"{d.name} runs {d.platform}, where netwave cannot make a {request.kind} "
                    f"change (it can: {', '.join(sorted(get_platform(d.platform).change_kinds))})",
                )
                for d in unable
            ]
        )
    errors: list[tuple[str, str]] = []
    if isinstance(request, WanBandwidthChange):
        errors += _check_bandwidth(request, devices, contract)
    elif isinstance(request, QosProfileChange):
        errors += _check_profile(request, devices, contract)
    else:
        devices, problems = _pick_handoff_device(request, devices)
        errors += problems or _check_handoff(request, devices[0])
    if errors:
        raise ChangeValidationError(errors)
    return devices


def _check_bandwidth(
    request: WanBandwidthChange, devices: list[Device], contract: TenantContract
) -> list[tuple[str, str]]:
    errors = []
    wanted = request.bandwidth_mbps
    for device in devices:
        limit = get_platform(device.platform).max_wan_mbps
        if wanted > limit:
            errors.append(
                (
                    "bandwidth_mbps",
                    f"{wanted} Mbps is above the {device.platform} maximum of {limit} Mbps "
                    f"({device.name})",
                )
            )
    circuit = contract.circuit_mbps(request.site)
    if circuit is not None and wanted > circuit:
        errors.append(
            (
                "bandwidth_mbps",
                f"{wanted} Mbps is above the {circuit} Mbps that the circuit of site "
                f"{request.site!r} carries",
            )
        )
    # Above the contracted rate is not an error: the policy sends it to an approver.
    return errors


def _check_profile(
    request: QosProfileChange, devices: list[Device], contract: TenantContract
) -> list[tuple[str, str]]:
    offered = contract.contract.qos_profiles
    if request.profile not in offered:
        return [
            (
                "profile",
                f"unknown QoS profile {request.profile!r} (contract offers: {', '.join(offered)})",
            )
        ]
    errors = []
    for device in devices:
        defined = device.data.get("qos_profiles") or {}
        if request.profile not in defined:
            errors.append(
                ("profile", f"QoS profile {request.profile!r} is not defined for {device.name}")
            )
    return errors


def _pick_handoff_device(
    request: VlanHandoffChange, devices: list[Device]
) -> tuple[list[Device], list[tuple[str, str]]]:
    """A hand-off lives on one router (one address): the site's only edge, or the one named."""
    names = [d.name for d in devices]
    if request.device is not None:
        chosen = [d for d in devices if d.name == request.device]
        if not chosen:
            return devices, [
                (
                    "device",
                    f"{request.device!r} is not an edge device of site {request.site!r} "
                    f"(edge devices: {', '.join(names)})",
                )
            ]
        return chosen, []
    if len(devices) > 1:
        return devices, [
            (
                "device",
                f"site {request.site!r} has {len(devices)} edge devices ({', '.join(names)}): "
                "name one in `device`",
            )
        ]
    return devices, []


def handoffs(device: Device) -> list[dict[str, Any]]:
    """The VLAN hand-offs in the device's inventory data."""
    value = device.data.get("vlan_handoffs") or []
    return [h for h in value if isinstance(h, dict)]


def _check_handoff(request: VlanHandoffChange, device: Device) -> list[tuple[str, str]]:
    lan = device.data.get("lan")
    if not isinstance(lan, dict) or not lan.get("interface"):
        return [("site", f"{device.name} has no LAN interface to hand a VLAN off on")]
    errors = []
    for label, address in _addresses(device):
        if label == f"VLAN {request.vlan_id}":
            continue  # the same hand-off again: a duplicate (409), not bad input
        if request.address.network.overlaps(address.network):
            errors.append(
                (
                    "address",
                    f"{request.address} overlaps {label} {address} on {device.name}",
                )
            )
    return errors


def _addresses(device: Device) -> list[tuple[str, IPv4Interface]]:
    found: list[tuple[str, IPv4Interface]] = []
    for label in ("wan", "lan"):
        entry = device.data.get(label)
        if isinstance(entry, dict) and entry.get("address"):
            found.append((label.upper(), IPv4Interface(str(entry["address"]))))
    for handoff in handoffs(device):
        if handoff.get("address"):
            found.append((f"VLAN {handoff.get('vlan_id')}", IPv4Interface(str(handoff["address"]))))
    return found
