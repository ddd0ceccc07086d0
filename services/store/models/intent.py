"""Intended state: the revisions verified changes made to each device's intent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models.base import Base, UTCDateTime, utcnow


class IntentRevisionRow(Base):
    """Revision `seq` of a device's intent: the data paths one verified change set on it.

    Written once, in the transaction that records the change `verified`; `edits` is a list of
    {path, before, after}. Folded revisions were written back to the inventory files.
    """

    __tablename__ = "intent_revisions"
    __table_args__ = (
        UniqueConstraint("change_id", "device"),
        UniqueConstraint("tenant_id", "device", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    device: Mapped[str] = mapped_column(String(255))
    seq: Mapped[int] = mapped_column(Integer)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    kind: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(255))
    approved_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    folded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    folded_by: Mapped[str | None] = mapped_column(String(255))
