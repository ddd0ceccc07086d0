"""Capacity changes: tenants request and withdraw, approvers decide (four-eyes), staff cancel,
admins may open a window. Each route calls one use case of `services.app.changes`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Response, status

from services.api.deps import (
    CurrentIdentity,
    SessionDep,
    StateDep,
    TenantDep,
    add_role_route,
    require_roles,
)
from services.app import changes as use_case
from services.app.changes import (
    STOPS,
    ChangeDetail,
    DecisionBody,
    OverrideBody,
    Requested,
    Stop,
    StopBody,
)
from services.changes.lifecycle import ChangeStatus
from services.changes.requests import ChangeRequest
from services.store.repos import changes as change_repo
from services.store.repos.changes import ChangeOut
from services.store.repos.tokens import Identity

router = APIRouter(tags=["changes"])

RequesterIdentity = Annotated[Identity, require_roles("tenant", "engineer", "admin")]
ApproverIdentity = Annotated[Identity, require_roles("approver", "admin")]
AdminIdentity = Annotated[Identity, require_roles("admin")]
StaffIdentity = Annotated[Identity, require_roles("engineer", "approver", "admin")]
IdempotencyKey = Annotated[str | None, Header(max_length=200, pattern=r"^[\x21-\x7e]+$")]


def change_of_path(tenant: TenantDep, change_id: str, session: SessionDep) -> ChangeOut:
    """The path's change, if the caller's tenant has it: 404 before the body is read."""
    return use_case.find_change(session, tenant, change_id)


ChangeDep = Annotated[ChangeOut, Depends(change_of_path)]


def _answer(requested: Requested, response: Response) -> ChangeDetail:
    """201 for a new change; 200 for the change of an earlier request with the same key."""
    if not requested.created:
        response.status_code = status.HTTP_200_OK
    return requested.detail


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
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ChangeDetail:
    """Request a capacity change for one of the tenant's sites."""
    requested = await use_case.request_change(
        state, session, identity, tenant, request, idempotency_key
    )
    return _answer(requested, response)


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
    identity: StaffIdentity,
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
    return await use_case.follow_change(state, session, identity, tenant, change_id)


Decision = Literal["approved", "rejected"]


def _add_decision_route(verb: str, decision: Decision, summary: str) -> None:
    """POST .../changes/{change_id}/`verb`: one decision on the current plan of a change."""

    async def decide_change(
        tenant: TenantDep,
        change_id: str,
        body: DecisionBody,
        identity: ApproverIdentity,
        state: StateDep,
        session: SessionDep,
    ) -> ChangeDetail:
        return await use_case.decide_change(
            state, session, identity, change_id, tenant=tenant, decision=decision, body=body
        )

    router.add_api_route(
        f"/v1/tenants/{{tenant}}/changes/{{change_id}}/{verb}",
        decide_change,
        methods=["POST"],
        response_model=ChangeDetail,
        name=f"{verb}_change",
        description=summary,
    )


_add_decision_route(
    "approve", "approved", "Approve the current plan of a change (never the requester's own)."
)
_add_decision_route("reject", "rejected", "Reject a change; it never reaches a device.")


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
    return await use_case.override_window(
        state, session, identity, change_id, tenant=tenant, body=body
    )


def _stop_route(stop: Stop) -> Callable[..., Awaitable[ChangeDetail]]:
    """The route of one way to stop a change; its roles are checked by the route's dependency."""

    async def stop_change(
        identity: CurrentIdentity,
        change: ChangeDep,
        body: StopBody,
        state: StateDep,
        session: SessionDep,
    ) -> ChangeDetail:
        return await use_case.stop_change(
            state, session, identity, change, action=stop.action, body=body
        )

    return stop_change


for _stop in STOPS.values():
    path = f"/v1/tenants/{{tenant}}/changes/{{change_id}}/{_stop.action}"
    name = f"{_stop.action}_change"
    add_role_route(router, path, _stop_route(_stop), _stop.roles, name, _stop.summary)


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
    response: Response,
) -> ChangeDetail:
    """Turn a drifted device's remediation into a change request (it needs an approver)."""
    requested = await use_case.remediate_device(state, session, identity, tenant, report_id, device)
    return _answer(requested, response)
