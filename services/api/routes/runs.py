"""Any run (backup, audit, ...) by id: status, live progress and result."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from services.api.deps import CurrentIdentity, SessionDep, StateDep
from services.api.routes.audits import AUDIT
from services.api.routes.backup_runs import BACKUP
from services.api.workflow_runs import RunPublic, describe_run
from services.store.repos import runs as run_repo

router = APIRouter(prefix="/v1/runs", tags=["runs"])

KINDS = {k.kind: k for k in (BACKUP, AUDIT)}


@router.get("/{run_id}", response_model=RunPublic)
async def get_run(
    run_id: str, identity: CurrentIdentity, state: StateDep, session: SessionDep
) -> RunPublic:
    """One run; a tenant token sees only its own tenant's runs."""
    run = run_repo.get_run(session, run_id=run_id)
    hidden = run is None or (identity.role == "tenant" and run.tenant != identity.tenant)
    if run is None or hidden or run.kind not in KINDS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"run {run_id!r} not found")
    session.rollback()  # no database lock held while Temporal answers
    return await describe_run(state, run, KINDS[run.kind])
