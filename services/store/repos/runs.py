"""Runs: the workflows netwave started, so they can be listed and scoped by tenant."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.store.errors import ConflictError, InvalidInputError
from services.store.models import Run, Tenant, utcnow
from services.store.repos._checks import aware, text_field
from services.store.repos.tenants import tenant_id_of

MAX_LIMIT = 1000


class RunOut(BaseModel):
    """A run as the API lists it."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: str
    tenant: str | None
    workflow_id: str
    requested_by: str
    created_at: datetime


def _out(row: Run, tenant: str | None) -> RunOut:
    """The API view of a run row."""
    return RunOut(
        id=row.id,
        kind=row.kind,
        tenant=tenant,
        workflow_id=row.workflow_id,
        requested_by=row.requested_by,
        created_at=row.created_at,
    )


def _scoped(tenant: str | None) -> Select[Run, str | None]:
    """Runs with their tenant name, only one tenant's when `tenant` is given."""
    query = select(Run, Tenant.name).outerjoin(Tenant, Run.tenant_id == Tenant.id)
    return query if tenant is None else query.where(Tenant.name == tenant)


def get_run_by_workflow(
    session: Session, *, workflow_id: str, tenant: str | None = None
) -> RunOut | None:
    """The run of a workflow id (within `tenant` when given), or None."""
    found = session.execute(_scoped(tenant).where(Run.workflow_id == workflow_id)).first()
    return None if found is None else _out(*found)


def create_run(
    session: Session,
    *,
    kind: str,
    tenant: str | None,
    workflow_id: str,
    requested_by: str,
    run_id: str | None = None,
    created_at: datetime | None = None,
) -> RunOut:
    """Record a run; recording the same workflow id again returns the first record."""
    text_field("kind", kind, 32)
    text_field("workflow_id", workflow_id, 255)
    text_field("requested_by", requested_by, 255)
    if run_id is not None:
        try:
            run_id = str(uuid.UUID(run_id))
        except ValueError:
            raise InvalidInputError(f"run_id {run_id!r} is not a UUID") from None
    tenant_id = None if tenant is None else tenant_id_of(session, name=tenant)
    row = Run(
        id=run_id or str(uuid.uuid4()),
        kind=kind,
        tenant_id=tenant_id,
        workflow_id=workflow_id,
        requested_by=requested_by,
        created_at=utcnow() if created_at is None else aware("created_at", created_at),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = get_run_by_workflow(session, workflow_id=workflow_id)
        if existing is None:
            raise ConflictError(f"run id {row.id!r} already exists") from None
        if (existing.kind, existing.tenant) != (kind, tenant):
            raise ConflictError(
                f"workflow id {workflow_id!r} already belongs to run {existing.id}"
                f" (kind {existing.kind!r}, tenant {existing.tenant!r})"
            ) from None
        return existing
    return _out(row, tenant)


def get_run(session: Session, *, run_id: str, tenant: str | None = None) -> RunOut | None:
    """One run by id (within `tenant` when given), or None."""
    found = session.execute(_scoped(tenant).where(Run.id == run_id)).first()
    return None if found is None else _out(*found)


def list_runs(
    session: Session, *, tenant: str | None = None, kind: str | None = None, limit: int = 100
) -> list[RunOut]:
    """Newest runs first, filtered by tenant and kind when given."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    query = _scoped(tenant)
    if kind is not None:
        query = query.where(Run.kind == kind)
    rows = session.execute(query.order_by(Run.created_at.desc(), Run.id).limit(limit))
    return [_out(*row) for row in rows]
