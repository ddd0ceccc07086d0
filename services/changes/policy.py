"""Approval policy: a change inside the tenant's contract may run without an approver.

Only a WAN rate within the contracted maximum counts as "inside the contract" (the tenant
bought that headroom); a QoS profile change or a VLAN hand-off always needs an approver, and
so does everything when the tenant's contract turns auto-approval off. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.changes.contract import TenantContract
from services.changes.requests import (
    ChangeRequest,
    QosProfileChange,
    WanBandwidthChange,
)


class PolicyDecision(BaseModel):
    """Whether the change is approved by policy, and why, in words for the tenant."""

    model_config = ConfigDict(frozen=True)

    auto_approved: bool
    reason: str
    # How long an approver has before the request expires (None when auto-approved).
    expire_after_hours: int | None = None


def decide(
    request: ChangeRequest, contract: TenantContract, current: Mapping[str, Any]
) -> PolicyDecision:
    """The policy decision for a validated request; `current` is the site's inventory data."""
    if isinstance(request, WanBandwidthChange):
        auto, reason = _bandwidth(request, contract, current)
    elif isinstance(request, QosProfileChange):
        was = current.get("qos_profile")
        move = f"from {was!r} to {request.profile!r}" if was else f"to {request.profile!r}"
        auto, reason = False, f"QoS profile change {move} needs an approver"
    else:
        auto, reason = False, f"VLAN hand-off {request.vlan_id} needs an approver"
    if auto and not contract.approval.auto_approve_within_contract:
        auto = False
        reason = reason.replace(": auto-approved", "") + (
            f"; tenant {contract.tenant!r} requires an approver for every change"
        )
    hours = None if auto else contract.approval.expire_after_hours
    return PolicyDecision(auto_approved=auto, reason=reason, expire_after_hours=hours)


def _bandwidth(
    request: WanBandwidthChange, contract: TenantContract, current: Mapping[str, Any]
) -> tuple[bool, str]:
    limit = contract.max_wan_mbps(request.site)
    wanted = request.bandwidth_mbps
    was = (current.get("wan") or {}).get("bandwidth_mbps")
    change = f"bandwidth {was} -> {wanted} Mbps" if was is not None else f"bandwidth {wanted} Mbps"
    if wanted <= limit:
        return True, f"{change} within contracted {limit} Mbps: auto-approved"
    return False, f"{change} above contracted {limit} Mbps needs an approver"
