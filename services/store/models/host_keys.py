"""SSH host keys of devices and jump hosts, recorded per tenant when an engineer trusts them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models.base import Base, UTCDateTime, utcnow


class HostKeyRow(Base):
    """A device's (or its jump host's) SSH host key, recorded per tenant by `netwave devices
    trust`; every device session is checked against it. Replaced only by that command."""

    __tablename__ = "host_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "role", "host"),
        CheckConstraint("role IN ('device', 'jump_host')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    role: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))  # the device name, or the bastion's address
    address: Mapped[str] = mapped_column(String(300))  # as known_hosts names it, when recorded
    key_type: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(100))
    trusted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trusted_by: Mapped[str] = mapped_column(String(255))
