"""A request for what the device's intent already holds, or an open change already asks for,
is a conflict that names the revision or the change (409), not a new change."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from services.changes.edits import edits_for
from services.changes.requests import (
    ChangeRequest,
    QosProfileChange,
    VlanHandoffChange,
    WanBandwidthChange,
)
from services.core.errors import DuplicateChangeError
from services.intent.merge import Intended
from services.intent.paths import get_value
from services.store.repos import changes as change_repo
from services.store.repos.changes import TERMINAL_STATUSES, ChangeOut

OPEN_CHANGES_LOOKED_AT = 1000


def _what(request: ChangeRequest) -> str:
    if isinstance(request, WanBandwidthChange):
        return f"site {request.site!r} at {request.bandwidth_mbps} Mbps"
    if isinstance(request, QosProfileChange):
        return f"site {request.site!r} on QoS profile {request.profile!r}"
    return f"VLAN {request.vlan_id} handed off at site {request.site!r}"


def _same(request: ChangeRequest, other: ChangeOut) -> bool:
    params = other.params
    if other.kind != request.kind or other.site != request.site:
        return False
    if isinstance(request, WanBandwidthChange):
        return bool(params.get("bandwidth_mbps") == request.bandwidth_mbps)
    if isinstance(request, QosProfileChange):
        return bool(params.get("profile") == request.profile)
    assert isinstance(request, VlanHandoffChange)
    return bool(params.get("vlan_id") == request.vlan_id)


def _held_by(request: ChangeRequest, intent: Intended) -> str | None:
    """Where the device's intent already holds what the request sets (None: it does not)."""
    sources = []
    for edit in edits_for(request, intent.device):
        value = get_value(intent.device.data, edit.path)
        # A VLAN already handed off is taken, whatever its address or description.
        if value != edit.after and not (
            isinstance(request, VlanHandoffChange) and value is not None
        ):
            return None
        revision = intent.source_of(edit.path)
        sources.append(
            "the inventory file"
            if revision is None
            else f"change {revision.change_id} (intent revision {revision.seq})"
        )
    return ", ".join(sources)


def refuse_duplicate(
    session: Session,
    tenant: str,
    request: ChangeRequest,
    intents: Mapping[str, Intended],
    idempotency_key: str | None = None,
) -> None:
    """DuplicateChangeError when the intent of every touched device already holds what the
    request sets, or an open change of the tenant asks for the same (a replay of the request
    with its idempotency key is not a duplicate: it returns the change it made)."""
    others = change_repo.list_changes(session, tenant=tenant, limit=OPEN_CHANGES_LOOKED_AT)
    if idempotency_key is not None and any(o.idempotency_key == idempotency_key for o in others):
        return
    holders = [(name, _held_by(request, intent)) for name, intent in sorted(intents.items())]
    if holders and all(source is not None for _name, source in holders):
        where = "; ".join(f"{name}: {source}" for name, source in holders)
        raise DuplicateChangeError(f"the intent already has {_what(request)}, set by {where}")
    for other in others:
        if other.status not in TERMINAL_STATUSES and _same(request, other):
            raise DuplicateChangeError(
                f"change {other.id} ({other.status}) already asks for {_what(request)}"
            )
