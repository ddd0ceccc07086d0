"""Capacity change requests: the request, its plan revisions, events, approvals and backups.

The API creates requests and records approvals; workflow activities move a request through its
lifecycle with `transition`, which writes an append-only ChangeEvent in the same transaction.
Writes are idempotent under retry (settled by unique constraints and savepoints, not locks),
and every read and write is scoped by tenant: another tenant's change is simply not found.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypedDict, Unpack

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.core.errors import NotFoundError
from services.store.errors import ConflictError, InvalidInputError
from services.store.models import (
    APPROVAL_DECISIONS,
    CHANGE_KINDS,
    CHANGE_STATUSES,
    ApiToken,
    ApprovalDecision,
    ChangeApproval,
    ChangeBackup,
    ChangeEvent,
    ChangeKind,
    ChangePlan,
    ChangeRequest,
    ChangeStatus,
    ConfigBackup,
    Tenant,
    utcnow,
)
from services.store.repos import audit as audit_repo
from services.store.repos._checks import aware, text_field
from services.store.repos.tenants import tenant_id_of

MAX_LIMIT = 1000
# Each attempt loses only to a concurrent writer of the same change; a few always suffice.
MAX_ATTEMPTS = 5
MAX_COMMENT = 1000
MAX_POLICY_REASON = 2000

STOPPED: tuple[ChangeStatus, ...] = ("withdrawn", "cancelled")
TRANSITIONS: Mapping[ChangeStatus, frozenset[ChangeStatus]] = MappingProxyType(
    {
        # Every status before `applying` may end as withdrawn (tenant) or cancelled (staff).
        "submitted": frozenset({"planned", "failed", *STOPPED}),
        "planned": frozenset({"awaiting_approval", "approved", "failed", *STOPPED}),
        # -> planned: re-plan because the device configuration changed since the plan.
        "awaiting_approval": frozenset(
            {"approved", "rejected", "expired", "planned", "failed", *STOPPED}
        ),
        "approved": frozenset({"scheduled", "planned", "failed", *STOPPED}),
        # -> planned: re-plan because a change verified on the device before it moved the
        # intent (changes to one device apply in order, each against the one before).
        "scheduled": frozenset({"applying", "planned", "failed", *STOPPED}),
        "applying": frozenset({"verified", "rolled_back", "failed"}),
        "rejected": frozenset(),
        "expired": frozenset(),
        "verified": frozenset(),
        "rolled_back": frozenset(),
        "failed": frozenset(),
        "withdrawn": frozenset(),
        "cancelled": frozenset(),
    }
)
TERMINAL_STATUSES: frozenset[ChangeStatus] = frozenset(
    status for status, targets in TRANSITIONS.items() if not targets
)
# Statuses in which a (new) plan revision may be added: those from which `planned` is reached.
PLANNABLE_STATUSES: frozenset[ChangeStatus] = frozenset(
    {"submitted", "planned", "awaiting_approval", "approved", "scheduled"}
)
LIFECYCLE_HINT = "read the change's current status; the allowed moves are changes.TRANSITIONS"
SETTABLE_FIELDS = ("workflow_id", "policy_reason", "window_start", "window_end", "failure")


class ChangeFields(TypedDict, total=False):
    """Columns `transition` may set along with the status."""

    workflow_id: str
    policy_reason: str | None
    window_start: datetime | None
    window_end: datetime | None
    failure: str | None


class ChangeOut(BaseModel):
    """A change request as the API and workflows see it."""

    model_config = ConfigDict(frozen=True)

    id: str
    tenant: str
    site: str
    kind: ChangeKind
    params: dict[str, Any]
    status: ChangeStatus
    requested_by: str
    requested_by_token_id: int | None
    idempotency_key: str | None
    workflow_id: str | None
    created_at: datetime
    updated_at: datetime
    policy_reason: str | None
    window_start: datetime | None
    window_end: datetime | None
    failure: str | None

    @property
    def terminal(self) -> bool:
        """Whether the change has reached a status it never leaves."""
        return self.status in TERMINAL_STATUSES


class PlanOut(BaseModel):
    """Revision N of a change's plan; `devices` holds one JSON object per device."""

    model_config = ConfigDict(frozen=True)

    change_id: str
    revision: int
    created_at: datetime
    devices: list[dict[str, Any]]
    plan_hash: str


class EventOut(BaseModel):
    """One status change of a change request (from_status is None for its creation)."""

    model_config = ConfigDict(frozen=True)

    id: int
    change_id: str
    at: datetime
    from_status: ChangeStatus | None
    to_status: ChangeStatus
    actor: str
    detail: dict[str, Any]


class ApprovalOut(BaseModel):
    """An approver's decision on one plan revision of a change."""

    model_config = ConfigDict(frozen=True)

    id: int
    change_id: str
    plan_revision: int
    approver: str
    approver_token_id: int
    decision: ApprovalDecision
    comment: str
    at: datetime


class BackupLinkOut(BaseModel):
    """The pre-change backup version of one device of a change."""

    model_config = ConfigDict(frozen=True)

    change_id: str
    device: str
    backup_version: int
    created_at: datetime


# --- input checks ------------------------------------------------------------------------------


def _one_of(field: str, value: object, allowed: Collection[str]) -> None:
    if value not in allowed:
        raise InvalidInputError(f"{field} must be one of {', '.join(allowed)}, got {value!r}")


def _json_object(field: str, value: object) -> dict[str, Any]:
    """A JSON object, as a fresh copy that compares equal to what the database gives back."""
    if not isinstance(value, dict):
        raise InvalidInputError(f"{field} must be a JSON object, got {type(value).__name__}")
    try:
        copied: dict[str, Any] = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{field} must be JSON-serialisable: {exc}") from None
    return copied


def _positive_int(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{field} must be a positive integer, got {value!r}")
    return value


def _token_id(session: Session, field: str, value: object) -> int:
    """The id of an existing API token."""
    token_id = _positive_int(field, value)
    if session.scalar(select(ApiToken.id).where(ApiToken.id == token_id)) is None:
        raise InvalidInputError(f"{field} {token_id} is not a known API token")
    return token_id


def _devices(devices: object) -> list[dict[str, Any]]:
    """A non-empty list of JSON objects, each naming a distinct device."""
    if not isinstance(devices, list) or not devices:
        raise InvalidInputError("devices must be a non-empty list of JSON objects, one per device")
    checked: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(devices):
        item = _json_object(f"devices[{index}]", entry)
        name = item.get("device")
        if not isinstance(name, str) or not name.strip():
            raise InvalidInputError(f"devices[{index}].device must be a non-empty string")
        if name in seen:
            raise InvalidInputError(f"devices[{index}].device {name!r} is listed twice")
        seen.add(name)
        checked.append(item)
    return checked


def _fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The columns a transition sets, checked; errors name the field."""
    for name, value in fields.items():
        if name not in SETTABLE_FIELDS:
            raise InvalidInputError(
                f"{name} cannot be set by a transition; use {', '.join(SETTABLE_FIELDS)}"
            )
        if name == "workflow_id":
            text_field(name, value, 255)
        elif value is None:
            continue
        elif name == "policy_reason":
            text_field(name, value, MAX_POLICY_REASON)
        elif name == "failure":
            if not isinstance(value, str) or not value.strip():
                raise InvalidInputError("failure must be a non-empty string")
        elif not isinstance(value, datetime):
            raise InvalidInputError(f"{name} must be a datetime, got {type(value).__name__}")
        else:
            aware(name, value)
    return dict(fields)


def _limit(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit!r}")
    return limit


# --- rows and views ---------------------------------------------------------------------------


def _out(row: ChangeRequest, tenant: str) -> ChangeOut:
    return ChangeOut(
        id=row.id,
        tenant=tenant,
        site=row.site,
        kind=row.kind,
        params=row.params,
        status=row.status,
        requested_by=row.requested_by,
        requested_by_token_id=row.requested_by_token_id,
        idempotency_key=row.idempotency_key,
        workflow_id=row.workflow_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        policy_reason=row.policy_reason,
        window_start=row.window_start,
        window_end=row.window_end,
        failure=row.failure,
    )


def _plan_out(row: ChangePlan) -> PlanOut:
    return PlanOut(
        change_id=row.change_id,
        revision=row.revision,
        created_at=row.created_at,
        devices=row.devices,
        plan_hash=row.plan_hash,
    )


def _event_out(row: ChangeEvent) -> EventOut:
    return EventOut(
        id=row.id,
        change_id=row.change_id,
        at=row.at,
        from_status=row.from_status,
        to_status=row.to_status,
        actor=row.actor,
        detail=row.detail,
    )


def _approval_out(row: ChangeApproval) -> ApprovalOut:
    return ApprovalOut(
        id=row.id,
        change_id=row.change_id,
        plan_revision=row.plan_revision,
        approver=row.approver,
        approver_token_id=row.approver_token_id,
        decision=row.decision,
        comment=row.comment,
        at=row.at,
    )


def _link_out(row: ChangeBackup) -> BackupLinkOut:
    return BackupLinkOut(
        change_id=row.change_id,
        device=row.device,
        backup_version=row.backup_version,
        created_at=row.created_at,
    )


def _changes(tenant: str | None) -> Select[ChangeRequest, str]:
    """Change requests with their tenant's name, only one tenant's when `tenant` is given."""
    query = select(ChangeRequest, Tenant.name).join(Tenant, ChangeRequest.tenant_id == Tenant.id)
    return query if tenant is None else query.where(Tenant.name == tenant)


def _of_tenant(tenant: str, change_id: str) -> Select[str]:
    """The id of the change if it belongs to the tenant (for scoping the child tables)."""
    return (
        select(ChangeRequest.id)
        .join(Tenant, ChangeRequest.tenant_id == Tenant.id)
        .where(Tenant.name == tenant, ChangeRequest.id == change_id)
    )


def _change_row(session: Session, tenant: str, change_id: str) -> ChangeRequest:
    """The tenant's change row, fresh from the database; NotFoundError otherwise."""
    row = session.scalar(
        select(ChangeRequest)
        .join(Tenant, ChangeRequest.tenant_id == Tenant.id)
        .where(Tenant.name == tenant, ChangeRequest.id == change_id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFoundError(f"change {change_id!r} not found in tenant {tenant!r}")
    return row


def _newest_plan(session: Session, change_id: str) -> ChangePlan | None:
    return session.scalar(
        select(ChangePlan)
        .where(ChangePlan.change_id == change_id)
        .order_by(ChangePlan.revision.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def _last_event(session: Session, change_id: str) -> ChangeEvent | None:
    return session.scalar(
        select(ChangeEvent)
        .where(ChangeEvent.change_id == change_id)
        .order_by(ChangeEvent.id.desc())
        .limit(1)
    )


# --- change requests ----------------------------------------------------------------------------


def create_change(
    session: Session,
    *,
    tenant: str,
    site: str,
    kind: ChangeKind,
    params: dict[str, Any],
    requested_by: str,
    requested_by_token_id: int | None = None,
    idempotency_key: str | None = None,
) -> tuple[ChangeOut, bool]:
    """Record a submitted change request and its creation event; returns (change, created).

    With an idempotency key already used in the tenant, the existing change is returned with
    created=False (also against a concurrent insert, settled by the unique constraint); the
    same key with a different body (site, kind or params) is a ConflictError.
    """
    text_field("site", site, 255)
    _one_of("kind", kind, CHANGE_KINDS)
    body = _json_object("params", params)
    text_field("requested_by", requested_by, 255)
    if idempotency_key is not None:
        text_field("idempotency_key", idempotency_key, 255)
    tenant_id = tenant_id_of(session, name=tenant)
    if requested_by_token_id is not None:
        _token_id(session, "requested_by_token_id", requested_by_token_id)

    def replayed() -> ChangeOut | None:
        if idempotency_key is None:
            return None
        row = session.scalar(
            select(ChangeRequest)
            .where(
                ChangeRequest.tenant_id == tenant_id,
                ChangeRequest.idempotency_key == idempotency_key,
            )
            .execution_options(populate_existing=True)
        )
        if row is None:
            return None
        if (row.site, row.kind, row.params) != (site, kind, body):
            raise ConflictError(
                f"idempotency_key {idempotency_key!r} was already used in tenant {tenant!r}"
                f" for a different request (change {row.id})",
                hint="send the same request body again, or use a new idempotency key",
            )
        return _out(row, tenant)

    found = replayed()
    if found is not None:
        return found, False
    now = utcnow()
    row = ChangeRequest(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        site=site,
        kind=kind,
        params=body,
        status="submitted",
        requested_by=requested_by,
        requested_by_token_id=requested_by_token_id,
        idempotency_key=idempotency_key,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()  # the event's foreign key needs the change first
            session.add(
                ChangeEvent(
                    change_id=row.id,
                    at=now,
                    from_status=None,
                    to_status="submitted",
                    actor=requested_by,
                    detail={},
                )
            )
    except IntegrityError:
        found = replayed()  # a concurrent request with the same key won
        if found is None:
            raise
        return found, False
    return _out(row, tenant), True


def get_change(session: Session, *, tenant: str | None, change_id: str) -> ChangeOut | None:
    """One change of the tenant (of any tenant when None, for staff), or None."""
    found = session.execute(_changes(tenant).where(ChangeRequest.id == change_id)).first()
    return None if found is None else _out(*found)


def list_changes(
    session: Session,
    *,
    tenant: str | None = None,
    status: ChangeStatus | None = None,
    limit: int = 100,
) -> list[ChangeOut]:
    """Newest changes first, of one tenant and in one status when given."""
    if status is not None:
        _one_of("status", status, CHANGE_STATUSES)
    query = _changes(tenant)
    if status is not None:
        query = query.where(ChangeRequest.status == status)
    rows = session.execute(
        query.order_by(ChangeRequest.created_at.desc(), ChangeRequest.id).limit(_limit(limit))
    )
    return [_out(*row) for row in rows]


def transition(
    session: Session,
    *,
    tenant: str,
    change_id: str,
    to_status: ChangeStatus,
    actor: str,
    detail: dict[str, Any] | None = None,
    expected_from: AbstractSet[str] | None = None,
    **fields: Unpack[ChangeFields],
) -> ChangeOut:
    """Move the change to `to_status`, setting `fields`, and append a ChangeEvent.

    Illegal transitions (see TRANSITIONS), and a current status outside `expected_from` when
    given, are ConflictErrors naming both statuses. Asking for the status the change already
    has, as the actor that set it, returns the change unchanged and writes no event, so
    activities can retry; the stored fields are kept (the first write wins).
    """
    _one_of("to_status", to_status, CHANGE_STATUSES)
    text_field("actor", actor, 255)
    event_detail = _json_object("detail", {} if detail is None else detail)
    if expected_from is not None:
        if isinstance(expected_from, str):
            raise InvalidInputError("expected_from must be a set of statuses, not a string")
        for status in expected_from:
            _one_of("expected_from", status, CHANGE_STATUSES)
    values = _fields(fields)
    for _ in range(MAX_ATTEMPTS):
        row = _change_row(session, tenant, change_id)
        current = row.status
        if current == to_status:
            last = _last_event(session, change_id)
            if last is not None and last.actor == actor:
                return _out(row, tenant)
            by = "" if last is None else f" (set by {last.actor!r})"
            raise ConflictError(
                f"change {change_id} is already {current}{by}; {actor!r} cannot move it"
                f" from {current} to {to_status}",
                hint=LIFECYCLE_HINT,
            )
        if expected_from is not None and current not in expected_from:
            raise ConflictError(
                f"change {change_id} is {current}, not {' or '.join(sorted(expected_from))};"
                f" refusing to move it from {current} to {to_status}",
                hint=LIFECYCLE_HINT,
            )
        allowed = TRANSITIONS[current]
        if to_status not in allowed:
            raise ConflictError(
                f"change {change_id} cannot go from {current} to {to_status}"
                + (
                    f" (allowed: {', '.join(sorted(allowed))})"
                    if allowed
                    else f" ({current} is terminal)"
                ),
                hint=LIFECYCLE_HINT,
            )
        if to_status == "planned" and _newest_plan(session, change_id) is None:
            raise ConflictError(
                f"change {change_id} has no plan; add one with add_plan before moving it"
                f" from {current} to planned",
                hint="store the plan first, then mark the change planned",
            )
        wanted_workflow = values.get("workflow_id")
        if wanted_workflow is not None and row.workflow_id not in (None, wanted_workflow):
            raise ConflictError(
                f"change {change_id} already runs as workflow {row.workflow_id!r};"
                f" workflow_id cannot become {wanted_workflow!r}"
            )
        start = values.get("window_start", row.window_start)
        end = values.get("window_end", row.window_end)
        if start is not None and end is not None and end <= start:
            raise InvalidInputError(
                f"window_end {end.isoformat()} must be after window_start {start.isoformat()}"
            )
        now = utcnow()
        try:
            with session.begin_nested():
                moved = session.scalar(
                    update(ChangeRequest)
                    .where(ChangeRequest.id == change_id, ChangeRequest.status == current)
                    .values(status=to_status, updated_at=now, **values)
                    .returning(ChangeRequest.id)
                    .execution_options(synchronize_session=False)
                )
                if moved is not None:
                    session.add(
                        ChangeEvent(
                            change_id=change_id,
                            at=now,
                            from_status=current,
                            to_status=to_status,
                            actor=actor,
                            detail=event_detail,
                        )
                    )
        except IntegrityError:
            if wanted_workflow is None:
                raise
            raise ConflictError(
                f"workflow_id {wanted_workflow!r} already belongs to another change"
            ) from None
        if moved is None:
            continue  # a concurrent transition moved it first: look again
        return _out(_change_row(session, tenant, change_id), tenant)
    raise ConflictError(
        f"could not move change {change_id} to {to_status}"
        f" after {MAX_ATTEMPTS} attempts against concurrent writers"
    )


def record_window_override(
    session: Session, *, tenant: str, change_id: str, actor: str, reason: str, at: datetime
) -> ChangeOut:
    """An admin ran a scheduled change now: an event on its timeline (who, why; the status is
    unchanged) and its window starts at `at`. A retry finds its event and writes nothing."""
    text_field("actor", actor, 255)
    text_field("reason", reason, 500)
    row = _change_row(session, tenant, change_id)
    last = _last_event(session, change_id)
    if last is not None and last.actor == actor and last.detail.get("window_override") == reason:
        return _out(row, tenant)
    if row.window_end is None or aware("at", at) < row.window_end:
        row.window_start = at
    row.updated_at = at
    session.add(
        ChangeEvent(
            change_id=change_id,
            at=at,
            from_status=row.status,
            to_status=row.status,
            actor=actor,
            detail={"window_override": reason, "window_start": at.isoformat()},
        )
    )
    session.flush()
    return _out(row, tenant)


def events(session: Session, *, tenant: str, change_id: str) -> list[EventOut]:
    """The change's events, oldest first ([] when the tenant has no such change)."""
    rows = session.scalars(
        select(ChangeEvent)
        .where(ChangeEvent.change_id.in_(_of_tenant(tenant, change_id)))
        .order_by(ChangeEvent.id)
    )
    return [_event_out(row) for row in rows]


# --- plans -------------------------------------------------------------------------------------


def add_plan(
    session: Session,
    *,
    tenant: str,
    change_id: str,
    devices: list[dict[str, Any]],
    plan_hash: str,
) -> PlanOut:
    """Store the change's next plan revision (1, 2, ...).

    Idempotent: when the newest revision has the same plan_hash it is returned (a ConflictError
    if its devices differ). A new revision is only taken while the change is submitted,
    planned, awaiting_approval or approved.
    """
    checked = _devices(devices)
    text_field("plan_hash", plan_hash, 64)
    for _ in range(MAX_ATTEMPTS):
        change = _change_row(session, tenant, change_id)
        newest = _newest_plan(session, change_id)
        if newest is not None and newest.plan_hash == plan_hash:
            if newest.devices != checked:
                raise ConflictError(
                    f"plan_hash {plan_hash!r} already names revision {newest.revision} of change"
                    f" {change_id} with different devices"
                )
            return _plan_out(newest)
        if change.status not in PLANNABLE_STATUSES:
            raise ConflictError(
                f"change {change_id} is {change.status}; a plan can only be added while it is"
                f" {', '.join(sorted(PLANNABLE_STATUSES))}",
                hint=LIFECYCLE_HINT,
            )
        row = ChangePlan(
            change_id=change_id,
            revision=1 if newest is None else newest.revision + 1,
            created_at=utcnow(),
            devices=checked,
            plan_hash=plan_hash,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue  # a concurrent writer took this revision: look again
        return _plan_out(row)
    raise ConflictError(
        f"could not add a plan to change {change_id}"
        f" after {MAX_ATTEMPTS} attempts against concurrent writers"
    )


def latest_plan(session: Session, *, tenant: str, change_id: str) -> PlanOut | None:
    """The change's newest plan revision, or None."""
    row = session.scalar(
        select(ChangePlan)
        .where(ChangePlan.change_id.in_(_of_tenant(tenant, change_id)))
        .order_by(ChangePlan.revision.desc())
        .limit(1)
    )
    return None if row is None else _plan_out(row)


def plans(session: Session, *, tenant: str, change_id: str) -> list[PlanOut]:
    """Every plan revision of the change, oldest first."""
    rows = session.scalars(
        select(ChangePlan)
        .where(ChangePlan.change_id.in_(_of_tenant(tenant, change_id)))
        .order_by(ChangePlan.revision)
    )
    return [_plan_out(row) for row in rows]


# --- approvals ---------------------------------------------------------------------------------


def record_approval(
    session: Session,
    *,
    tenant: str,
    change_id: str,
    plan_revision: int,
    approver: str,
    approver_token_id: int,
    decision: ApprovalDecision,
    comment: str,
    accepted_by_workflow: bool = False,
) -> ApprovalOut:
    """Record an approver's decision on the newest plan revision of a change awaiting approval.

    A decision counts once per revision: recording it again (a replay, or a second approver)
    is a ConflictError, also against a concurrent insert. The status is not changed here:
    the workflow moves the change with `transition`.

    `accepted_by_workflow`: the change workflow's update validator already let this decision
    through (the one gate for decisions). The workflow may then have moved the change on
    (approved, scheduled, even re-planned) before this row is written, so the status and
    newest-plan checks no longer apply; the once-per-revision check still does.
    """
    _positive_int("plan_revision", plan_revision)
    text_field("approver", approver, 255)
    _one_of("decision", decision, APPROVAL_DECISIONS)
    text_field("comment", comment, MAX_COMMENT)
    change = _change_row(session, tenant, change_id)
    _token_id(session, "approver_token_id", approver_token_id)

    def duplicate() -> ConflictError | None:
        row = session.scalar(
            select(ChangeApproval).where(
                ChangeApproval.change_id == change_id,
                ChangeApproval.plan_revision == plan_revision,
                ChangeApproval.decision == decision,
            )
        )
        if row is None:
            return None
        return ConflictError(
            f"plan revision {plan_revision} of change {change_id} was already {decision}"
            f" by {row.approver!r} at {row.at.isoformat()}",
            hint="a decision counts once per plan revision",
        )

    error = duplicate()
    if error is not None:
        raise error
    if not accepted_by_workflow:
        _check_awaiting(session, change, decision, plan_revision)
    row = ChangeApproval(
        change_id=change_id,
        plan_revision=plan_revision,
        approver=approver,
        approver_token_id=approver_token_id,
        decision=decision,
        comment=comment,
        at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        error = duplicate()  # a concurrent identical decision won
        if error is None:
            raise
        raise error from None
    return _approval_out(row)


def record_decision(
    session: Session,
    *,
    tenant: str,
    change_id: str,
    plan_revision: int,
    approver: str,
    approver_token_id: int,
    decision: str,
    comment: str,
    features: list[str] | None = None,
) -> bool:
    """A decision the change workflow accepted: its approval row and its audit entry, in the
    caller's transaction, or nothing when the decision is already recorded (the workflow
    and the API that sent it both call this; whichever comes second writes nothing).
    Returns whether this call recorded it."""
    try:
        with session.begin_nested():
            record_approval(
                session,
                tenant=tenant,
                change_id=change_id,
                plan_revision=plan_revision,
                approver=approver,
                approver_token_id=approver_token_id,
                decision=decision,  # type: ignore[arg-type]  # checked by record_approval
                comment=comment,
                accepted_by_workflow=True,
            )
    except ConflictError:
        return False  # recorded already, approval and audit entry together
    audit_repo.record(
        session,
        actor=approver,
        action="change.approve" if decision == "approved" else "change.reject",
        tenant=tenant,
        object=f"change:{change_id}",
        detail={"comment": comment, "revision": plan_revision}
        | ({"features": features} if features else {}),
    )
    return True


def _check_awaiting(
    session: Session, change: ChangeRequest, decision: str, plan_revision: int
) -> None:
    """The change awaits approval and `plan_revision` is its newest plan."""
    if change.status != "awaiting_approval":
        raise ConflictError(
            f"change {change.id} is {change.status}, not awaiting_approval;"
            f" it takes no {decision} decision",
            hint="only a change awaiting approval takes decisions",
        )
    newest = _newest_plan(session, change.id)
    if newest is None or newest.revision != plan_revision:
        current = "none" if newest is None else str(newest.revision)
        raise ConflictError(
            f"plan_revision {plan_revision} is not the newest plan of change {change.id}"
            f" (newest: {current})",
            hint="review and decide on the newest plan revision",
        )


def approvals(session: Session, *, tenant: str, change_id: str) -> list[ApprovalOut]:
    """The change's approval decisions, oldest first."""
    rows = session.scalars(
        select(ChangeApproval)
        .where(ChangeApproval.change_id.in_(_of_tenant(tenant, change_id)))
        .order_by(ChangeApproval.id)
    )
    return [_approval_out(row) for row in rows]


# --- pre-change backups ------------------------------------------------------------------------


def link_backup(
    session: Session, *, tenant: str, change_id: str, device: str, backup_version: int
) -> BackupLinkOut:
    """Remember the device's pre-change backup version (an existing backup of the tenant).

    Idempotent: linking the same version again returns the link; another version for a device
    already linked is a ConflictError (the pre-change backup is never replaced).
    """
    text_field("device", device, 255)
    _positive_int("backup_version", backup_version)
    change = _change_row(session, tenant, change_id)

    def existing() -> BackupLinkOut | None:
        row = session.scalar(
            select(ChangeBackup).where(
                ChangeBackup.change_id == change_id, ChangeBackup.device == device
            )
        )
        if row is None:
            return None
        if row.backup_version != backup_version:
            raise ConflictError(
                f"change {change_id} already links {device} to backup v{row.backup_version};"
                f" backup_version cannot become {backup_version}"
            )
        return _link_out(row)

    found = existing()
    if found is not None:
        return found
    backup = session.scalar(
        select(ConfigBackup.id).where(
            ConfigBackup.tenant_id == change.tenant_id,
            ConfigBackup.device == device,
            ConfigBackup.version == backup_version,
        )
    )
    if backup is None:
        raise NotFoundError(f"backup {device} v{backup_version} not found in tenant {tenant!r}")
    row = ChangeBackup(
        change_id=change_id, device=device, backup_version=backup_version, created_at=utcnow()
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = existing()  # a concurrent link of the same device won
        if found is None:
            raise
        return found
    return _link_out(row)


def backups_of(session: Session, *, tenant: str, change_id: str) -> list[BackupLinkOut]:
    """The change's pre-change backup links, by device."""
    rows = session.scalars(
        select(ChangeBackup)
        .where(ChangeBackup.change_id.in_(_of_tenant(tenant, change_id)))
        .order_by(ChangeBackup.device)
    )
    return [_link_out(row) for row in rows]
