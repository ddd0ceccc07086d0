"""Capacity changes: tenants request and follow them, approvers decide (four-eyes), admins may
open a window, the tenant withdraws and staff cancel before a change applies."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from temporalio.exceptions import WorkflowAlreadyStartedError

from services.api.viewer import plan_device_for_viewer, prose_viewer_of
from services.app import audit_log, temporal
from services.app.errors import Conflict, Forbidden, InvalidRequest
from services.app.reasons import Reason
from services.app.temporal import Runtime, change_workflow_id
from services.changes.attention import refuse_needing_attention
from services.changes.contract import load_contract
from services.changes.duplicates import refuse_duplicate
from services.changes.lifecycle import ApprovalDecision, StopOutcome
from services.changes.remediation import RemediationRequest
from services.changes.requests import ChangeRequest, validate_request
from services.core.errors import ChangeValidationError, NetwaveError, NotFoundError
from services.core.failpoints import failpoint
from services.core.principals import same_principal
from services.intent.source import intended_devices, intended_inventory
from services.network.inventory import load_tenant
from services.network.render import renderer_for
from services.store.repos import changes as change_repo
from services.store.repos import compliance as report_repo
from services.store.repos.changes import ApprovalOut, ChangeOut, EventOut, PlanOut
from services.store.repos.tokens import Identity
from workflows.changes.models import (
    ChangeInput,
    ChangeProgress,
    Decision,
    StopRequest,
    WindowOverride,
)
from workflows.changes.workflow import ChangeWorkflow


class ChangeDetail(BaseModel):
    change: ChangeOut
    plan: PlanOut | None
    events: list[EventOut]
    approvals: list[ApprovalOut]
    progress: ChangeProgress | None = None
    temporal_ui: str


class DecisionBody(BaseModel):
    comment: str = Field(
        min_length=1, max_length=1000, pattern=r"\S", description="why (kept in the audit log)"
    )
    features: list[str] | None = Field(
        default=None,
        max_length=50,
        description="remediation: approve only these features of the plan (default: all)",
    )


class OverrideBody(BaseModel):
    reason: Reason


class StopBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, pattern=r"\S", description="why (recorded)")


@dataclass(frozen=True)
class Stop:
    """One way to end a change before it applies: who may, and the outcome it records."""

    action: str  # the API path's last segment; `change.<action>` in the audit log
    outcome: StopOutcome
    roles: frozenset[str]
    summary: str


STOPS = {
    s.action: s
    for s in (
        Stop(
            "withdraw",
            "withdrawn",
            frozenset({"tenant"}),
            "The tenant takes its change back, until it starts applying; no device is touched.",
        ),
        Stop(
            "cancel",
            "cancelled",
            frozenset({"engineer", "approver", "admin"}),
            "Staff stop any change, until it starts applying; no device is touched.",
        ),
    )
}


@dataclass(frozen=True)
class Requested:
    """A requested change as its requester sees it; `created` is False when an earlier request
    with the same idempotency key made it."""

    detail: ChangeDetail
    created: bool


def _log_action(
    session: Session,
    identity: Identity,
    tenant: str,
    change_id: str,
    action: str,
    detail: dict[str, Any],
) -> None:
    """The audit entry `change.<action>` on `change:<id>`."""
    audit_log.record(
        session, identity, f"change.{action}", f"change:{change_id}", tenant=tenant, detail=detail
    )


def find_change(session: Session, tenant: str, change_id: str) -> ChangeOut:
    """The tenant's change, or NotFoundError."""
    change = change_repo.get_change(session, tenant=tenant, change_id=change_id)
    if change is None:
        raise NotFoundError(f"change {change_id!r} not found")
    return change


async def change_detail(
    runtime: Runtime, session: Session, change: ChangeOut, viewer: Identity
) -> ChangeDetail:
    """The change as `viewer` may see it: a tenant gets plans, failures and events with
    secrets masked (`services/api/viewer.py`); staff see them whole."""
    plan = change_repo.latest_plan(session, tenant=change.tenant, change_id=change.id)
    events = change_repo.events(session, tenant=change.tenant, change_id=change.id)
    if plan is not None:
        shown = [plan_device_for_viewer(viewer, d) for d in plan.devices]
        plan = plan.model_copy(update={"devices": shown})
    prose = prose_viewer_of(viewer, None)
    if change.failure:
        change = change.model_copy(update={"failure": prose(change.failure)})
    events = [
        e.model_copy(
            update={
                "detail": {k: prose(v) if isinstance(v, str) else v for k, v in e.detail.items()}
            }
        )
        for e in events
    ]
    approvals = change_repo.approvals(session, tenant=change.tenant, change_id=change.id)
    # Everything read: give the connection back before waiting on Temporal, so a busy worker
    # can neither hold SQLite's lock nor leave the event loop waiting for a pooled connection.
    session.rollback()
    workflow_id = change_workflow_id(change.id)
    return ChangeDetail(
        change=change,
        plan=plan,
        events=events,
        approvals=approvals,
        progress=await temporal.live_progress(runtime, workflow_id, ChangeProgress),
        temporal_ui=temporal.workflow_ui(runtime.settings, workflow_id),
    )


async def follow_change(
    runtime: Runtime, session: Session, viewer: Identity, tenant: str, change_id: str
) -> ChangeDetail:
    """One change: status, plan with per-device diff, timeline and live progress."""
    return await change_detail(runtime, session, find_change(session, tenant, change_id), viewer)


async def _create_and_start(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    *,
    tenant: str,
    request: ChangeRequest | RemediationRequest,
    idempotency_key: str | None,
) -> Requested:
    """Store the change (once per idempotency key) and make sure its workflow runs."""
    client = await temporal.client(runtime)
    change, created = change_repo.create_change(
        session,
        tenant=tenant,
        site=request.site,
        kind=request.kind,
        params=request.model_dump(mode="json"),
        requested_by=identity.name,
        requested_by_token_id=identity.token_id,
        idempotency_key=idempotency_key,
    )
    if created:
        detail = {"kind": request.kind, "site": request.site}
        _log_action(session, identity, tenant, change.id, "request", detail)
    session.commit()
    settings = runtime.settings
    # Also on a replay: a first attempt may have stored the change but not started it.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            ChangeWorkflow.run,
            ChangeInput(
                tenant=tenant,
                change_id=change.id,
                device_task_queue=settings.device_task_queue,
                heartbeat_timeout_seconds=settings.heartbeat_timeout_seconds,
                requester=change.requested_by,
            ),
            id=change_workflow_id(change.id),
            task_queue=settings.task_queue,
        )
    return Requested(await change_detail(runtime, session, change, identity), created)


async def request_change(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    tenant: str,
    request: ChangeRequest,
    idempotency_key: str | None = None,
) -> Requested:
    """Validate a capacity change against the fleet, the contract and open changes, record it
    and start its workflow (once per idempotency key)."""
    root = runtime.settings.inventories_path
    try:
        inventory = intended_inventory(session, root, tenant)
        devices = validate_request(request, inventory, load_contract(root, tenant))
        refuse_needing_attention(session, tenant, [d.name for d in devices])
        intents = intended_devices(session, root, tenant, [d.name for d in devices])
        refuse_duplicate(session, tenant, request, intents, idempotency_key)
    except ChangeValidationError as exc:
        raise InvalidRequest(exc.errors) from None
    except NetwaveError as exc:
        raise Conflict(str(exc)) from None
    finally:
        # Reads done: no transaction (on SQLite, the write lock) is held across the awaits
        # below, or a second request on this event loop would wait for it and block the loop.
        session.rollback()
    return await _create_and_start(
        runtime, session, identity, tenant=tenant, request=request, idempotency_key=idempotency_key
    )


async def remediate_device(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    tenant: str,
    report_id: str,
    device: str,
) -> Requested:
    """Turn a drifted device's remediation into a change request (it needs an approver)."""
    found = report_repo.device_result(session, tenant=tenant, report_id=report_id, device=device)
    if found is None:
        raise NotFoundError(f"device {device!r} not in report {report_id!r}")
    settings = runtime.settings
    renderable = set(renderer_for(settings.templates_path).features(found.platform))
    drifted = [
        f["feature"]
        for f in found.result.get("features", [])
        if f["status"] == "drift" and f["feature"] in renderable
    ]
    if not drifted:
        raise Conflict(f"{device} has no drift that a template can fix")
    site = load_tenant(settings.inventories_path, tenant).device(device).site or device
    try:
        refuse_needing_attention(session, tenant, [device])
    except NetwaveError as exc:
        raise Conflict(str(exc)) from None
    request = RemediationRequest(site=site, device=device, report_id=report_id, features=drifted)
    session.rollback()  # no transaction held across the awaits of _create_and_start
    return await _create_and_start(
        runtime,
        session,
        identity,
        tenant=tenant,
        request=request,
        idempotency_key=f"remediate-{report_id}-{device}",
    )


async def decide_change(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    change_id: str,
    *,
    tenant: str,
    decision: ApprovalDecision,
    body: DecisionBody,
) -> ChangeDetail:
    """Approve or reject the current plan of a change (never the requester's own)."""
    change = find_change(session, tenant, change_id)
    same_token = change.requested_by_token_id == identity.token_id
    if same_token or same_principal(change.requested_by, identity.name):
        raise Forbidden("four-eyes: the requester cannot decide their own change")
    plan = change_repo.latest_plan(session, tenant=tenant, change_id=change_id)
    if change.status != "awaiting_approval" or plan is None:
        raise Conflict(f"change is {change.status}, not awaiting approval")
    # The workflow's update validator is the one place that lets exactly one decision through;
    # no database lock is held while it answers (SQLite has one writer, and the workflow's own
    # status write must not wait on this request). The approval row follows the accepted update.
    session.rollback()
    await temporal.send_update(
        runtime,
        change_workflow_id(change_id),
        "decide",
        Decision(
            plan_revision=plan.revision,
            approver=identity.name,
            decision=decision,
            comment=body.comment,
            features=body.features or None,
            approver_token_id=identity.token_id,
        ),
        ended=lambda _: f"the change is {change.status}: it takes no decision",
    )
    failpoint("change.after_decide_update", runtime.settings.var_dir)  # chaos: the API dies here
    # The workflow records the decision it accepted (approval row and audit entry together);
    # this is the same idempotent write, for workflows started before it did.
    change_repo.record_decision(
        session,
        tenant=tenant,
        change_id=change_id,
        plan_revision=plan.revision,
        approver=identity.name,
        approver_token_id=identity.token_id,
        decision=decision,
        comment=body.comment,
        features=body.features,
    )
    session.commit()
    return await follow_change(runtime, session, identity, tenant, change_id)


async def override_window(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    change_id: str,
    *,
    tenant: str,
    body: OverrideBody,
) -> ChangeDetail:
    """Run a scheduled change now instead of waiting for its window (admin, with a reason)."""
    change = find_change(session, tenant, change_id)
    session.rollback()  # no database lock held while the workflow answers
    await temporal.send_update(
        runtime,
        change_workflow_id(change_id),
        "override_window",
        WindowOverride(actor=identity.name, reason=body.reason),
        ended=lambda _: f"the change is {change.status}, not waiting for a window",
    )
    _log_action(session, identity, tenant, change_id, "override_window", {"reason": body.reason})
    session.commit()
    return await follow_change(runtime, session, identity, tenant, change_id)


async def stop_change(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    change: ChangeOut,
    *,
    action: str,
    body: StopBody,
) -> ChangeDetail:
    """End a change before it applies (`STOPS`: its tenant withdraws it, staff cancel it).
    Recorded in the change's timeline and the audit log; the workflow ends without touching
    a device."""
    stop = STOPS[action]
    tenant, change_id = change.tenant, change.id
    session.rollback()  # no database lock held while the workflow answers
    await temporal.send_update(
        runtime,
        change_workflow_id(change_id),
        "stop",
        StopRequest(outcome=stop.outcome, actor=identity.name, reason=body.reason),
        ended=lambda _: f"the change is {change.status}: it can no longer be {stop.outcome}",
    )
    detail = {"reason": body.reason, "status_before": change.status}
    _log_action(session, identity, tenant, change_id, stop.action, detail)
    session.commit()
    return await follow_change(runtime, session, identity, tenant, change_id)
