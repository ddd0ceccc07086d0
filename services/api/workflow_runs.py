"""Start a workflow for an API caller, record it as a run, and describe it from Temporal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import HTTPException, status
from pydantic import BaseModel
from sqlalchemy.orm import Session
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError

from services.api.state import AppState
from services.store.repos import audit as audit_repo
from services.store.repos import runs as run_repo
from services.store.repos.runs import RunOut
from services.store.repos.tokens import Identity

# Live progress is a bonus beside the database's status: never wait long for a busy worker.
PROGRESS_TIMEOUT = timedelta(seconds=2)


@dataclass(frozen=True)
class RunKind:
    """What the API knows about one kind of run: its workflow, result and progress models."""

    kind: str
    workflow: str
    result: type[BaseModel]
    progress: type[BaseModel]


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


def _public(state: AppState, run: RunOut) -> RunPublic:
    s = state.settings
    return RunPublic(
        run_id=run.id,
        kind=run.kind,
        workflow_id=run.workflow_id,
        tenant=run.tenant,
        requested_by=run.requested_by,
        created_at=run.created_at,
        temporal_ui=f"{s.temporal_ui_url}/namespaces/{s.temporal_namespace}"
        f"/workflows/{run.workflow_id}",
    )


async def temporal_client(state: AppState) -> Client:
    """The API's Temporal client; 503 when Temporal does not answer."""
    try:
        return await state.temporal()
    except Exception:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "Temporal is not reachable"
        ) from None


async def update_or_409(
    handle: WorkflowHandle[Any, Any], update: str, argument: BaseModel, ended: str
) -> None:
    """Send a workflow update; the workflow's refusal (its validator's message) and a workflow
    that has already ended (`ended` says why) are 409s."""
    try:
        await handle.execute_update(update, argument)
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=str(getattr(cause, "message", cause))
        ) from None
    except RPCError:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=ended) from None


async def start_run(
    state: AppState,
    session: Session,
    identity: Identity,
    *,
    kind: RunKind,
    tenant: str | None,
    workflow_id: str,
    request: BaseModel,
) -> RunPublic:
    """Start the workflow, record the run and the audit entry in one transaction."""
    client = await temporal_client(state)
    session.rollback()  # nothing written yet; no database lock held while Temporal answers
    await client.start_workflow(
        kind.workflow, request, id=workflow_id, task_queue=state.settings.task_queue
    )
    run = run_repo.create_run(
        session, kind=kind.kind, tenant=tenant, workflow_id=workflow_id, requested_by=identity.name
    )
    audit_repo.record(
        session,
        actor=identity.name,
        action=f"{kind.kind}.start",
        tenant=tenant,
        object=workflow_id,
        detail={"run_id": run.id},
    )
    session.commit()
    # Just started: RUNNING without asking Temporal again. A progress query would wait for the
    # worker's first workflow task (and load a busy worker); GET on the run has live progress.
    public = _public(state, run)
    public.status = WorkflowExecutionStatus.RUNNING.name
    return public


async def describe_run(state: AppState, run: RunOut, kind: RunKind) -> RunPublic:
    """The run with its Temporal status, live progress while running, result when done."""
    public = _public(state, run)
    try:
        client = await state.temporal()
        handle = client.get_workflow_handle(run.workflow_id)
        described = await handle.describe()
    except Exception:
        return public
    public.status = described.status.name if described.status else "UNKNOWN"
    if described.status == WorkflowExecutionStatus.COMPLETED:
        result = await handle.result()
        public.result = kind.result.model_validate(result).model_dump(mode="json")
    elif described.status == WorkflowExecutionStatus.RUNNING:
        try:
            progress = await handle.query(
                "progress", result_type=kind.progress, rpc_timeout=PROGRESS_TIMEOUT
            )
        except Exception:  # a busy worker: the status without live progress
            return public
        public.progress = progress.model_dump(mode="json")
    elif described.status == WorkflowExecutionStatus.FAILED:
        try:
            await handle.result()
        except Exception as exc:
            cause = exc.__cause__ or exc
            public.failure = str(getattr(cause, "message", cause))
    return public


def listed(state: AppState, runs: list[RunOut]) -> list[RunPublic]:
    return [_public(state, r) for r in runs]
