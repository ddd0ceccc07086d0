"""What the compliance repository returns: reports, device results, history and trend points."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.store.models import (
    ComplianceReport,
    DeviceComplianceResult,
    DeviceResultStatus,
    ReportStatus,
)


class ReportOut(BaseModel):
    """A compliance report: who ran it, when, and (once finished) its counts and score."""

    model_config = ConfigDict(frozen=True)

    id: str
    tenant: str
    workflow_id: str
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    status: ReportStatus
    devices_total: int
    devices_compliant: int
    devices_drift: int
    devices_unreachable: int
    devices_error: int
    score: float | None


class DeviceResultSummary(BaseModel):
    """One device's result in a report, without the full result JSON."""

    model_config = ConfigDict(frozen=True)

    report_id: str
    tenant: str
    device: str
    platform: str
    status: DeviceResultStatus
    score: float
    backup_version: int | None
    running_hash: str | None
    intended_hash: str | None
    created_at: datetime


class DeviceResultOut(DeviceResultSummary):
    """One device's result with the full `DeviceCompliance.model_dump(mode="json")`."""

    result: dict[str, Any]


class DeviceHistoryEntry(DeviceResultSummary):
    """One device's result in one report, with that report's times and status."""

    workflow_id: str
    report_status: ReportStatus
    report_started_at: datetime
    report_finished_at: datetime | None


class TrendPoint(BaseModel):
    """A completed report's place on the tenant's compliance trend."""

    model_config = ConfigDict(frozen=True)

    report_id: str
    finished_at: datetime
    score: float | None
    devices_total: int
    devices_compliant: int


def report_out(row: ComplianceReport, tenant: str) -> ReportOut:
    """The view of a report row."""
    return ReportOut(
        id=row.id,
        tenant=tenant,
        workflow_id=row.workflow_id,
        requested_by=row.requested_by,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        devices_total=row.devices_total,
        devices_compliant=row.devices_compliant,
        devices_drift=row.devices_drift,
        devices_unreachable=row.devices_unreachable,
        devices_error=row.devices_error,
        score=row.score,
    )


def summary_fields(row: DeviceComplianceResult, tenant: str) -> dict[str, Any]:
    """The fields of a device result row shared by every view of it."""
    return {
        "report_id": row.report_id,
        "tenant": tenant,
        "device": row.device,
        "platform": row.platform,
        "status": row.status,
        "score": row.score,
        "backup_version": row.backup_version,
        "running_hash": row.running_hash,
        "intended_hash": row.intended_hash,
        "created_at": row.created_at,
    }


def result_out(row: DeviceComplianceResult, tenant: str) -> DeviceResultOut:
    """The view of a device result row, with its full JSON."""
    return DeviceResultOut(**summary_fields(row, tenant), result=row.result)
