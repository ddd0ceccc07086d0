"""Change pages: the approval queue, a tenant's changes, one change with its diff and decision.

Reads use the same store functions as the API; actions call the same use cases as the API
(`services.app.changes`: four-eyes, plan revision, Temporal update), after the same role checks.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import ValidationError

from services.api.deps import (
    STAFF_ROLES,
    SessionDep,
    StateDep,
    check_role,
    refusal_status,
    scoped_tenant,
)
from services.api.web.render import ConsoleRoute, page, redirect
from services.api.web.session import CheckedForm, ConsoleDep, ConsoleSession
from services.app import changes as use_case
from services.app.changes import STOPS, DecisionBody, OverrideBody, StopBody
from services.app.errors import Refused
from services.changes.lifecycle import ChangeStatus, is_change_status
from services.core.errors import NetwaveError, NotFoundError
from services.store.repos import changes as change_repo
from services.store.repos.changes import TERMINAL_STATUSES, PlanOut

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

APPROVERS = frozenset({"approver", "admin"})
# One checkbox per remediation feature (the console's form keeps one value per field name).
FEATURE_FIELD = "feature-"
ADMINS = frozenset({"admin"})
# The path a change takes when everything goes well; the timeline marks how far it got.
HAPPY_PATH = (
    "submitted",
    "planned",
    "awaiting_approval",
    "approved",
    "scheduled",
    "applying",
    "verified",
)
DONE_MESSAGES = {
    "approved": "Approved: the workflow goes on with this plan.",
    "rejected": "Rejected: the change will never reach a device.",
    "override": "Window overridden: the change runs now.",
    "withdrawn": "Withdrawn: the change ends without touching a device.",
    "cancelled": "Cancelled: the change ends without touching a device.",
}
# Before it starts applying, a change may still be withdrawn (its tenant) or cancelled (staff).
STOPPABLE = ("submitted", "planned", "awaiting_approval", "approved", "scheduled")


def console_tenant(tenant: str, console: ConsoleDep, session: SessionDep) -> str:
    """The path's tenant, scoped exactly like the API (a foreign tenant is 404)."""
    return scoped_tenant(tenant, console.identity, session)


TenantPage = Annotated[str, Depends(console_tenant)]


def _status_filter(value: str | None) -> ChangeStatus | None:
    return value if is_change_status(value) else None


def offered_features(plan: PlanOut | None) -> list[str]:
    """A remediation plan's features that push something, in plan order (others: none)."""
    devices = plan.devices if plan else []
    return list(dict.fromkeys(f for d in devices for f in d.get("by_feature") or {}))


def chosen_features(form: dict[str, str], plan: PlanOut | None) -> list[str] | None:
    """The features the approver ticked (`feature-<name>` fields); None: all, or no choice."""
    offered = offered_features(plan)
    chosen = [f for f in offered if f"{FEATURE_FIELD}{f}" in form]
    if offered and not chosen:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "tick at least one feature to approve, or reject the change",
        )
    return None if chosen == offered else chosen


@router.get("/approvals")
def approvals(request: Request, console: ConsoleDep, session: SessionDep) -> Response:
    """Changes of every tenant waiting for an approver, oldest first."""
    check_role(console.identity, STAFF_ROLES)
    pending = change_repo.list_changes(session, status="awaiting_approval")
    plans = {
        c.id: change_repo.latest_plan(session, tenant=c.tenant, change_id=c.id) for c in pending
    }
    return page(request, "approvals.html", console, changes=list(reversed(pending)), plans=plans)


@router.get("/changes")
def all_changes(
    request: Request,
    console: ConsoleDep,
    session: SessionDep,
    status_: Annotated[str | None, Query(alias="status")] = None,
) -> Response:
    """Every tenant's changes for staff; a tenant goes to its own list."""
    if console.identity.role == "tenant":
        return redirect(f"/console/tenants/{console.identity.tenant}/changes")
    check_role(console.identity, STAFF_ROLES)
    wanted = _status_filter(status_)
    found = change_repo.list_changes(session, status=wanted)
    return page(request, "changes.html", console, changes=found, tenant=None, status_filter=wanted)


@router.get("/tenants/{tenant}/changes")
def tenant_changes(
    request: Request,
    tenant: TenantPage,
    console: ConsoleDep,
    session: SessionDep,
    status_: Annotated[str | None, Query(alias="status")] = None,
) -> Response:
    """The tenant's changes, newest first."""
    wanted = _status_filter(status_)
    found = change_repo.list_changes(session, tenant=tenant, status=wanted)
    return page(
        request, "changes.html", console, changes=found, tenant=tenant, status_filter=wanted
    )


async def _change_page(
    request: Request,
    console: ConsoleDep,
    state: StateDep,
    session: SessionDep,
    tenant: str,
    change_id: str,
    *,
    error: str | None = None,
    code: int = status.HTTP_200_OK,
    comment: str = "",
    ticked: list[str] | None = None,
) -> Response:
    # A tenant sees its plan's diff and commands, failures and events with secrets masked.
    detail = await use_case.follow_change(state, session, console.identity, tenant, change_id)
    features = offered_features(detail.plan) if detail.change.kind == "remediation" else []
    reached = {e.to_status for e in detail.events}
    identity = console.identity
    own = detail.change.requested_by_token_id == identity.token_id or (
        detail.change.requested_by == identity.name
    )
    return page(
        request,
        "change.html",
        console,
        code,
        detail=detail,
        change=detail.change,
        timeline=[(s, s in reached, s == detail.change.status) for s in HAPPY_PATH],
        live=detail.change.status not in TERMINAL_STATUSES,
        can_decide=identity.role in APPROVERS and not own,
        own=own,
        can_override=identity.role in ADMINS and detail.change.status == "scheduled",
        stop_action=(
            None
            if detail.change.status not in STOPPABLE
            else "withdraw"
            if identity.role == "tenant"
            else "cancel"
        ),
        done=DONE_MESSAGES.get(request.query_params.get("done", "")),
        error=error,
        comment=comment,
        features=features,
        ticked=features if ticked is None else ticked,
    )


@router.get("/tenants/{tenant}/changes/{change_id}")
async def change_detail(
    request: Request,
    tenant: TenantPage,
    change_id: str,
    console: ConsoleDep,
    state: StateDep,
    session: SessionDep,
) -> Response:
    """One change: timeline, policy reason, per-device diff, decisions, workflow link."""
    return await _change_page(request, console, state, session, tenant, change_id)


@router.get("/tenants/{tenant}/changes/{change_id}/status.json")
def change_status(tenant: TenantPage, change_id: str, session: SessionDep) -> dict[str, object]:
    """The change's status, polled by the page while the change is in flight."""
    change = change_repo.get_change(session, tenant=tenant, change_id=change_id)
    if change is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"change {change_id!r} not found")
    return {"status": change.status, "terminal": change.terminal}


async def _take(
    action: str,
    form: dict[str, str],
    console: ConsoleSession,
    state: StateDep,
    session: SessionDep,
    tenant: str,
    change_id: str,
) -> str:
    """Do the posted action through its use case, after the role check; the `done` key."""
    if action in ("approve", "reject"):
        identity = check_role(console.identity, APPROVERS)
        features = None
        if action == "approve":
            plan = change_repo.latest_plan(session, tenant=tenant, change_id=change_id)
            features = chosen_features(form, plan)
        body = DecisionBody(comment=form.get("comment", "").strip(), features=features)
        decision: Literal["approved", "rejected"] = (
            "approved" if action == "approve" else "rejected"
        )
        await use_case.decide_change(
            state, session, identity, change_id, tenant=tenant, decision=decision, body=body
        )
        return decision
    reason = form.get("reason", "").strip()
    if action in STOPS:
        identity = check_role(console.identity, STOPS[action].roles)
        change = use_case.find_change(session, tenant, change_id)
        await use_case.stop_change(
            state, session, identity, change, action=action, body=StopBody(reason=reason)
        )
        return STOPS[action].outcome
    if action == "override-window":
        identity = check_role(console.identity, ADMINS)
        await use_case.override_window(
            state, session, identity, change_id, tenant=tenant, body=OverrideBody(reason=reason)
        )
        return "override"
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no action {action!r}")


@router.post("/tenants/{tenant}/changes/{change_id}/{decision}")
async def decide(
    request: Request,
    tenant: TenantPage,
    change_id: str,
    decision: str,
    form: CheckedForm,
    console: ConsoleDep,
    state: StateDep,
    session: SessionDep,
) -> Response:
    """Approve or reject (approver, admin; never the requester), withdraw (the tenant) or cancel
    (staff) before it applies, or run now (admin)."""
    try:
        done = await _take(decision, form, console, state, session, tenant, change_id)
    except ValidationError as exc:
        message = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
        code = status.HTTP_422_UNPROCESSABLE_CONTENT
    except HTTPException as exc:
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise
        message, code = str(exc.detail), exc.status_code
    except NetwaveError as exc:  # a refusal or a store conflict: shown on the page, not as JSON
        if isinstance(exc, NotFoundError):
            raise
        message = exc.message
        code = refusal_status(exc) if isinstance(exc, Refused) else status.HTTP_409_CONFLICT
    else:
        return redirect(f"/console/tenants/{tenant}/changes/{change_id}?done={done}")
    session.rollback()  # nothing of a refused action may be committed by this request
    ticked = [k.removeprefix(FEATURE_FIELD) for k in form if k.startswith(FEATURE_FIELD)] or None
    return await _change_page(
        request, console, state, session, tenant, change_id,
        error=message, code=code, comment=form.get("comment", "").strip(), ticked=ticked,
    )  # fmt: skip
