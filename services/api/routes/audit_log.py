"""The audit log, read: staff see every entry, a tenant token its own tenant's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.api.deps import CurrentIdentity, SessionDep
from services.app.audit_log import read_entries
from services.store.repos.audit_log import AuditPage, AuditQuery

router = APIRouter(tags=["audit log"])


@router.get("/v1/audit-log", response_model=AuditPage)
def list_audit_log(
    identity: CurrentIdentity, session: SessionDep, query: Annotated[AuditQuery, Query()]
) -> AuditPage:
    """Audit entries, newest first, by tenant, actor, action (`change.`: a prefix) and time."""
    return read_entries(session, identity, query)
