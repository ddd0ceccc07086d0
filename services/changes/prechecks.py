"""Before anything is pushed: the interfaces a change configures must exist on the device.

A typo in an inventory's interface name would otherwise create an interface on a real NOS (or
fail half-way) and leave a rollback that the NOS may refuse (some delete only inactive
interfaces). Sub-interfaces a change creates are not required to exist; their port is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.changes.requests import ChangeRequest, VlanHandoffChange, WanBandwidthChange
from services.network.state import DeviceState


def _interface(data: Mapping[str, Any], key: str) -> str | None:
    entry = data.get(key)
    if isinstance(entry, dict) and entry.get("interface"):
        return str(entry["interface"])
    return None


def missing_targets(
    request: ChangeRequest, data: Mapping[str, Any], state: DeviceState
) -> list[str]:
    """The interfaces the change configures that the device does not have (by name)."""
    wanted: list[str] = []
    if isinstance(request, WanBandwidthChange):
        wanted = [name for name in [_interface(data, "wan")] if name]
    elif isinstance(request, VlanHandoffChange):
        wanted = [name for name in [_interface(data, "lan")] if name]
    return [name for name in wanted if name not in state.interfaces]
