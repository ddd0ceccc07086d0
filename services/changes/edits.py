"""What a capacity change sets in a device's intended data, as intent edits (path, before, after).

The paths are those an intent revision records once the change is verified: the WAN rate, the
QoS profile, or one VLAN hand-off keyed by its VLAN id.
"""

from __future__ import annotations

from typing import Any

from services.changes.requests import (
    ChangeRequest,
    QosProfileChange,
    VlanHandoffChange,
    WanBandwidthChange,
)
from services.intent.model import IntentEdit
from services.intent.paths import element_path, get_value
from services.network.inventory import Device

BANDWIDTH_PATH = "wan.bandwidth_mbps"
QOS_PATH = "qos_profile"


def handoff_path(vlan_id: int) -> str:
    return element_path("vlan_handoffs", "vlan_id", vlan_id)


def edits_for(request: ChangeRequest, device: Device) -> list[IntentEdit]:
    """The intent edits of `request` on `device` (its current intended data)."""
    data = device.data
    if isinstance(request, WanBandwidthChange):
        path: str = BANDWIDTH_PATH
        after: Any = request.bandwidth_mbps
    elif isinstance(request, QosProfileChange):
        path, after = QOS_PATH, request.profile
    elif isinstance(request, VlanHandoffChange):
        path = handoff_path(request.vlan_id)
        after = {"vlan_id": request.vlan_id, "address": str(request.address)}
        if request.description:
            after["description"] = request.description
    else:  # pragma: no cover - the union is closed
        raise TypeError(f"not a change request: {request!r}")
    return [IntentEdit(path=path, before=get_value(data, path), after=after)]
