"""Health: is the database reachable, is Temporal reachable."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy import text

from services.api.deps import StateDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    temporal: str


@router.get("/healthz", response_model=Health)
async def healthz(state: StateDep, response: Response) -> Health:
    """Database and Temporal status; 503 when either is down."""
    try:
        with state.sessions() as session:
            session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # health must report, never raise
        database = f"error: {type(exc).__name__}"
    try:
        client = await state.temporal()
        await client.service_client.check_health()
        temporal = "ok"
    except Exception as exc:
        temporal = f"error: {type(exc).__name__}"
    healthy = database == "ok" and temporal == "ok"
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(status="ok" if healthy else "degraded", database=database, temporal=temporal)
