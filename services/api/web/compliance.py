"""Compliance pages: the tenant's audit reports with a score trend, one report's drift."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status

from services.api.deps import STAFF_ROLES, SessionDep, SettingsDep, check_role
from services.api.viewer import device_result_for_viewer
from services.api.web.changes import TenantPage
from services.api.web.charts import trend_chart
from services.api.web.render import ConsoleRoute, page, redirect
from services.api.web.session import ConsoleDep
from services.app.inventory import visible_tenants
from services.app.temporal import workflow_ui
from services.store.repos import compliance as report_repo

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


@router.get("/tenants")
def tenants(request: Request, console: ConsoleDep, session: SessionDep) -> Response:
    """Tenants the caller may see (as the API lists them)."""
    if console.identity.role == "tenant":
        return redirect(f"/console/tenants/{console.identity.tenant}/changes")
    check_role(console.identity, STAFF_ROLES)
    found = visible_tenants(session, console.identity)
    latest = {
        t.name: next(iter(report_repo.list_reports(session, tenant=t.name, limit=1)), None)
        for t in found
    }
    return page(request, "tenants.html", console, tenants=found, latest=latest)


@router.get("/tenants/{tenant}")
def tenant_home(tenant: TenantPage) -> Response:
    return redirect(f"/console/tenants/{tenant}/changes")


@router.get("/tenants/{tenant}/compliance")
def compliance(
    request: Request,
    tenant: TenantPage,
    console: ConsoleDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Audit reports, newest first, and the score trend as an inline SVG chart."""
    reports = report_repo.list_reports(session, tenant=tenant, limit=50)
    return page(
        request,
        "compliance.html",
        console,
        tenant=tenant,
        reports=reports,
        chart=trend_chart(report_repo.trend(session, tenant=tenant, limit=100)),
        links={r.id: workflow_ui(settings, r.workflow_id) for r in reports},
    )


@router.get("/tenants/{tenant}/compliance/reports/{report_id}")
def report(
    request: Request,
    tenant: TenantPage,
    report_id: str,
    console: ConsoleDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """One audit: every device's status and, for drift, the missing and extra lines."""
    found = report_repo.get_report(session, tenant=tenant, report_id=report_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"report {report_id!r} not found")
    devices = [
        device_result_for_viewer(console.identity, d)  # a tenant's: secrets masked
        for d in report_repo.device_results(session, tenant=tenant, report_id=report_id)
    ]
    return page(
        request,
        "report.html",
        console,
        tenant=tenant,
        report=found,
        devices=devices,
        temporal=workflow_ui(settings, found.workflow_id),
    )
