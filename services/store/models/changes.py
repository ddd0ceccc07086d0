"""Capacity change requests (issue 5): the request, its plan revisions, events, approvals and
pre-change backups; events are append-only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from services.changes.lifecycle import APPROVAL_DECISIONS as APPROVAL_DECISIONS
from services.changes.lifecycle import CHANGE_STATUSES as CHANGE_STATUSES
from services.changes.lifecycle import ApprovalDecision as ApprovalDecision
from services.changes.lifecycle import ChangeStatus as ChangeStatus
from services.store.errors import AppendOnlyError
from services.store.models.base import Base, UTCDateTime, one_of, utcnow

ChangeKind = Literal["wan_bandwidth", "qos_profile", "vlan_handoff", "remediation"]
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)


class ChangeRequest(Base):
    """A tenant's capacity change request; `params` is the validated request body."""

    __tablename__ = "change_requests"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        CheckConstraint(f"kind IN ({one_of(CHANGE_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({one_of(CHANGE_STATUSES)})", name="status"),
        CheckConstraint(
            "window_start IS NULL OR window_end IS NULL OR window_end > window_start",
            name="window_order",
        ),
        Index("ix_change_requests_tenant_id_created_at", "tenant_id", "created_at"),
        Index("ix_change_requests_status_created_at", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    site: Mapped[str] = mapped_column(String(255))
    kind: Mapped[ChangeKind] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[ChangeStatus] = mapped_column(String(32), default="submitted")
    requested_by: Mapped[str] = mapped_column(String(255))
    requested_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    workflow_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    policy_reason: Mapped[str | None] = mapped_column(Text)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure: Mapped[str | None] = mapped_column(Text)


class ChangePlan(Base):
    """Revision N of a change's plan: per device commands, rollback, diff and config hashes."""

    __tablename__ = "change_plans"
    __table_args__ = (
        UniqueConstraint("change_id", "revision"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    devices: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    plan_hash: Mapped[str] = mapped_column(String(64))


class ChangeEvent(Base):
    """One append-only status change of a change request (from_status is NULL on creation)."""

    __tablename__ = "change_events"
    __table_args__ = (
        CheckConstraint(
            f"from_status IS NULL OR from_status IN ({one_of(CHANGE_STATUSES)})",
            name="from_status",
        ),
        CheckConstraint(f"to_status IN ({one_of(CHANGE_STATUSES)})", name="to_status"),
        Index("ix_change_events_change_id_id", "change_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_status: Mapped[ChangeStatus | None] = mapped_column(String(32))
    to_status: Mapped[ChangeStatus] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChangeApproval(Base):
    """An approver's decision on one plan revision; a decision counts once per revision."""

    __tablename__ = "change_approvals"
    __table_args__ = (
        UniqueConstraint("change_id", "plan_revision", "decision"),
        CheckConstraint(f"decision IN ({one_of(APPROVAL_DECISIONS)})", name="decision"),
        ForeignKeyConstraint(
            ["change_id", "plan_revision"], ["change_plans.change_id", "change_plans.revision"]
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    plan_revision: Mapped[int] = mapped_column(Integer)
    approver: Mapped[str] = mapped_column(String(255))
    approver_token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"))
    decision: Mapped[ApprovalDecision] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(String(1000))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeBackup(Base):
    """The pre-change backup version of one device of a change (a config_backups version)."""

    __tablename__ = "change_backups"
    __table_args__ = (UniqueConstraint("change_id", "device"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    device: Mapped[str] = mapped_column(String(255))
    backup_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


CHANGE_EVENTS_HINT = "change events are append-only; transition the change instead"


@event.listens_for(ChangeEvent, "before_update")
@event.listens_for(ChangeEvent, "before_delete")
def _refuse_change_event_flush(_mapper: Any, _connection: Any, target: ChangeEvent) -> None:
    """Refuse a unit-of-work UPDATE or DELETE of a change event."""
    raise AppendOnlyError(
        f"change event {target.id} cannot be changed or deleted", hint=CHANGE_EVENTS_HINT
    )


@event.listens_for(Session, "do_orm_execute")
def _refuse_change_event_bulk(state: ORMExecuteState) -> None:
    """Refuse ORM-enabled `update(ChangeEvent)` and `delete(ChangeEvent)` statements."""
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is ChangeEvent:
        raise AppendOnlyError("change events cannot be changed or deleted", hint=CHANGE_EVENTS_HINT)
