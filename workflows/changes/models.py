"""Inputs and outputs of the change workflows and activities: ids, statuses and small state."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.changes.lifecycle import ApprovalDecision, ChangeStatus, StopOutcome

DeviceOutcome = Literal["verified", "rolled_back", "failed", "unchanged"]


class ChangeInput(BaseModel):
    tenant: str
    change_id: str
    device_task_queue: str = "netwave-devices"
    approval_timeout_hours: float = Field(
        default=0, ge=0, description="0: use the contract's expiry"
    )
    heartbeat_timeout_seconds: float = 30
    # The requester's principal: the decide update refuses it as approver (four-eyes here
    # too, not only in the API). None in histories from before principals.
    requester: str | None = None


class PlanInput(BaseModel):
    tenant: str
    change_id: str
    # Remediation: only these features (what the approver took); None: all of the request's.
    features: list[str] | None = None


class PlanSummary(BaseModel):
    revision: int
    devices: list[str]
    auto_approved: bool
    reason: str
    expire_after_hours: int | None = None
    noop: bool = False
    # What a decision approves (every device's commands): a re-plan with the same commands
    # keeps the decision.
    commands_hash: str = ""
    features: list[str] = Field(default_factory=list)


class LockInput(BaseModel):
    tenant: str
    change_id: str
    devices: list[str]


class StatusInput(BaseModel):
    tenant: str
    change_id: str
    to_status: ChangeStatus
    actor: str
    detail: dict[str, Any] = Field(default_factory=dict)
    window_start: datetime | None = None
    window_end: datetime | None = None
    failure: str | None = None


class WindowInput(BaseModel):
    tenant: str
    now: datetime


class WindowOut(BaseModel):
    start: datetime
    end: datetime
    source: str = ""


class Decision(BaseModel):
    """An approver's decision, sent by the API as a workflow update."""

    plan_revision: int
    approver: str  # the approver's principal
    decision: ApprovalDecision
    comment: str = Field(min_length=1, max_length=1000)
    # Remediation: the features the approver takes (None or empty: all of them).
    features: list[str] | None = None
    # The token that decided; the approval row names it. None in histories from before.
    approver_token_id: int | None = None


class DecisionRecord(BaseModel):
    """A decision the workflow accepted, recorded (approval row and audit entry together)."""

    tenant: str
    change_id: str
    decision: Decision


class StopRequest(BaseModel):
    """A change ended before it applies: withdrawn by its tenant or cancelled by staff."""

    outcome: StopOutcome
    actor: str
    reason: str = Field(min_length=1, max_length=500)


class WindowOverride(BaseModel):
    actor: str
    reason: str = Field(min_length=1, max_length=500)


class NotifyInput(BaseModel):
    tenant: str
    change_id: str
    status: ChangeStatus
    detail: dict[str, Any] = Field(default_factory=dict)


class DeviceChangeInput(BaseModel):
    tenant: str
    change_id: str
    device: str
    plan_revision: int
    device_task_queue: str = "netwave-devices"
    heartbeat_timeout_seconds: float = 30
    before: dict[str, Any] = Field(default_factory=dict, description="pre-check state")


class DeviceStep(BaseModel):
    ok: bool
    detail: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class DeviceChangeResult(BaseModel):
    device: str
    outcome: DeviceOutcome
    detail: str = ""
    backup_version: int | None = None


class ChangeProgress(BaseModel):
    status: ChangeStatus = "submitted"
    plan_revision: int | None = None
    window_start: datetime | None = None
    devices: dict[str, str] = Field(default_factory=dict)


class ChangeResult(BaseModel):
    change_id: str
    status: ChangeStatus
    devices: list[DeviceChangeResult] = Field(default_factory=list)
