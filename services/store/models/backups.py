"""Config backups: each distinct configuration text once, and the versions that point to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models.base import Base, UTCDateTime


class ConfigBlob(Base):
    """One row per distinct configuration text, keyed by its SHA-256."""

    __tablename__ = "config_blobs"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)


class ConfigBackup(Base):
    """Version N of a device's configuration in a tenant; a new version only on change."""

    __tablename__ = "config_backups"
    __table_args__ = (
        UniqueConstraint("tenant_id", "device", "version"),
        UniqueConstraint("tenant_id", "device", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    device: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(ForeignKey("config_blobs.content_hash"), index=True)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[str | None] = mapped_column(String(255))
