"""Any run (backup, audit, ...) by id: status, live progress and result."""

from __future__ import annotations

from fastapi import APIRouter

from services.api.deps import CurrentIdentity, SessionDep, StateDep
from services.app.runs import RunPublic, follow_run

router = APIRouter(prefix="/v1/runs", tags=["runs"])


@router.get("/{run_id}", response_model=RunPublic)
async def get_run(
    run_id: str, identity: CurrentIdentity, state: StateDep, session: SessionDep
) -> RunPublic:
    """One run; a tenant token sees only its own tenant's runs."""
    return await follow_run(state, session, run_id, viewer=identity)
