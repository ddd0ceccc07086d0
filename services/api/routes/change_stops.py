"""Ending a change before it applies: its tenant withdraws it, staff cancel it.

Both are recorded (the change's timeline, with who and why, and the audit log) and sent to the
change's workflow, which ends without touching a device. Once the change starts applying, both
answer 409.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.api.deps import SessionDep, StateDep, TenantDep, require_roles
from services.api.routes.changes import ChangeDetail, change_detail, change_or_404, workflow_id
from services.api.state import AppState
from services.api.workflow_runs import temporal_client, update_or_409
from services.changes.lifecycle import StopOutcome
from services.store.repos import audit as audit_repo
from services.store.repos.changes import ChangeOut
from services.store.repos.tokens import Identity
from workflows.change.models import StopRequest

router = APIRouter(tags=["changes"])
TenantIdentity = Annotated[Identity, require_roles("tenant")]
StaffIdentity = Annotated[Identity, require_roles("engineer", "approver", "admin")]


def change_of_path(tenant: TenantDep, change_id: str, session: SessionDep) -> ChangeOut:
    """The path's change, if the caller's tenant has it: 404 before the body is read."""
    return change_or_404(session, tenant, change_id)


ChangeDep = Annotated[ChangeOut, Depends(change_of_path)]


class StopBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, pattern=r"\S", description="why (recorded)")


async def _stop(
    outcome: StopOutcome,
    change: ChangeOut,
    body: StopBody,
    identity: Identity,
    state: AppState,
    session: SessionDep,
) -> ChangeDetail:
    tenant, change_id = change.tenant, change.id
    session.rollback()  # no database lock held while the workflow answers
    handle = (await temporal_client(state)).get_workflow_handle(workflow_id(change_id))
    await update_or_409(
        handle,
        "stop",
        StopRequest(outcome=outcome, actor=identity.name, reason=body.reason),
        f"the change is {change.status}: it can no longer be {outcome}",
    )
    audit_repo.record(
        session,
        actor=identity.name,
        action="change.withdraw" if outcome == "withdrawn" else "change.cancel",
        tenant=tenant,
        object=f"change:{change_id}",
        detail={"reason": body.reason, "status_before": change.status},
    )
    session.commit()
    return await change_detail(state, session, change_or_404(session, tenant, change_id), identity)


@router.post("/v1/tenants/{tenant}/changes/{change_id}/withdraw", response_model=ChangeDetail)
async def withdraw_change(
    identity: TenantIdentity,
    change: ChangeDep,
    body: StopBody,
    state: StateDep,
    session: SessionDep,
) -> ChangeDetail:
    """The tenant takes its change back, until it starts applying; no device is touched."""
    return await _stop("withdrawn", change, body, identity, state, session)


@router.post("/v1/tenants/{tenant}/changes/{change_id}/cancel", response_model=ChangeDetail)
async def cancel_change(
    identity: StaffIdentity,
    change: ChangeDep,
    body: StopBody,
    state: StateDep,
    session: SessionDep,
) -> ChangeDetail:
    """Staff stop any change, until it starts applying; no device is touched."""
    return await _stop("cancelled", change, body, identity, state, session)
