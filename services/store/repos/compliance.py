"""Compliance reports: one per audit workflow of a tenant, with each device's full result.

Activities write (start_report, record_device, finish_report) and are idempotent under retry;
the API reads, always within one tenant: another tenant's report is simply not found.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.core.errors import NotFoundError
from services.store.errors import ConflictError, InvalidInputError
from services.store.models import (
    DEVICE_RESULT_STATUSES,
    REPORT_STATUSES,
    ComplianceReport,
    DeviceComplianceResult,
    DeviceResultStatus,
    ReportStatus,
    Tenant,
    table_of,
    utcnow,
)
from services.store.repos._checks import aware, text_field
from services.store.repos.tenants import tenant_id_of

MAX_LIMIT = 1000
# Device statuses whose score counts in the report score; the others count as 0.
SCORED: frozenset[str] = frozenset({"compliant", "drift"})


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


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def _report_out(row: ComplianceReport, tenant: str) -> ReportOut:
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


def _summary_fields(row: DeviceComplianceResult, tenant: str) -> dict[str, Any]:
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


def _result_out(row: DeviceComplianceResult, tenant: str) -> DeviceResultOut:
    return DeviceResultOut(**_summary_fields(row, tenant), result=row.result)


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


# Built once: a writer checks it for every batch of results it stores.
_REPORT_STATUS = (
    select(ComplianceReport.status)
    .join(Tenant, ComplianceReport.tenant_id == Tenant.id)
    .where(Tenant.name == bindparam("tenant"), ComplianceReport.id == bindparam("report_id"))
)


def _report_row(session: Session, tenant: str, report_id: str) -> ComplianceReport:
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
    return None if row is None else _report_out(row, tenant)


def get_report_by_workflow(session: Session, *, tenant: str, workflow_id: str) -> ReportOut | None:
    """The tenant's report of an audit workflow, or None."""
    row = session.scalar(_reports(tenant).where(ComplianceReport.workflow_id == workflow_id))
    return None if row is None else _report_out(row, tenant)


def start_report(
    session: Session,
    *,
    tenant: str,
    workflow_id: str,
    requested_by: str,
    started_at: datetime | None = None,
) -> ReportOut:
    """Open a running report for an audit workflow; a retry returns the existing report.

    Idempotent per workflow_id, also against a concurrent start (settled by the unique
    constraint). A workflow id already used by another tenant's report is a ConflictError.
    """
    text_field("workflow_id", workflow_id, 255)
    text_field("requested_by", requested_by, 255)
    tenant_id = tenant_id_of(session, name=tenant)

    def existing() -> ReportOut | None:
        row = session.scalar(
            select(ComplianceReport).where(ComplianceReport.workflow_id == workflow_id)
        )
        if row is None:
            return None
        if row.tenant_id != tenant_id:
            raise ConflictError(
                f"workflow id {workflow_id!r} already has a compliance report in another tenant"
            )
        return _report_out(row, tenant)

    found = existing()
    if found is not None:
        return found
    row = ComplianceReport(
        id=str(uuid.uuid4()),
        tenant_id=tenant_id,
        workflow_id=workflow_id,
        requested_by=requested_by,
        started_at=utcnow() if started_at is None else aware("started_at", started_at),
        status="running",
        devices_total=0,
        devices_compliant=0,
        devices_drift=0,
        devices_unreachable=0,
        devices_error=0,
        score=None,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = existing()  # a concurrent start of the same workflow won
        if found is None:
            raise
        return found
    return _report_out(row, tenant)


def _check_result(
    *,
    tenant: str,
    device: str,
    platform: str,
    status: str,
    score: float,
    result: dict[str, Any],
    backup_version: int | None,
    running_hash: str | None,
    intended_hash: str | None,
) -> None:
    """Refuse a device result the report could not aggregate or show; errors name the field."""
    text_field("device", device, 255)
    text_field("platform", platform, 64)
    if status not in DEVICE_RESULT_STATUSES:
        raise InvalidInputError(
            f"status must be one of {', '.join(DEVICE_RESULT_STATUSES)}, got {status!r}"
        )
    if (
        isinstance(score, bool)
        or not isinstance(score, int | float)
        or not math.isfinite(score)
        or not 0 <= score <= 100
    ):
        raise InvalidInputError(f"score must be a number from 0 to 100, got {score!r}")
    if backup_version is not None and (
        isinstance(backup_version, bool)
        or not isinstance(backup_version, int)
        or backup_version < 1
    ):
        raise InvalidInputError(
            f"backup_version must be a positive integer, got {backup_version!r}"
        )
    if running_hash is not None:
        text_field("running_hash", running_hash, 64)
    if intended_hash is not None:
        text_field("intended_hash", intended_hash, 64)
    if not isinstance(result, dict):
        raise InvalidInputError(f"result must be a JSON object, got {type(result).__name__}")
    try:
        json.dumps(result, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"result must be JSON-serialisable: {exc}") from None
    for key, expected in (("tenant", tenant), ("device", device)):
        if key in result and result[key] != expected:
            raise InvalidInputError(
                f"result.{key} is {result[key]!r} but the result is recorded for {expected!r}"
            )


@cache
def _upsert_statement(dialect: str) -> postgresql.Insert | sqlite.Insert:
    """INSERT of device rows that updates a (report, device) row present already; built once
    per dialect, run with one parameter set per device."""
    table = table_of(DeviceComplianceResult)
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:
        raise NotImplementedError(f"compliance results are not supported on {dialect}")
    replaced = ("platform", "status", "score", "backup_version", "running_hash", "intended_hash")
    return statement.on_conflict_do_update(
        index_elements=["report_id", "device"],
        set_={name: statement.excluded[name] for name in (*replaced, "result")},
    )


def _upsert(session: Session, values: list[dict[str, Any]]) -> None:
    """Insert each device's row, or update it when the (report, device) row exists already.

    Settled by the unique constraint: concurrent retries leave one row.
    """
    session.execute(_upsert_statement(session.get_bind().dialect.name), values)


def record_device(
    session: Session,
    *,
    report_id: str,
    tenant: str,
    device: str,
    platform: str,
    status: DeviceResultStatus,
    score: float,
    result: dict[str, Any],
    backup_version: int | None = None,
    running_hash: str | None = None,
    intended_hash: str | None = None,
) -> DeviceResultOut:
    """Keep one device's result in a running report of the tenant.

    Idempotent per (report_id, device): a retry replaces the row's content (created_at stays),
    never adds a second row. A finished report refuses new results (ConflictError).
    """
    _check_result(
        tenant=tenant,
        device=device,
        platform=platform,
        status=status,
        score=score,
        result=result,
        backup_version=backup_version,
        running_hash=running_hash,
        intended_hash=intended_hash,
    )
    report = _report_row(session, tenant, report_id)
    if report.status != "running":
        raise ConflictError(
            f"compliance report {report_id!r} is {report.status}; it takes no more device results"
        )
    _upsert(
        session,
        [
            {
                "report_id": report_id,
                "device": device,
                "platform": platform,
                "status": status,
                "score": float(score),
                "backup_version": backup_version,
                "running_hash": running_hash,
                "intended_hash": intended_hash,
                "result": result,
                "created_at": utcnow(),
            },
        ],
    )
    row = session.scalars(
        select(DeviceComplianceResult)
        .where(
            DeviceComplianceResult.report_id == report_id, DeviceComplianceResult.device == device
        )
        .execution_options(populate_existing=True)
    ).one()
    return _result_out(row, tenant)


class DeviceResult(NamedTuple):
    """One device's result, for `record_devices`."""

    device: str
    platform: str
    status: DeviceResultStatus
    score: float
    result: dict[str, Any]
    backup_version: int | None = None
    running_hash: str | None = None
    intended_hash: str | None = None


def record_devices(
    session: Session, *, report_id: str, tenant: str, results: Sequence[DeviceResult]
) -> None:
    """`record_device` for many devices in one statement (nothing is read back).

    Every result is checked before anything is written; one bad result refuses the batch.
    """
    for one in results:
        _check_result(tenant=tenant, **one._asdict())
    if len({one.device for one in results}) != len(results):
        raise InvalidInputError("record_devices got the same device twice in one batch")
    status = session.scalar(_REPORT_STATUS, {"tenant": tenant, "report_id": report_id})
    if status is None:
        raise NotFoundError(f"compliance report {report_id!r} not found in tenant {tenant!r}")
    if status != "running":
        raise ConflictError(
            f"compliance report {report_id!r} is {status}; it takes no more device results"
        )
    if not results:
        return
    now = utcnow()
    _upsert(
        session,
        [
            {**one._asdict(), "score": float(one.score), "report_id": report_id, "created_at": now}
            for one in results
        ],
    )


def finish_report(
    session: Session,
    *,
    report_id: str,
    tenant: str,
    status: ReportStatus = "completed",
    finished_at: datetime | None = None,
) -> ReportOut:
    """Close a running report with counts and score computed from its device results.

    The score is the mean device score with unreachable and error devices counting 0, rounded
    to one decimal (None without devices). Finishing again with the same status returns the
    report as first finished; with another status it is a ConflictError.
    """
    if status not in REPORT_STATUSES or status == "running":
        raise InvalidInputError(f"status must be 'completed' or 'failed', got {status!r}")
    finished_at = utcnow() if finished_at is None else aware("finished_at", finished_at)
    report = _report_row(session, tenant, report_id)
    if report.status == "running":
        rows = session.execute(
            select(
                DeviceComplianceResult.status,
                func.count(),
                func.coalesce(func.sum(DeviceComplianceResult.score), 0.0),
            )
            .where(DeviceComplianceResult.report_id == report_id)
            .group_by(DeviceComplianceResult.status)
        ).all()
        counts = {name: 0 for name in DEVICE_RESULT_STATUSES}
        scored = 0.0
        for device_status, count, total in rows:
            counts[device_status] = count
            if device_status in SCORED:
                scored += float(total)
        devices = sum(counts.values())
        session.execute(
            update(ComplianceReport)
            .where(ComplianceReport.id == report_id, ComplianceReport.status == "running")
            .values(
                status=status,
                finished_at=finished_at,
                devices_total=devices,
                devices_compliant=counts["compliant"],
                devices_drift=counts["drift"],
                devices_unreachable=counts["unreachable"],
                devices_error=counts["error"],
                score=round(scored / devices, 1) if devices else None,
            )
            .execution_options(synchronize_session=False)
        )
        # Read back: either our update, or a concurrent finisher's that got there first.
        report = _report_row(session, tenant, report_id)
    if report.status != status:
        raise ConflictError(
            f"compliance report {report_id!r} is already {report.status}, not {status}"
        )
    return _report_out(report, tenant)


def list_reports(session: Session, *, tenant: str, limit: int = 50) -> list[ReportOut]:
    """The tenant's reports, newest first (by start time)."""
    rows = session.scalars(
        _reports(tenant)
        .order_by(ComplianceReport.started_at.desc(), ComplianceReport.id)
        .limit(_limit(limit))
    )
    return [_report_out(row, tenant) for row in rows]


def device_results(session: Session, *, tenant: str, report_id: str) -> list[DeviceResultOut]:
    """Every device result of the tenant's report with its JSON, by device ([] if not found)."""
    rows = session.scalars(
        _results(tenant)
        .where(DeviceComplianceResult.report_id == report_id)
        .order_by(DeviceComplianceResult.device)
    )
    return [_result_out(row, tenant) for row in rows]


def device_result(
    session: Session, *, tenant: str, report_id: str, device: str
) -> DeviceResultOut | None:
    """One device's result in the tenant's report, or None."""
    row = session.scalar(
        _results(tenant).where(
            DeviceComplianceResult.report_id == report_id, DeviceComplianceResult.device == device
        )
    )
    return None if row is None else _result_out(row, tenant)


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
        .limit(_limit(limit))
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
        .limit(_limit(limit))
    )
    return [
        DeviceHistoryEntry(
            **_summary_fields(result, tenant),
            workflow_id=report.workflow_id,
            report_status=report.status,
            report_started_at=report.started_at,
            report_finished_at=report.finished_at,
        )
        for result, report in session.execute(query)
    ]
