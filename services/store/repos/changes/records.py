"""What a change accumulates on its way: plan revisions, approvers' decisions and the
pre-change backup of each device. Each write is idempotent under retry."""

from __future__ import annotations

from typing import Any, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.changes.lifecycle import (
    APPROVAL_DECISIONS,
    LIFECYCLE_HINT,
    PLANNABLE_STATUSES,
    ApprovalDecision,
)
from services.core.errors import NotFoundError
from services.store.errors import ConflictError
from services.store.models import (
    ChangeApproval,
    ChangeBackup,
    ChangePlan,
    ChangeRequest,
    ConfigBackup,
    utcnow,
)
from services.store.repos import audit_log as audit_log_repo
from services.store.repos._checks import text_field
from services.store.repos.changes.checks import (
    MAX_ATTEMPTS,
    MAX_COMMENT,
    one_of,
    plan_devices,
    positive_int,
    token_id,
)
from services.store.repos.changes.queries import change_row, newest_plan
from services.store.repos.changes.views import (
    ApprovalOut,
    BackupLinkOut,
    PlanOut,
)

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
    checked = plan_devices(devices)
    text_field("plan_hash", plan_hash, 64)
    for _ in range(MAX_ATTEMPTS):
        change = change_row(session, tenant, change_id)
        newest = newest_plan(session, change_id)
        if newest is not None and newest.plan_hash == plan_hash:
            if newest.devices != checked:
                raise ConflictError(
                    f"plan_hash {plan_hash!r} already names revision {newest.revision} of change"
                    f" {change_id} with different devices"
                )
            return PlanOut.model_validate(newest)
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
        return PlanOut.model_validate(row)
    raise ConflictError(
        f"could not add a plan to change {change_id}"
        f" after {MAX_ATTEMPTS} attempts against concurrent writers"
    )


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
    positive_int("plan_revision", plan_revision)
    text_field("approver", approver, 255)
    one_of("decision", decision, APPROVAL_DECISIONS)
    text_field("comment", comment, MAX_COMMENT)
    change = change_row(session, tenant, change_id)
    token_id(session, "approver_token_id", approver_token_id)

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
    return ApprovalOut.model_validate(row)


class Decision(TypedDict):
    """An approver's decision on one plan revision of a change, as `record_approval` takes it."""

    tenant: str
    change_id: str
    plan_revision: int
    decision: ApprovalDecision
    comment: str
    approver: str
    approver_token_id: int


def record_decision(
    session: Session, *, features: list[str] | None = None, **decided: Unpack[Decision]
) -> bool:
    """A decision the change workflow accepted: its approval row and its audit entry, in the
    caller's transaction, or nothing when the decision is already recorded (the workflow
    and the API that sent it both call this; whichever comes second writes nothing).
    Returns whether this call recorded it."""
    try:
        with session.begin_nested():
            record_approval(session, **decided, accepted_by_workflow=True)
    except ConflictError:
        return False  # recorded already, approval and audit entry together
    audit_log_repo.record(
        session,
        actor=decided["approver"],
        action="change.approve" if decided["decision"] == "approved" else "change.reject",
        tenant=decided["tenant"],
        object=f"change:{decided['change_id']}",
        detail={"comment": decided["comment"], "revision": decided["plan_revision"]}
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
    newest = newest_plan(session, change.id)
    if newest is None or newest.revision != plan_revision:
        current = "none" if newest is None else str(newest.revision)
        raise ConflictError(
            f"plan_revision {plan_revision} is not the newest plan of change {change.id}"
            f" (newest: {current})",
            hint="review and decide on the newest plan revision",
        )


# --- pre-change backups ------------------------------------------------------------------------


def link_backup(
    session: Session, *, tenant: str, change_id: str, device: str, backup_version: int
) -> BackupLinkOut:
    """Remember the device's pre-change backup version (an existing backup of the tenant).

    Idempotent: linking the same version again returns the link; another version for a device
    already linked is a ConflictError (the pre-change backup is never replaced).
    """
    text_field("device", device, 255)
    positive_int("backup_version", backup_version)
    change = change_row(session, tenant, change_id)

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
        return BackupLinkOut.model_validate(row)

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
    return BackupLinkOut.model_validate(row)
