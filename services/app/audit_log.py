"""The audit log: what a use case writes (who did what to which object, and why), and who
may read it: staff every entry, a tenant token only its own tenant's."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.core.errors import NotFoundError
from services.store.repos import audit_log as audit_log_repo
from services.store.repos.audit_log import AuditPage, AuditQuery
from services.store.repos.tokens import Identity


def record(
    session: Session,
    identity: Identity,
    action: str,
    subject: str,
    *,
    tenant: str | None,
    detail: dict[str, Any],
) -> None:
    """One entry for `identity`, in the caller's transaction (it commits with the change)."""
    audit_log_repo.record(
        session, actor=identity.name, action=action, tenant=tenant, object=subject, detail=detail
    )


def read_entries(session: Session, viewer: Identity, query: AuditQuery) -> AuditPage:
    """A page of entries as `viewer` may see them; a tenant token gets only its own tenant's
    (no fleet-wide entry), and naming another tenant is 404 as on every tenant route."""
    if viewer.role == "tenant":
        if query.tenant is not None and query.tenant != viewer.tenant:
            raise NotFoundError(f"tenant {query.tenant!r} not found")
        query = query.model_copy(update={"tenant": viewer.tenant})
    return audit_log_repo.find_entries(session, query)
