"""Reading compliance reports, always within one tenant: another tenant's report is not found."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from services.core.errors import NotFoundError
from services.store.models import ComplianceReport, DeviceComplianceResult, Tenant
from services.store.repos.compliance.checks import row_limit
from services.store.repos.compliance.views import (
    DeviceHistoryEntry,
    DeviceResultOut,
    ReportOut,
    TrendPoint,
    report_out,
    result_out,
    summary_fields,
)


def _reports(tenant: str) -> Select[ComplianceReport]:
    """Reports of one tenant."""
    return (
        select(ComplianceReport)
        .join(Tenant, ComplianceReport.tenant_id == Tenant.id)
        .where(Tenant.name == tenant)
    )


def _results(tenant: str) -> Select[DeviceComplianceResult]:
    """Device results of one tenant's reports."""
    return (
        select(DeviceComplianceResult)
        .join(ComplianceReport, DeviceComplianceResult.report_id == ComplianceReport.id)
        .join(Tenant, ComplianceReport.tenant_id == Tenant.id)
        .where(Tenant.name == tenant)
    )


def report_row(session: Session, tenant: str, report_id: str) -> ComplianceReport:
    """The tenant's report row, fresh from the database; NotFoundError otherwise."""
    row = session.scalar(
        _reports(tenant)
        .where(ComplianceReport.id == report_id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFoundError(f"compliance report {report_id!r} not found in tenant {tenant!r}")
    return row


def get_report(session: Session, *, tenant: str, report_id: str) -> ReportOut | None:
    """One report of the tenant, or None (also when it belongs to another tenant)."""
    row = session.scalar(_reports(tenant).where(ComplianceReport.id == report_id))
    return None if row is None else report_out(row, tenant)


def get_report_by_workflow(session: Session, *, tenant: str, workflow_id: str) -> ReportOut | None:
    """The tenant's report of an audit workflow, or None."""
    row = session.scalar(_reports(tenant).where(ComplianceReport.workflow_id == workflow_id))
    return None if row is None else report_out(row, tenant)


def list_reports(session: Session, *, tenant: str, limit: int = 50) -> list[ReportOut]:
    """The tenant's reports, newest first (by start time)."""
    rows = session.scalars(
        _reports(tenant)
        .order_by(ComplianceReport.started_at.desc(), ComplianceReport.id)
        .limit(row_limit(limit))
    )
    return [report_out(row, tenant) for row in rows]


def device_results(session: Session, *, tenant: str, report_id: str) -> list[DeviceResultOut]:
    """Every device result of the tenant's report with its JSON, by device ([] if not found)."""
    rows = session.scalars(
        _results(tenant)
        .where(DeviceComplianceResult.report_id == report_id)
        .order_by(DeviceComplianceResult.device)
    )
    return [result_out(row, tenant) for row in rows]


def device_result(
    session: Session, *, tenant: str, report_id: str, device: str
) -> DeviceResultOut | None:
    """One device's result in the tenant's report, or None."""
    row = session.scalar(
        _results(tenant).where(
            DeviceComplianceResult.report_id == report_id, DeviceComplianceResult.device == device
        )
    )
    return None if row is None else result_out(row, tenant)


def trend(session: Session, *, tenant: str, limit: int = 100) -> list[TrendPoint]:
    """The tenant's last `limit` completed reports, oldest first, for a score-over-time chart."""
    query = (
        select(
            ComplianceReport.id,
            ComplianceReport.finished_at,
            ComplianceReport.score,
            ComplianceReport.devices_total,
            ComplianceReport.devices_compliant,
        )
        .join(Tenant, ComplianceReport.tenant_id == Tenant.id)
        .where(Tenant.name == tenant, ComplianceReport.status == "completed")
        .order_by(ComplianceReport.finished_at.desc(), ComplianceReport.id.desc())
        .limit(row_limit(limit))
    )
    points = [
        TrendPoint(
            report_id=report_id,
            finished_at=finished,
            score=score,
            devices_total=total,
            devices_compliant=compliant,
        )
        for report_id, finished, score, total, compliant in session.execute(query)
    ]
    points.reverse()
    return points


def device_history(
    session: Session, *, tenant: str, device: str, limit: int = 50
) -> list[DeviceHistoryEntry]:
    """The device's results across the tenant's reports, newest report first.

    Each entry carries backup_version, so two runs' configs can be diffed with
    services.store.repos.backups.diff_backups.
    """
    query = (
        select(DeviceComplianceResult, ComplianceReport)
        .join(ComplianceReport, DeviceComplianceResult.report_id == ComplianceReport.id)
        .join(Tenant, ComplianceReport.tenant_id == Tenant.id)
        .where(Tenant.name == tenant, DeviceComplianceResult.device == device)
        .order_by(ComplianceReport.started_at.desc(), ComplianceReport.id)
        .limit(row_limit(limit))
    )
    return [
        DeviceHistoryEntry(
            **summary_fields(result, tenant),
            workflow_id=report.workflow_id,
            report_status=report.status,
            report_started_at=report.started_at,
            report_finished_at=report.finished_at,
        )
        for result, report in session.execute(query)
    ]
