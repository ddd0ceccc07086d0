"""Devices that need an engineer: a rollback that could not restore the pre-change backup.

Raised once per (change, device) by the rollback step, cleared by an engineer with a comment.
While one is open, no change is requested for, pushed to or campaigned on the device.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.store.models import DeviceAttention, Tenant, utcnow
from services.store.repos._checks import text_field
from services.store.repos.tenants import tenant_id_of

REASON_MAX = 2000


class AttentionOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    tenant: str
    device: str
    change_id: str
    reason: str
    raised_at: datetime
    cleared_at: datetime | None = None
    cleared_by: str | None = None
    comment: str | None = None


def _out(row: DeviceAttention, tenant: str) -> AttentionOut:
    return AttentionOut(
        id=row.id,
        tenant=tenant,
        device=row.device,
        change_id=row.change_id,
        reason=row.reason,
        raised_at=row.raised_at,
        cleared_at=row.cleared_at,
        cleared_by=row.cleared_by,
        comment=row.comment,
    )


def raise_attention(
    session: Session, *, tenant: str, device: str, change_id: str, reason: str
) -> AttentionOut:
    """Mark the device; a retried rollback finds its mark and writes nothing."""
    text_field("device", device, 255)
    tenant_id = tenant_id_of(session, name=tenant)
    found = session.scalar(
        select(DeviceAttention).where(
            DeviceAttention.change_id == change_id, DeviceAttention.device == device
        )
    )
    if found is None:
        found = DeviceAttention(
            tenant_id=tenant_id,
            device=device,
            change_id=change_id,
            reason=reason[:REASON_MAX],
            raised_at=utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(found)
        except IntegrityError:  # a concurrent retry wrote it first
            found = session.scalars(
                select(DeviceAttention).where(
                    DeviceAttention.change_id == change_id, DeviceAttention.device == device
                )
            ).one()
    return _out(found, tenant)


def open_attention(
    session: Session, *, tenant: str | None = None, devices: list[str] | None = None
) -> list[AttentionOut]:
    """Marks not cleared yet, oldest first (one tenant, some devices, or all)."""
    query = (
        select(DeviceAttention, Tenant.name)
        .join(Tenant, Tenant.id == DeviceAttention.tenant_id)
        .where(DeviceAttention.cleared_at.is_(None))
        .order_by(DeviceAttention.raised_at, DeviceAttention.id)
    )
    if tenant is not None:
        query = query.where(Tenant.name == tenant)
    if devices is not None:
        query = query.where(DeviceAttention.device.in_(devices))
    return [_out(row, name) for row, name in session.execute(query)]


def clear_attention(
    session: Session, *, tenant: str, device: str, by: str, comment: str
) -> list[AttentionOut]:
    """Clear every open mark of the device; returns what was cleared (empty: nothing open)."""
    text_field("comment", comment, 2000)
    tenant_id = tenant_id_of(session, name=tenant)
    rows = list(
        session.scalars(
            select(DeviceAttention).where(
                DeviceAttention.tenant_id == tenant_id,
                DeviceAttention.device == device,
                DeviceAttention.cleared_at.is_(None),
            )
        )
    )
    if not rows:
        return []
    at = utcnow()
    session.execute(
        update(DeviceAttention)
        .where(DeviceAttention.id.in_([r.id for r in rows]))
        .values(cleared_at=at, cleared_by=by, comment=comment)
        .execution_options(synchronize_session="fetch")
    )
    return [_out(r, tenant) for r in rows]
