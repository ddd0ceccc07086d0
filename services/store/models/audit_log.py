"""The audit log: append-only, refused any UPDATE or DELETE by the ORM."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from services.store.errors import AppendOnlyError
from services.store.models.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One append-only audit record; the tenant is kept by name so it outlives the tenant."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_tenant_entry", "tenant", "id"),
        # The audit log reads newest first by time (every tenant's, or one tenant's).
        Index("ix_audit_log_at_entry", "at", "id"),
        Index("ix_audit_log_tenant_at_entry", "tenant", "at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(100))
    tenant: Mapped[str | None] = mapped_column(String(63))
    object: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_flush(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    """Refuse a unit-of-work UPDATE or DELETE of an audit entry."""
    raise AppendOnlyError(f"audit entry {target.id} cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_bulk(state: ORMExecuteState) -> None:
    """Refuse ORM-enabled `update(AuditEntry)` and `delete(AuditEntry)` statements."""
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is AuditEntry:
        raise AppendOnlyError("audit entries cannot be changed or deleted")
