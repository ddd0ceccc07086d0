"""Aggregate reads for the API's Prometheus gauges: one cheap query each, across tenants.

Staff-side only (metrics are scraped by the MSP's Prometheus): these are the only repository
reads not scoped to one tenant, and they return counts, ages and scores, never rows.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.campaigns.lifecycle import FINAL_STATUSES
from services.store.models import (
    Campaign,
    CampaignDevice,
    ChangeRequest,
    ComplianceReport,
    DeviceComplianceResult,
    Tenant,
)

AWAITING_APPROVAL = "awaiting_approval"


def tenant_names(session: Session) -> list[str]:
    return list(session.scalars(select(Tenant.name).order_by(Tenant.name)))


def changes_by_status(session: Session) -> dict[tuple[str, str], int]:
    """(tenant, status) -> number of changes."""
    rows = session.execute(
        select(Tenant.name, ChangeRequest.status, func.count())
        .join(Tenant, ChangeRequest.tenant_id == Tenant.id)
        .group_by(Tenant.name, ChangeRequest.status)
    )
    return {(tenant, status): count for tenant, status, count in rows}


def oldest_awaiting_approval(session: Session) -> dict[str, datetime]:
    """tenant -> when its longest-waiting change entered awaiting_approval (its last move)."""
    rows = session.execute(
        select(Tenant.name, func.min(ChangeRequest.updated_at))
        .join(Tenant, ChangeRequest.tenant_id == Tenant.id)
        .where(ChangeRequest.status == AWAITING_APPROVAL)
        .group_by(Tenant.name)
    )
    return {tenant: since for tenant, since in rows if since is not None}


def campaigns_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Campaign.status, func.count()).group_by(Campaign.status))
    return {status: count for status, count in rows}


def unfinished_campaign_devices(session: Session) -> dict[str, int]:
    """Device state -> devices of campaigns that have not finished."""
    rows = session.execute(
        select(CampaignDevice.status, func.count())
        .join(Campaign, CampaignDevice.campaign_id == Campaign.id)
        .where(Campaign.status.not_in(sorted(FINAL_STATUSES)))
        .group_by(CampaignDevice.status)
    )
    return {status: count for status, count in rows}


def latest_reports(session: Session) -> dict[str, str]:
    """tenant -> id of its latest completed compliance report."""
    latest = (
        select(
            ComplianceReport.tenant_id,
            func.max(ComplianceReport.finished_at).label("finished_at"),
        )
        .where(ComplianceReport.status == "completed")
        .group_by(ComplianceReport.tenant_id)
        .subquery()
    )
    rows = session.execute(
        select(Tenant.name, ComplianceReport.id)
        .join(Tenant, ComplianceReport.tenant_id == Tenant.id)
        .join(
            latest,
            (ComplianceReport.tenant_id == latest.c.tenant_id)
            & (ComplianceReport.finished_at == latest.c.finished_at),
        )
        .where(ComplianceReport.status == "completed")
        .order_by(ComplianceReport.id)
    )
    return {tenant: report_id for tenant, report_id in rows}


def feature_scores(session: Session, report_id: str) -> dict[str, float]:
    """feature -> share (0..1) of the report's devices assessed on it that comply with it.

    Devices not assessed (unreachable, or failed before any feature) have no features and
    count for none; the report's own score counts them as 0.
    """
    assessed: Counter[str] = Counter()
    compliant: Counter[str] = Counter()
    results = session.scalars(
        select(DeviceComplianceResult.result).where(DeviceComplianceResult.report_id == report_id)
    )
    for result in results:
        for feature in result.get("features", []) if isinstance(result, dict) else []:
            name = feature.get("feature")
            if not isinstance(name, str):
                continue
            assessed[name] += 1
            compliant[name] += feature.get("status") == "compliant"
    return {name: compliant[name] / count for name, count in sorted(assessed.items())}
