"""What the change repository returns: a change request, its plans, events, approvals and
pre-change backup links, each as a frozen model built from its row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.changes.lifecycle import TERMINAL_STATUSES, ApprovalDecision, ChangeStatus
from services.store.models import (
    ChangeApproval,
    ChangeBackup,
    ChangeEvent,
    ChangeKind,
    ChangePlan,
    ChangeRequest,
)


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


def change_out(row: ChangeRequest, tenant: str) -> ChangeOut:
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


def plan_out(row: ChangePlan) -> PlanOut:
    return PlanOut(
        change_id=row.change_id,
        revision=row.revision,
        created_at=row.created_at,
        devices=row.devices,
        plan_hash=row.plan_hash,
    )


def event_out(row: ChangeEvent) -> EventOut:
    return EventOut(
        id=row.id,
        change_id=row.change_id,
        at=row.at,
        from_status=row.from_status,
        to_status=row.to_status,
        actor=row.actor,
        detail=row.detail,
    )


def approval_out(row: ChangeApproval) -> ApprovalOut:
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


def link_out(row: ChangeBackup) -> BackupLinkOut:
    return BackupLinkOut(
        change_id=row.change_id,
        device=row.device,
        backup_version=row.backup_version,
        created_at=row.created_at,
    )
