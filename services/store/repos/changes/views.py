"""What the change repository returns: a change request, its plans, events, approvals and
pre-change backup links, each a frozen model read from its row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.changes.lifecycle import TERMINAL_STATUSES, ApprovalDecision, ChangeStatus
from services.store.models import ChangeKind, ChangeRequest


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

    model_config = ConfigDict(frozen=True, from_attributes=True)

    change_id: str
    revision: int
    created_at: datetime
    devices: list[dict[str, Any]]
    plan_hash: str


class EventOut(BaseModel):
    """One status change of a change request (from_status is None for its creation)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    change_id: str
    at: datetime
    from_status: ChangeStatus | None
    to_status: ChangeStatus
    actor: str
    detail: dict[str, Any]


class ApprovalOut(BaseModel):
    """An approver's decision on one plan revision of a change."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

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

    model_config = ConfigDict(frozen=True, from_attributes=True)

    change_id: str
    device: str
    backup_version: int
    created_at: datetime


def change_out(row: ChangeRequest, tenant: str) -> ChangeOut:
    """The change row as the API and workflows see it, named by its tenant."""
    columns = {name: getattr(row, name) for name in ChangeOut.model_fields if name != "tenant"}
    return ChangeOut.model_validate({**columns, "tenant": tenant})
