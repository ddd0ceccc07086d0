"""Upgrade campaigns: the OS image catalogue, campaigns and each campaign's devices."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.campaigns.lifecycle import CAMPAIGN_DEVICE_STATUSES as CAMPAIGN_DEVICE_STATUSES
from services.campaigns.lifecycle import CAMPAIGN_EVENTS as CAMPAIGN_EVENTS
from services.campaigns.lifecycle import CAMPAIGN_STATUSES as CAMPAIGN_STATUSES
from services.campaigns.lifecycle import CampaignDeviceStatus as CampaignDeviceStatus
from services.campaigns.lifecycle import CampaignEventKind as CampaignEventKind
from services.campaigns.lifecycle import CampaignStatus as CampaignStatus
from services.store.models.base import Base, UTCDateTime, one_of, utcnow


class OsImage(Base):
    """An OS image of the catalogue: the version a campaign upgrades to, per platform."""

    __tablename__ = "os_images"
    __table_args__ = (
        UniqueConstraint("platform", "version"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Campaign(Base):
    """An OS upgrade or config rollout across tenants; `spec` is the validated launch body."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(f"status IN ({one_of(CAMPAIGN_STATUSES)})", name="status"),
        Index("ix_campaigns_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[CampaignStatus] = mapped_column(String(32), default="running")
    created_by: Mapped[str] = mapped_column(String(255))
    created_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    retry_of: Mapped[str | None] = mapped_column(String(36))
    workflow_id: Mapped[str] = mapped_column(String(255), unique=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignDevice(Base):
    """One device of a campaign: its wave, status, versions, backup and one-time steps."""

    __tablename__ = "campaign_devices"
    __table_args__ = (
        UniqueConstraint("campaign_id", "tenant", "device"),
        CheckConstraint(f"status IN ({one_of(CAMPAIGN_DEVICE_STATUSES)})", name="status"),
        Index("ix_campaign_devices_campaign_id_wave", "campaign_id", "wave"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    tenant: Mapped[str] = mapped_column(String(63))
    device: Mapped[str] = mapped_column(String(255))
    platform: Mapped[str] = mapped_column(String(64))
    wave: Mapped[int] = mapped_column(Integer)
    status: Mapped[CampaignDeviceStatus] = mapped_column(String(32), default="pending")
    step: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    from_version: Mapped[str | None] = mapped_column(String(64))
    to_version: Mapped[str | None] = mapped_column(String(64))
    backup_version: Mapped[int | None] = mapped_column(Integer)
    # Steps that must happen at most once (a reload): name -> when it was committed to.
    once: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignEvent(Base):
    """One entry of a campaign's history: who did what, when, and why (a comment, a reason);
    `tenant` when it concerned one tenant only (a window override)."""

    __tablename__ = "campaign_events"
    __table_args__ = (
        CheckConstraint(f"event IN ({one_of(CAMPAIGN_EVENTS)})", name="event"),
        Index("ix_campaign_events_campaign_id_id", "campaign_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    event: Mapped[CampaignEventKind] = mapped_column(String(32))
    tenant: Mapped[str | None] = mapped_column(String(63))
    comment: Mapped[str] = mapped_column(Text, default="")
