"""Reads of change requests and of their plans, events, approvals and backup links, scoped by
tenant (another tenant's change is simply not found)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from services.changes.lifecycle import CHANGE_STATUSES, ChangeStatus
from services.core.errors import NotFoundError
from services.store.models import (
    ChangeApproval,
    ChangeBackup,
    ChangeEvent,
    ChangePlan,
    ChangeRequest,
    Tenant,
)
from services.store.repos.changes.checks import one_of, row_limit
from services.store.repos.changes.views import (
    ApprovalOut,
    BackupLinkOut,
    ChangeOut,
    EventOut,
    PlanOut,
    change_out,
)


def _changes(tenant: str | None) -> Select[ChangeRequest, str]:
    """Change requests with their tenant's name, only one tenant's when `tenant` is given."""
    query = select(ChangeRequest, Tenant.name).join(Tenant, ChangeRequest.tenant_id == Tenant.id)
    return query if tenant is None else query.where(Tenant.name == tenant)


def _of_tenant(tenant: str, change_id: str) -> Select[str]:
    """The id of the change if it belongs to the tenant (for scoping the child tables)."""
    return (
        select(ChangeRequest.id)
        .join(Tenant, ChangeRequest.tenant_id == Tenant.id)
        .where(Tenant.name == tenant, ChangeRequest.id == change_id)
    )


def change_row(session: Session, tenant: str, change_id: str) -> ChangeRequest:
    """The tenant's change row, fresh from the database; NotFoundError otherwise."""
    row = session.scalar(
        select(ChangeRequest)
        .join(Tenant, ChangeRequest.tenant_id == Tenant.id)
        .where(Tenant.name == tenant, ChangeRequest.id == change_id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFoundError(f"change {change_id!r} not found in tenant {tenant!r}")
    return row


def newest_plan(session: Session, change_id: str) -> ChangePlan | None:
    return session.scalar(
        select(ChangePlan)
        .where(ChangePlan.change_id == change_id)
        .order_by(ChangePlan.revision.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


def last_event(session: Session, change_id: str) -> ChangeEvent | None:
    return session.scalar(
        select(ChangeEvent)
        .where(ChangeEvent.change_id == change_id)
        .order_by(ChangeEvent.id.desc())
        .limit(1)
    )


def get_change(session: Session, *, tenant: str | None, change_id: str) -> ChangeOut | None:
    """One change of the tenant (of any tenant when None, for staff), or None."""
    found = session.execute(_changes(tenant).where(ChangeRequest.id == change_id)).first()
    return None if found is None else change_out(*found)


def list_changes(
    session: Session,
    *,
    tenant: str | None = None,
    status: ChangeStatus | None = None,
    limit: int = 100,
) -> list[ChangeOut]:
    """Newest changes first, of one tenant and in one status when given."""
    if status is not None:
        one_of("status", status, CHANGE_STATUSES)
    query = _changes(tenant)
    if status is not None:
        query = query.where(ChangeRequest.status == status)
    rows = session.execute(
        query.order_by(ChangeRequest.created_at.desc(), ChangeRequest.id).limit(row_limit(limit))
    )
    return [change_out(*row) for row in rows]


def _of_change(
    session: Session,
    key: InstrumentedAttribute[str],
    order: InstrumentedAttribute[Any],
    tenant: str,
    change_id: str,
) -> Sequence[Any]:
    """The rows of a child table (`key`: its change_id column) of the tenant's change."""
    query = select(key.class_).where(key.in_(_of_tenant(tenant, change_id))).order_by(order)
    return session.scalars(query).all()


def events(session: Session, *, tenant: str, change_id: str) -> list[EventOut]:
    """The change's events, oldest first ([] when the tenant has no such change)."""
    rows = _of_change(session, ChangeEvent.change_id, ChangeEvent.id, tenant, change_id)
    return [EventOut.model_validate(row) for row in rows]


def latest_plan(session: Session, *, tenant: str, change_id: str) -> PlanOut | None:
    """The change's newest plan revision, or None."""
    row = session.scalar(
        select(ChangePlan)
        .where(ChangePlan.change_id.in_(_of_tenant(tenant, change_id)))
        .order_by(ChangePlan.revision.desc())
        .limit(1)
    )
    return None if row is None else PlanOut.model_validate(row)


def plans(session: Session, *, tenant: str, change_id: str) -> list[PlanOut]:
    """Every plan revision of the change, oldest first."""
    rows = _of_change(session, ChangePlan.change_id, ChangePlan.revision, tenant, change_id)
    return [PlanOut.model_validate(row) for row in rows]


def approvals(session: Session, *, tenant: str, change_id: str) -> list[ApprovalOut]:
    """The change's approval decisions, oldest first."""
    rows = _of_change(session, ChangeApproval.change_id, ChangeApproval.id, tenant, change_id)
    return [ApprovalOut.model_validate(row) for row in rows]


def backups_of(session: Session, *, tenant: str, change_id: str) -> list[BackupLinkOut]:
    """The change's pre-change backup links, by device."""
    rows = _of_change(session, ChangeBackup.change_id, ChangeBackup.device, tenant, change_id)
    return [BackupLinkOut.model_validate(row) for row in rows]
