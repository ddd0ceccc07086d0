"""Capacity changes: tenants request, approvers decide (four-eyes), admins may open a window."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Header, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from temporalio.exceptions import WorkflowAlreadyStartedError

from services.api.deps import (
    CurrentIdentity,
    SessionDep,
    SettingsDep,
    StateDep,
    TenantDep,
    require_roles,
)
from services.api.state import AppState
from services.api.viewer import plan_device_for_viewer, prose_viewer_of
from services.api.workflow_runs import temporal_client, update_or_409
from services.changes.attention import refuse_needing_attention
from services.changes.contract import load_contract
from services.changes.duplicates import refuse_duplicate
from services.changes.lifecycle import ApprovalDecision, ChangeStatus
from services.changes.remediation import RemediationRequest
from services.changes.requests import ChangeRequest, validate_request
from services.core.errors import ChangeValidationError, NetwaveError
from services.core.failpoints import failpoint
from services.core.principals import same_principal
from services.intent.source import intended_devices, intended_inventory
from services.network.inventory import load_tenant
from services.network.render import renderer_for
from services.store.models import ChangeKind
from services.store.repos import audit as audit_repo
from services.store.repos import changes as change_repo
from services.store.repos import compliance as report_repo
from services.store.repos.changes import ApprovalOut, ChangeOut, EventOut, PlanOut
from services.store.repos.tokens import Identity
from workflows.change.models import ChangeInput, ChangeProgress, Decision, WindowOverride
from workflows.change.workflow import ChangeWorkflow

# Live progress is a bonus beside the database's status: never wait long for a busy worker.
PROGRESS_TIMEOUT = timedelta(seconds=2)

router = APIRouter(tags=["changes"])

RequesterIdentity = Annotated[Identity, require_roles("tenant", "engineer", "admin")]
ApproverIdentity = Annotated[Identity, require_roles("approver", "admin")]
AdminIdentity = Annotated[Identity, require_roles("admin")]


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
    reason: str = Field(min_length=1, max_length=500)


def workflow_id(change_id: str) -> str:
    return f"change-{change_id}"


def change_or_404(session: SessionDep, tenant: str, change_id: str) -> ChangeOut:
    change = change_repo.get_change(session, tenant=tenant, change_id=change_id)
    if change is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"change {change_id!r} not found")
    return change


async def change_detail(
    state: AppState, session: SessionDep, change: ChangeOut, viewer: Identity
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
    progress = None
    try:
        handle = (await state.temporal()).get_workflow_handle(workflow_id(change.id))
        progress = await handle.query(
            "progress", result_type=ChangeProgress, rpc_timeout=PROGRESS_TIMEOUT
        )
    except Exception:  # the status in the database is authoritative; progress is a bonus
        progress = None
    s = state.settings
    return ChangeDetail(
        change=change,
        plan=plan,
        events=events,
        approvals=approvals,
        progress=progress,
        temporal_ui=f"{s.temporal_ui_url}/namespaces/{s.temporal_namespace}"
        f"/workflows/{workflow_id(change.id)}",
    )


async def _create_and_start(
    state: AppState,
    session: SessionDep,
    identity: Identity,
    *,
    tenant: str,
    site: str,
    kind: ChangeKind,
    params: dict[str, object],
    idempotency_key: str | None,
) -> tuple[ChangeOut, bool]:
    """Store the change (once per idempotency key) and make sure its workflow runs."""
    client = await temporal_client(state)
    change, created = change_repo.create_change(
        session,
        tenant=tenant,
        site=site,
        kind=kind,
        params=params,
        requested_by=identity.name,
        requested_by_token_id=identity.token_id,
        idempotency_key=idempotency_key,
    )
    if created:
        audit_repo.record(
            session,
            actor=identity.name,
            action="change.request",
            tenant=tenant,
            object=f"change:{change.id}",
            detail={"kind": kind, "site": site},
        )
    session.commit()
    # Also on a replay: a first attempt may have stored the change but not started it.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        await client.start_workflow(
            ChangeWorkflow.run,
            ChangeInput(
                tenant=tenant,
                change_id=change.id,
                device_task_queue=state.settings.device_task_queue,
                heartbeat_timeout_seconds=state.settings.heartbeat_timeout_seconds,
                requester=change.requested_by,
            ),
            id=workflow_id(change.id),
            task_queue=state.settings.task_queue,
        )
    return change, created


@router.post(
    "/v1/tenants/{tenant}/changes",
    response_model=ChangeDetail,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "the change of an earlier request with the same key"}},
)
async def request_change(
    tenant: TenantDep,
    request: Annotated[ChangeRequest, Body()],
    identity: RequesterIdentity,
    state: StateDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(max_length=200, pattern=r"^[\x21-\x7e]+$")
    ] = None,
) -> ChangeDetail | JSONResponse:
    """Request a capacity change for one of the tenant's sites."""
    root = settings.inventories_path
    try:
        inventory = intended_inventory(session, root, tenant)
        devices = validate_request(request, inventory, load_contract(root, tenant))
        refuse_needing_attention(session, tenant, [d.name for d in devices])
        intents = intended_devices(session, root, tenant, [d.name for d in devices])
        refuse_duplicate(session, tenant, request, intents, idempotency_key)
    except ChangeValidationError as exc:
        return JSONResponse({"detail": exc.as_detail()}, status_code=422)
    except NetwaveError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    finally:
        # Reads done: no transaction (on SQLite, the write lock) is held across the awaits
        # below, or a second request on this event loop would wait for it and block the loop.
        session.rollback()
    change, created = await _create_and_start(
        state,
        session,
        identity,
        tenant=tenant,
        site=request.site,
        kind=request.kind,
        params=request.model_dump(mode="json"),
        idempotency_key=idempotency_key,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return await change_detail(state, session, change, identity)


@router.get("/v1/tenants/{tenant}/changes", response_model=list[ChangeOut])
def list_tenant_changes(
    tenant: TenantDep,
    session: SessionDep,
    status_: Annotated[ChangeStatus | None, Query(alias="status")] = None,
) -> list[ChangeOut]:
    """The tenant's changes, newest first (optionally one status)."""
    return change_repo.list_changes(session, tenant=tenant, status=status_)


@router.get("/v1/changes", response_model=list[ChangeOut])
def list_all_changes(
    identity: Annotated[Identity, require_roles("engineer", "approver", "admin")],
    session: SessionDep,
    status_: Annotated[ChangeStatus | None, Query(alias="status")] = None,
) -> list[ChangeOut]:
    """Every tenant's changes (for approvers: `?status=awaiting_approval`)."""
    return change_repo.list_changes(session, status=status_)


@router.get("/v1/tenants/{tenant}/changes/{change_id}", response_model=ChangeDetail)
async def get_change(
    tenant: TenantDep,
    change_id: str,
    state: StateDep,
    session: SessionDep,
    identity: CurrentIdentity,
) -> ChangeDetail:
    """One change: status, the plan with per-device diff, commands and rollback, its timeline
    (secrets masked for tenants)."""
    change = change_or_404(session, tenant, change_id)
    return await change_detail(state, session, change, identity)


async def _decide(
    tenant: str,
    change_id: str,
    decision: ApprovalDecision,
    body: DecisionBody,
    identity: Identity,
    state: AppState,
    session: SessionDep,
) -> ChangeDetail:
    change = change_or_404(session, tenant, change_id)
    same_token = change.requested_by_token_id == identity.token_id
    if same_token or same_principal(change.requested_by, identity.name):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="four-eyes: the requester cannot decide their own change",
        )
    plan = change_repo.latest_plan(session, tenant=tenant, change_id=change_id)
    if change.status != "awaiting_approval" or plan is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"change is {change.status}, not awaiting approval"
        )
    # The workflow's update validator is the one place that lets exactly one decision through;
    # no database lock is held while it answers (SQLite has one writer, and the workflow's own
    # status write must not wait on this request). The approval row follows the accepted update.
    session.rollback()
    handle = (await temporal_client(state)).get_workflow_handle(workflow_id(change_id))
    await update_or_409(
        handle,
        "decide",
        Decision(
            plan_revision=plan.revision,
            approver=identity.name,
            decision=decision,
            comment=body.comment,
            features=body.features or None,
            approver_token_id=identity.token_id,
        ),
        f"the change is {change.status}: it takes no decision",
    )
    failpoint("change.after_decide_update", state.settings.var_dir)  # chaos: the API dies here
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
    return await change_detail(state, session, change_or_404(session, tenant, change_id), identity)


@router.post("/v1/tenants/{tenant}/changes/{change_id}/approve", response_model=ChangeDetail)
async def approve_change(
    tenant: TenantDep,
    change_id: str,
    body: DecisionBody,
    identity: ApproverIdentity,
    state: StateDep,
    session: SessionDep,
) -> ChangeDetail:
    """Approve the current plan of a change (never the requester's own)."""
    return await _decide(tenant, change_id, "approved", body, identity, state, session)


@router.post("/v1/tenants/{tenant}/changes/{change_id}/reject", response_model=ChangeDetail)
async def reject_change(
    tenant: TenantDep,
    change_id: str,
    body: DecisionBody,
    identity: ApproverIdentity,
    state: StateDep,
    session: SessionDep,
) -> ChangeDetail:
    """Reject a change; it never reaches a device."""
    return await _decide(tenant, change_id, "rejected", body, identity, state, session)


@router.post(
    "/v1/tenants/{tenant}/changes/{change_id}/override-window", response_model=ChangeDetail
)
async def override_window(
    tenant: TenantDep,
    change_id: str,
    body: OverrideBody,
    identity: AdminIdentity,
    state: StateDep,
    session: SessionDep,
) -> ChangeDetail:
    """Run a scheduled change now instead of waiting for its window (admin, with a reason)."""
    change = change_or_404(session, tenant, change_id)
    session.rollback()  # no database lock held while the workflow answers
    handle = (await temporal_client(state)).get_workflow_handle(workflow_id(change_id))
    await update_or_409(
        handle,
        "override_window",
        WindowOverride(actor=identity.name, reason=body.reason),
        f"the change is {change.status}, not waiting for a window",
    )
    audit_repo.record(
        session,
        actor=identity.name,
        action="change.override_window",
        tenant=tenant,
        object=f"change:{change_id}",
        detail={"reason": body.reason},
    )
    session.commit()
    return await change_detail(state, session, change_or_404(session, tenant, change_id), identity)


@router.post(
    "/v1/tenants/{tenant}/compliance/reports/{report_id}/devices/{device}/remediate",
    response_model=ChangeDetail,
    status_code=status.HTTP_201_CREATED,
)
async def remediate_device(
    tenant: TenantDep,
    report_id: str,
    device: str,
    identity: RequesterIdentity,
    state: StateDep,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ChangeDetail:
    """Turn a drifted device's remediation into a change request (it needs an approver)."""
    found = report_repo.device_result(session, tenant=tenant, report_id=report_id, device=device)
    if found is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"device {device!r} not in report {report_id!r}"
        )
    renderable = set(renderer_for(settings.templates_path).features(found.platform))
    drifted = [
        f["feature"]
        for f in found.result.get("features", [])
        if f["status"] == "drift" and f["feature"] in renderable
    ]
    if not drifted:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"{device} has no drift that a template can fix"
        )
    site = load_tenant(settings.inventories_path, tenant).device(device).site or device
    try:
        refuse_needing_attention(session, tenant, [device])
    except NetwaveError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    request = RemediationRequest(site=site, device=device, report_id=report_id, features=drifted)
    session.rollback()  # no transaction held across the awaits of _create_and_start
    change, created = await _create_and_start(
        state,
        session,
        identity,
        tenant=tenant,
        site=site,
        kind="remediation",
        params=request.model_dump(mode="json"),
        idempotency_key=f"remediate-{report_id}-{device}",
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return await change_detail(state, session, change, identity)
