"""Backup runs: start FleetBackupWorkflow for one tenant or all, and follow it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel
from sqlalchemy.orm import Session
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle

from services.api.deps import (
    CurrentIdentity,
    EngineerIdentity,
    SessionDep,
    StateDep,
    TenantDep,
)
from services.api.state import AppState
from services.store.repos import audit as audit_repo
from services.store.repos import runs as run_repo
from services.store.repos.runs import RunOut
from services.store.repos.tokens import Identity
from workflows.backup.models import BackupProgress, FleetBackupInput, FleetBackupResult
from workflows.backup.workflow import FleetBackupWorkflow

router = APIRouter(tags=["backup runs"])


class BackupRunPublic(BaseModel):
    run_id: str
    workflow_id: str
    tenant: str | None
    requested_by: str
    created_at: datetime
    status: str = "UNKNOWN"
    progress: BackupProgress | None = None
    result: FleetBackupResult | None = None
    temporal_ui: str | None = None


async def _start(
    state: AppState, session: Session, identity: Identity, tenant: str | None
) -> BackupRunPublic:
    try:
        client = await state.temporal()
    except Exception:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "Temporal is not reachable"
        ) from None
    workflow_id = f"backup-{tenant or 'all'}-{uuid.uuid4().hex[:12]}"
    request = FleetBackupInput(
        tenants=[tenant] if tenant else [],
        requested_by=identity.name,
        chunk_size=state.settings.backup_chunk_size,
        device_task_queue=state.settings.device_task_queue,
    )
    await client.start_workflow(
        FleetBackupWorkflow.run, request, id=workflow_id, task_queue=state.settings.task_queue
    )
    run = run_repo.create_run(
        session, kind="backup", tenant=tenant, workflow_id=workflow_id, requested_by=identity.name
    )
    audit_repo.record(
        session,
        actor=identity.name,
        action="backup.start",
        tenant=tenant,
        object=workflow_id,
        detail={"run_id": run.id},
    )
    session.commit()
    return await _describe(state, run)


async def _describe(state: AppState, run: RunOut) -> BackupRunPublic:
    public = BackupRunPublic(
        run_id=run.id,
        workflow_id=run.workflow_id,
        tenant=run.tenant,
        requested_by=run.requested_by,
        created_at=run.created_at,
        temporal_ui=f"{state.settings.temporal_ui_url}/namespaces/"
        f"{state.settings.temporal_namespace}/workflows/{run.workflow_id}",
    )
    try:
        client = await state.temporal()
        handle: WorkflowHandle[Any, FleetBackupResult] = client.get_workflow_handle(
            run.workflow_id, result_type=FleetBackupResult
        )
        described = await handle.describe()
    except Exception:
        return public
    public.status = described.status.name if described.status else "UNKNOWN"
    if described.status == WorkflowExecutionStatus.COMPLETED:
        public.result = await handle.result()
    elif described.status == WorkflowExecutionStatus.RUNNING:
        public.progress = await handle.query("progress", result_type=BackupProgress)
    return public


@router.post(
    "/v1/tenants/{tenant}/backup-runs",
    response_model=BackupRunPublic,
    status_code=status.HTTP_202_ACCEPTED,
)
async def start_tenant_backup(
    tenant: TenantDep, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> BackupRunPublic:
    """Back up every device of one tenant."""
    return await _start(state, session, identity, tenant)


@router.post(
    "/v1/backup-runs", response_model=BackupRunPublic, status_code=status.HTTP_202_ACCEPTED
)
async def start_fleet_backup(
    identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> BackupRunPublic:
    """Back up every device of every tenant."""
    return await _start(state, session, identity, None)


@router.get("/v1/tenants/{tenant}/backup-runs", response_model=list[BackupRunPublic])
def list_tenant_runs(tenant: TenantDep, session: SessionDep) -> list[BackupRunPublic]:
    """Backup runs of one tenant, newest first (status not resolved; fetch one for it)."""
    return [
        BackupRunPublic(
            run_id=r.id,
            workflow_id=r.workflow_id,
            tenant=r.tenant,
            requested_by=r.requested_by,
            created_at=r.created_at,
        )
        for r in run_repo.list_runs(session, tenant=tenant, kind="backup")
    ]


@router.get("/v1/tenants/{tenant}/backup-runs/{run_id}", response_model=BackupRunPublic)
async def get_tenant_run(
    tenant: TenantDep, run_id: str, state: StateDep, session: SessionDep
) -> BackupRunPublic:
    """One backup run of the tenant with its status, progress and per-device result."""
    run = run_repo.get_run(session, run_id=run_id, tenant=tenant)
    if run is None or run.kind != "backup":
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"backup run {run_id!r} not found")
    return await _describe(state, run)


@router.get("/v1/backup-runs/{run_id}", response_model=BackupRunPublic)
async def get_run(
    run_id: str, identity: CurrentIdentity, state: StateDep, session: SessionDep
) -> BackupRunPublic:
    """One backup run of any tenant (a tenant token sees only its own tenant's runs)."""
    run = run_repo.get_run(session, run_id=run_id)
    visible = run is not None and (identity.role != "tenant" or run.tenant == identity.tenant)
    if run is None or not visible or run.kind != "backup":
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"backup run {run_id!r} not found")
    return await _describe(state, run)
