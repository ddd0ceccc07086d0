"""Backup runs: start FleetBackupWorkflow for one tenant or all, and follow it."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.api.deps import EngineerIdentity, SessionDep, StateDep, TenantDep
from services.app.runs import BACKUP, RunPublic, follow_run, list_runs, start_backup

router = APIRouter(tags=["backup runs"])


@router.post(
    "/v1/tenants/{tenant}/backup-runs",
    response_model=RunPublic,
    status_code=status.HTTP_202_ACCEPTED,
)
async def start_tenant_backup(
    tenant: TenantDep, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> RunPublic:
    """Back up every device of one tenant."""
    return await start_backup(state, session, identity, tenant)


@router.post("/v1/backup-runs", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED)
async def start_fleet_backup(
    identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> RunPublic:
    """Back up every device of every tenant."""
    return await start_backup(state, session, identity, None)


@router.get("/v1/tenants/{tenant}/backup-runs", response_model=list[RunPublic])
def list_tenant_runs(tenant: TenantDep, state: StateDep, session: SessionDep) -> list[RunPublic]:
    """Backup runs of one tenant, newest first (fetch one run for its status)."""
    return list_runs(state, session, tenant, BACKUP)


@router.get("/v1/tenants/{tenant}/backup-runs/{run_id}", response_model=RunPublic)
async def get_tenant_run(
    tenant: TenantDep, run_id: str, state: StateDep, session: SessionDep
) -> RunPublic:
    """One backup run of the tenant with its status, progress and per-device result."""
    return await follow_run(state, session, run_id, kind=BACKUP, tenant=tenant)
