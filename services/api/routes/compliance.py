"""Compliance audits of a tenant: start one, follow it, read reports, trend, export, diff.

A tenant's token reads missing, extra and remediation lines and config diffs with secrets
masked (`services.api.viewer`).
"""

from __future__ import annotations

from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from services.api.deps import CurrentIdentity, EngineerIdentity, SessionDep, StateDep, TenantDep
from services.api.params import Digits
from services.api.viewer import compliance_for_viewer, device_result_for_viewer, viewer_of
from services.app import runs
from services.app.runs import AUDIT, RunPublic, follow_run, list_runs
from services.compliance.report import DeviceCompliance, tenant_compliance, to_csv
from services.store.repos import backups as backup_repo
from services.store.repos import compliance as report_repo
from services.store.repos.compliance import DeviceResultOut, ReportOut, TrendPoint

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["compliance"])


class ReportDetail(BaseModel):
    report: ReportOut
    devices: list[DeviceResultOut]


class DeviceDiff(BaseModel):
    device: str
    from_report: str
    to_report: str
    from_status: str
    to_status: str
    features_changed: dict[str, list[str]]
    config_diff: str


def _report(session: SessionDep, tenant: str, report_id: str) -> ReportOut:
    report = report_repo.get_report(session, tenant=tenant, report_id=report_id)
    if report is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"report {report_id!r} not found")
    return report


def _device(session: SessionDep, tenant: str, report_id: str, device: str) -> DeviceResultOut:
    found = report_repo.device_result(session, tenant=tenant, report_id=report_id, device=device)
    if found is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"device {device!r} not in report {report_id!r}"
        )
    return found


@router.post("/audit-runs", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED)
async def start_audit(
    tenant: TenantDep, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> RunPublic:
    """Audit every device of the tenant now."""
    return await runs.start_audit(state, session, identity, tenant)


@router.get("/audit-runs", response_model=list[RunPublic])
def list_audit_runs(tenant: TenantDep, state: StateDep, session: SessionDep) -> list[RunPublic]:
    """On-demand audit runs of the tenant, newest first."""
    return list_runs(state, session, tenant, AUDIT)


@router.get("/audit-runs/{run_id}", response_model=RunPublic)
async def get_audit_run(
    tenant: TenantDep, run_id: str, state: StateDep, session: SessionDep
) -> RunPublic:
    """One audit run: status, live progress and, when done, the report id and score."""
    return await follow_run(state, session, run_id, kind=AUDIT, tenant=tenant)


@router.get("/compliance/reports", response_model=list[ReportOut])
def list_reports(
    tenant: TenantDep,
    session: SessionDep,
    limit: Annotated[int, Ge(1), Le(500), Digits, Query()] = 50,
) -> list[ReportOut]:
    """Audit reports of the tenant, newest first."""
    return report_repo.list_reports(session, tenant=tenant, limit=limit)


@router.get("/compliance/trend", response_model=list[TrendPoint])
def trend(
    tenant: TenantDep,
    session: SessionDep,
    limit: Annotated[int, Ge(1), Le(1000), Digits, Query()] = 100,
) -> list[TrendPoint]:
    """The tenant's compliance score over time, oldest first."""
    return report_repo.trend(session, tenant=tenant, limit=limit)


@router.get("/compliance/reports/{report_id}", response_model=ReportDetail)
def get_report(
    tenant: TenantDep, report_id: str, session: SessionDep, identity: CurrentIdentity
) -> ReportDetail:
    """One report with every device's per-feature result (JSON export)."""
    report = _report(session, tenant, report_id)
    devices = report_repo.device_results(session, tenant=tenant, report_id=report_id)
    return ReportDetail(
        report=report, devices=[device_result_for_viewer(identity, d) for d in devices]
    )


@router.get("/compliance/reports/{report_id}/csv", response_class=PlainTextResponse)
def report_csv(
    tenant: TenantDep, report_id: str, session: SessionDep, identity: CurrentIdentity
) -> PlainTextResponse:
    """One report as CSV: a row per device feature."""
    _report(session, tenant, report_id)
    devices = [
        DeviceCompliance.model_validate(
            compliance_for_viewer(identity, {"platform": d.platform, **d.result})
        )
        for d in report_repo.device_results(session, tenant=tenant, report_id=report_id)
    ]
    return PlainTextResponse(
        to_csv(tenant_compliance(tenant, devices)),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{tenant}-{report_id}.csv"'},
    )


@router.get("/compliance/reports/{report_id}/devices/{device}", response_model=DeviceResultOut)
def get_device_result(
    tenant: TenantDep, report_id: str, device: str, session: SessionDep, identity: CurrentIdentity
) -> DeviceResultOut:
    """One device of one report: features, missing and extra lines, remediation."""
    return device_result_for_viewer(identity, _device(session, tenant, report_id, device))


@router.get("/devices/{device}/compliance/diff", response_model=DeviceDiff)
def device_diff(
    tenant: TenantDep,
    device: str,
    session: SessionDep,
    identity: CurrentIdentity,
    from_report: str = Query(alias="from"),
    to_report: str = Query(alias="to"),
) -> DeviceDiff:
    """How one device changed between two audit runs: feature status and config diff."""
    old = _device(session, tenant, from_report, device)
    new = _device(session, tenant, to_report, device)
    config_diff = ""
    if old.backup_version and new.backup_version and old.backup_version != new.backup_version:
        config_diff = backup_repo.diff_backups(
            session,
            tenant=tenant,
            device=device,
            from_version=old.backup_version,
            to_version=new.backup_version,
            view=viewer_of(identity, new.platform),  # a tenant's: masked, then compared
        )
    return DeviceDiff(
        device=device,
        from_report=from_report,
        to_report=to_report,
        from_status=old.status,
        to_status=new.status,
        features_changed=_feature_changes(old.result, new.result),
        config_diff=config_diff,
    )


def _feature_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[str]]:
    before = {f["feature"]: f["status"] for f in old.get("features", [])}
    after = {f["feature"]: f["status"] for f in new.get("features", [])}
    return {
        name: [before.get(name, "-"), after.get(name, "-")]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }
