"""Devices held: by the one change applying to them (a lock), or for an engineer (attention)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models.base import Base, UTCDateTime, utcnow


class DeviceLock(Base):
    """A device held by one change while it applies: changes to a device run one at a time."""

    __tablename__ = "device_locks"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    device: Mapped[str] = mapped_column(String(255), primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeviceAttention(Base):
    """A device that needs an engineer: its rollback could not restore the pre-change backup.

    One per (change, device); cleared (never deleted) by an engineer with a comment. While one
    is open, netwave requests, pushes and campaigns nothing on the device.
    """

    __tablename__ = "device_attention"
    __table_args__ = (UniqueConstraint("change_id", "device"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    device: Mapped[str] = mapped_column(String(255))
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    reason: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by: Mapped[str | None] = mapped_column(String(255))
    comment: Mapped[str | None] = mapped_column(Text)
