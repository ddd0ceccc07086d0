"""Compliance reports (one per audit of a tenant) and each device's result in them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from services.store.models.base import Base, UTCDateTime, one_of, utcnow

ReportStatus = Literal["running", "completed", "failed"]
REPORT_STATUSES: tuple[ReportStatus, ...] = get_args(ReportStatus)
DeviceResultStatus = Literal["compliant", "drift", "unreachable", "error"]
DEVICE_RESULT_STATUSES: tuple[DeviceResultStatus, ...] = get_args(DeviceResultStatus)


class ComplianceReport(Base):
    """One compliance audit of a tenant (one workflow); counts and score set when it finishes."""

    __tablename__ = "compliance_reports"
    __table_args__ = (
        CheckConstraint(f"status IN ({one_of(REPORT_STATUSES)})", name="status"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        Index("ix_compliance_reports_tenant_id_started_at", "tenant_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    workflow_id: Mapped[str] = mapped_column(String(255), unique=True)
    requested_by: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[ReportStatus] = mapped_column(String(16), default="running")
    devices_total: Mapped[int] = mapped_column(Integer, default=0)
    devices_compliant: Mapped[int] = mapped_column(Integer, default=0)
    devices_drift: Mapped[int] = mapped_column(Integer, default=0)
    devices_unreachable: Mapped[int] = mapped_column(Integer, default=0)
    devices_error: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float)


class DeviceComplianceResult(Base):
    """One device's result in a report; `result` is the full DeviceCompliance JSON."""

    __tablename__ = "device_compliance_results"
    __table_args__ = (
        UniqueConstraint("report_id", "device"),
        CheckConstraint(f"status IN ({one_of(DEVICE_RESULT_STATUSES)})", name="status"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("compliance_reports.id", ondelete="CASCADE"))
    device: Mapped[str] = mapped_column(String(255), index=True)
    platform: Mapped[str] = mapped_column(String(64))
    status: Mapped[DeviceResultStatus] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    backup_version: Mapped[int | None] = mapped_column(Integer)
    running_hash: Mapped[str | None] = mapped_column(String(64))
    intended_hash: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
