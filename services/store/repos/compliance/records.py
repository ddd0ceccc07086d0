"""Writing compliance reports (the audit's activities): open, record devices, finish.

Idempotent under retry, settled by unique constraints and conditional updates, not locks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, select, update
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
from services.store.repos.compliance.checks import DeviceResult, check_result
from services.store.repos.compliance.queries import report_row
from services.store.repos.compliance.views import DeviceResultOut, ReportOut, report_out, result_out
from services.store.repos.tenants import tenant_id_of

# Device statuses whose score counts in the report score; the others count as 0.
SCORED: frozenset[str] = frozenset({"compliant", "drift"})

# Built once: a writer checks it for every batch of results it stores.
_REPORT_STATUS = (
    select(ComplianceReport.status)
    .join(Tenant, ComplianceReport.tenant_id == Tenant.id)
    .where(Tenant.name == bindparam("tenant"), ComplianceReport.id == bindparam("report_id"))
)


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
        return report_out(row, tenant)

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
    return report_out(row, tenant)


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
    check_result(
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
    report = report_row(session, tenant, report_id)
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
    return result_out(row, tenant)


def record_devices(
    session: Session, *, report_id: str, tenant: str, results: Sequence[DeviceResult]
) -> None:
    """`record_device` for many devices in one statement (nothing is read back).

    Every result is checked before anything is written; one bad result refuses the batch.
    """
    for one in results:
        check_result(tenant=tenant, **one._asdict())
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
    report = report_row(session, tenant, report_id)
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
        report = report_row(session, tenant, report_id)
    if report.status != status:
        raise ConflictError(
            f"compliance report {report_id!r} is already {report.status}, not {status}"
        )
    return report_out(report, tenant)
