"""The audit log, read: staff see every entry, a tenant token its own tenant's."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, Query

from services.api.deps import CurrentIdentity, SessionDep
from services.api.params import Digits
from services.app.audit_log import read_entries
from services.store.repos.audit_log import DEFAULT_LIMIT, MAX_LIMIT, AuditPage, AuditQuery

router = APIRouter(tags=["audit log"])


class AuditLogParams(AuditQuery):
    """The query string: `limit` in decimal digits only, as every integer of the API."""

    limit: Annotated[int, Ge(1), Le(MAX_LIMIT), Digits] = DEFAULT_LIMIT


@router.get("/v1/audit-log", response_model=AuditPage)
def list_audit_log(
    identity: CurrentIdentity, session: SessionDep, query: Annotated[AuditLogParams, Query()]
) -> AuditPage:
    """Audit entries, newest first, by tenant, actor, action (`change.`: a prefix) and time."""
    return read_entries(session, identity, query)
