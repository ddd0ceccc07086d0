"""Workflow runs started on someone's behalf, so they can be listed and scoped by tenant."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models.base import Base, UTCDateTime, utcnow


class Run(Base):
    """A workflow started on behalf of someone, so runs can be listed and scoped by tenant."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    workflow_id: Mapped[str] = mapped_column(String(255), unique=True)
    requested_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
