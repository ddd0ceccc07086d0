"""What a use case writes to the audit log: who did what to which object, and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.store.repos import audit_log as audit_log_repo
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
