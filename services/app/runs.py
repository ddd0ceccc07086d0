"""Runs: start a backup, audit or host-key trust workflow for a caller, record it, follow it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError

from services.app import audit_log, temporal
from services.app.errors import Unprocessable
from services.app.temporal import (
    Runtime,
    audit_workflow_id,
    backup_workflow_id,
    trust_workflow_id,
)
from services.core.errors import NotFoundError
from services.store.repos import runs as run_repo
from services.store.repos.runs import RunOut
from services.store.repos.tokens import Identity
from workflows.audit.models import AuditInput, AuditProgress, AuditResult
from workflows.backup.models import BackupProgress, FleetBackupInput, FleetBackupResult
from workflows.trust.models import TrustInput, TrustReport

TRUST_TIMEOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class RunKind:
    """One kind of recorded run: its workflow, result and progress models."""

    kind: str
    workflow: str
    result: type[BaseModel]
    progress: type[BaseModel]


BACKUP = RunKind("backup", "FleetBackupWorkflow", FleetBackupResult, BackupProgress)
AUDIT = RunKind("audit", "ComplianceAuditWorkflow", AuditResult, AuditProgress)
KINDS = {k.kind: k for k in (BACKUP, AUDIT)}


class RunPublic(BaseModel):
    run_id: str
    kind: str
    workflow_id: str
    tenant: str | None
    requested_by: str
    created_at: datetime
    status: str = "UNKNOWN"
    progress: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    failure: str | None = None
    temporal_ui: str | None = None


class TrustBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    devices: list[Annotated[str, Field(min_length=1, max_length=255)]] = Field(
        default_factory=list, max_length=10000, description="empty means every device"
    )
    replace: bool = Field(
        default=False,
        strict=True,
        description="replace a recorded key that the device no longer presents (after "
        "checking the new fingerprint with the device's own)",
    )


def _public(runtime: Runtime, run: RunOut) -> RunPublic:
    return RunPublic(
        run_id=run.id,
        kind=run.kind,
        workflow_id=run.workflow_id,
        tenant=run.tenant,
        requested_by=run.requested_by,
        created_at=run.created_at,
        temporal_ui=temporal.workflow_ui(runtime.settings, run.workflow_id),
    )


async def _start_run(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    *,
    kind: RunKind,
    tenant: str | None,
    workflow_id: str,
    request: BaseModel,
) -> RunPublic:
    """Start the workflow, record the run and the audit entry in one transaction."""
    client = await temporal.client(runtime)
    session.rollback()  # nothing written yet; no database lock held while Temporal answers
    await client.start_workflow(
        kind.workflow, request, id=workflow_id, task_queue=runtime.settings.task_queue
    )
    run = run_repo.create_run(
        session, kind=kind.kind, tenant=tenant, workflow_id=workflow_id, requested_by=identity.name
    )
    audit_log.record(
        session,
        identity,
        f"{kind.kind}.start",
        workflow_id,
        tenant=tenant,
        detail={"run_id": run.id},
    )
    session.commit()
    # Just started: RUNNING without asking Temporal again. A progress query would wait for the
    # worker's first workflow task (and load a busy worker); following the run has progress.
    public = _public(runtime, run)
    public.status = WorkflowExecutionStatus.RUNNING.name
    return public


async def start_backup(
    runtime: Runtime, session: Session, identity: Identity, tenant: str | None
) -> RunPublic:
    """Back up every device of one tenant, or of every tenant (`tenant` None)."""
    settings = runtime.settings
    request = FleetBackupInput(
        tenants=[tenant] if tenant else [],
        requested_by=identity.name,
        chunk_size=settings.backup_chunk_size,
        device_task_queue=settings.device_task_queue,
    )
    return await _start_run(
        runtime,
        session,
        identity,
        kind=BACKUP,
        tenant=tenant,
        workflow_id=backup_workflow_id(tenant),
        request=request,
    )


async def start_audit(
    runtime: Runtime, session: Session, identity: Identity, tenant: str
) -> RunPublic:
    """Audit every device of the tenant now."""
    request = AuditInput(
        tenant=tenant,
        requested_by=identity.name,
        device_task_queue=runtime.settings.device_task_queue,
    )
    return await _start_run(
        runtime,
        session,
        identity,
        kind=AUDIT,
        tenant=tenant,
        workflow_id=audit_workflow_id(tenant),
        request=request,
    )


def list_runs(runtime: Runtime, session: Session, tenant: str, kind: RunKind) -> list[RunPublic]:
    """The tenant's runs of one kind, newest first (follow one run for its status)."""
    return [_public(runtime, r) for r in run_repo.list_runs(session, tenant=tenant, kind=kind.kind)]


async def follow_run(
    runtime: Runtime,
    session: Session,
    run_id: str,
    *,
    kind: RunKind | None = None,
    tenant: str | None = None,
    viewer: Identity | None = None,
) -> RunPublic:
    """A run of `kind` (None: any kind) and `tenant` (None: any; a tenant `viewer` sees only
    its own) with its Temporal status, live progress, result or failure."""
    run = run_repo.get_run(session, run_id=run_id, tenant=tenant)
    hidden = (
        run is not None
        and viewer is not None
        and viewer.role == "tenant"
        and run.tenant != viewer.tenant
    )
    wanted = KINDS.get(run.kind) if run is not None and kind is None else kind
    if run is None or hidden or wanted is None or run.kind != wanted.kind:
        what = f"{kind.kind} run" if kind else "run"
        raise NotFoundError(f"{what} {run_id!r} not found")
    session.rollback()  # no database lock held while Temporal answers
    return await _describe(runtime, run, wanted)


async def _describe(runtime: Runtime, run: RunOut, kind: RunKind) -> RunPublic:
    public = _public(runtime, run)
    try:
        handle = (await runtime.temporal()).get_workflow_handle(run.workflow_id)
        described = await handle.describe()
    except Exception:
        return public
    public.status = described.status.name if described.status else "UNKNOWN"
    if described.status == WorkflowExecutionStatus.COMPLETED:
        result = await handle.result()
        public.result = kind.result.model_validate(result).model_dump(mode="json")
    elif described.status == WorkflowExecutionStatus.RUNNING:
        progress = await temporal.live_progress(runtime, run.workflow_id, kind.progress)
        public.progress = progress.model_dump(mode="json") if progress else None
    elif described.status == WorkflowExecutionStatus.FAILED:
        try:
            await handle.result()
        except Exception as exc:
            cause = exc.__cause__ or exc
            public.failure = str(getattr(cause, "message", cause))
    return public


async def trust_host_keys(
    runtime: Runtime, session: Session, identity: Identity, tenant: str, body: TrustBody
) -> TrustReport:
    """Read each device's host key (no login: the key exchange shows it) and record it; waits
    for the report; a refusal of the workflow is Unprocessable."""
    session.rollback()  # no database lock held while the worker reads the keys
    client = await temporal.client(runtime)
    settings = runtime.settings
    request = TrustInput(
        tenant=tenant,
        devices=body.devices,
        replace=body.replace,
        requested_by=identity.name,
        device_task_queue=settings.device_task_queue,
    )
    try:
        report: TrustReport = await client.execute_workflow(
            "TrustHostKeysWorkflow",
            request,
            id=trust_workflow_id(tenant),
            task_queue=settings.task_queue,
            execution_timeout=TRUST_TIMEOUT,
            result_type=TrustReport,
        )
    except WorkflowFailureError as exc:
        cause = exc.cause
        raise Unprocessable(str(getattr(cause, "cause", None) or cause)) from None
    return report
