"""Backup runs: start FleetBackupWorkflow for one tenant or all, and follow it."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, status

from services.api.deps import EngineerIdentity, SessionDep, StateDep, TenantDep
from services.api.workflow_runs import RunKind, RunPublic, describe_run, listed, start_run
from services.store.repos import runs as run_repo
from workflows.backup.models import BackupProgress, FleetBackupInput, FleetBackupResult

router = APIRouter(tags=["backup runs"])

BACKUP = RunKind("backup", "FleetBackupWorkflow", FleetBackupResult, BackupProgress)


async def _start(
    state: StateDep, session: SessionDep, identity: EngineerIdentity, tenant: str | None
) -> RunPublic:
    request = FleetBackupInput(
        tenants=[tenant] if tenant else [],
        requested_by=identity.name,
        chunk_size=state.settings.backup_chunk_size,
        device_task_queue=state.settings.device_task_queue,
    )
    return await start_run(
        state,
        session,
        identity,
        kind=BACKUP,
        tenant=tenant,
        workflow_id=f"backup-{tenant or 'all'}-{uuid.uuid4().hex[:12]}",
        request=request,
    )


@router.post(
    "/v1/tenants/{tenant}/backup-runs",
    response_model=RunPublic,
    status_code=status.HTTP_202_ACCEPTED,
)
async def start_tenant_backup(
    tenant: TenantDep, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> RunPublic:
    """Back up every device of one tenant."""
    return await _start(state, session, identity, tenant)


@router.post("/v1/backup-runs", response_model=RunPublic, status_code=status.HTTP_202_ACCEPTED)
async def start_fleet_backup(
    identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> RunPublic:
    """Back up every device of every tenant."""
    return await _start(state, session, identity, None)


@router.get("/v1/tenants/{tenant}/backup-runs", response_model=list[RunPublic])
def list_tenant_runs(tenant: TenantDep, state: StateDep, session: SessionDep) -> list[RunPublic]:
    """Backup runs of one tenant, newest first (fetch one run for its status)."""
    return listed(state, run_repo.list_runs(session, tenant=tenant, kind="backup"))


@router.get("/v1/tenants/{tenant}/backup-runs/{run_id}", response_model=RunPublic)
async def get_tenant_run(
    tenant: TenantDep, run_id: str, state: StateDep, session: SessionDep
) -> RunPublic:
    """One backup run of the tenant with its status, progress and per-device result."""
    run = run_repo.get_run(session, run_id=run_id, tenant=tenant)
    if run is None or run.kind != "backup":
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"backup run {run_id!r} not found")
    session.rollback()  # no database lock held while Temporal answers
    return await describe_run(state, run, BACKUP)
