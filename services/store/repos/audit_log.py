"""The audit log: who did what to which object of which tenant, when; append-only."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.store.errors import InvalidInputError
from services.store.models import AuditEntry, utcnow
from services.store.repos._checks import aware, text_field

MAX_LIMIT = 1000


class AuditOut(BaseModel):
    """One audit entry as the API shows it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    tenant: str | None
    object: str
    detail: dict[str, Any]


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    tenant: str | None,
    object: str,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Append an entry in the caller's transaction, so it commits with the change it records."""
    text_field("actor", actor, 255)
    text_field("action", action, 100)
    text_field("object", object, 255)
    if tenant is not None:
        text_field("tenant", tenant, 63)
    try:
        json.dumps(detail or {})
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"detail must be JSON-serialisable: {exc}") from None
    session.add(
        AuditEntry(
            at=utcnow() if at is None else aware("at", at),
            actor=actor,
            action=action,
            tenant=tenant,
            object=object,
            detail=dict(detail or {}),
        )
    )


def list_entries(
    session: Session, *, tenant: str | None = None, limit: int = 100, before_id: int | None = None
) -> list[AuditOut]:
    """Newest entries first (one tenant's when given); page with `before_id`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    query = select(AuditEntry)
    if tenant is not None:
        query = query.where(AuditEntry.tenant == tenant)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    return [AuditOut.model_validate(row) for row in rows]
