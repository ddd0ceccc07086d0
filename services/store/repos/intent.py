"""Intent revisions and per-device change locks, scoped by tenant.

A revision is written once per (change, device), in the transaction that records the change
verified: a retried activity finds it and writes nothing. Locks make changes to one device
apply one at a time across workers: a device is held by at most one change (primary key).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.changes.lifecycle import TERMINAL_STATUSES
from services.intent.model import IntentEdit, IntentRevision
from services.store.models import (
    ChangeRequest,
    DeviceLock,
    IntentRevisionRow,
    Tenant,
    utcnow,
)
from services.store.repos._checks import text_field
from services.store.repos.tenants import tenant_id_of

# Each attempt loses only to a concurrent writer of the same device; a few always suffice.
MAX_ATTEMPTS = 5


def _out(row: IntentRevisionRow, tenant: str) -> IntentRevision:
    return IntentRevision(
        id=row.id,
        tenant=tenant,
        device=row.device,
        seq=row.seq,
        change_id=row.change_id,
        kind=row.kind,
        requested_by=row.requested_by,
        approved_by=row.approved_by,
        created_at=row.created_at,
        edits=[IntentEdit.model_validate(e) for e in row.edits],
        folded_at=row.folded_at,
        folded_by=row.folded_by,
    )


def record_revisions(
    session: Session,
    *,
    tenant: str,
    change_id: str,
    kind: str,
    requested_by: str,
    approved_by: str,
    edits: Mapping[str, Sequence[IntentEdit]],
) -> list[IntentRevision]:
    """One revision per device of `edits` (devices without edits get none); idempotent."""
    tenant_id = tenant_id_of(session, name=tenant)
    text_field("requested_by", requested_by, 255)
    text_field("approved_by", approved_by, 255)
    written = []
    for device, device_edits in sorted(edits.items()):
        if not device_edits:
            continue
        for _ in range(MAX_ATTEMPTS):
            existing = session.scalar(
                select(IntentRevisionRow).where(
                    IntentRevisionRow.change_id == change_id, IntentRevisionRow.device == device
                )
            )
            if existing is not None:
                written.append(_out(existing, tenant))
                break
            last = session.scalar(
                select(IntentRevisionRow.seq)
                .where(IntentRevisionRow.tenant_id == tenant_id, IntentRevisionRow.device == device)
                .order_by(IntentRevisionRow.seq.desc())
                .limit(1)
            )
            row = IntentRevisionRow(
                tenant_id=tenant_id,
                device=device,
                seq=(last or 0) + 1,
                change_id=change_id,
                kind=kind,
                requested_by=requested_by,
                approved_by=approved_by,
                created_at=utcnow(),
                edits=[e.model_dump(mode="json") for e in device_edits],
            )
            try:
                with session.begin_nested():
                    session.add(row)
                    session.flush()
            except IntegrityError:
                continue  # a concurrent writer took the seq, or wrote this very revision
            written.append(_out(row, tenant))
            break
        else:
            raise RuntimeError(f"could not write the intent revision of {device} for {change_id}")
    return written


def revisions(session: Session, *, tenant: str, device: str | None = None) -> list[IntentRevision]:
    """The tenant's revisions (of one device when given), by device and seq."""
    query = (
        select(IntentRevisionRow)
        .join(Tenant, Tenant.id == IntentRevisionRow.tenant_id)
        .where(Tenant.name == tenant)
    )
    if device is not None:
        query = query.where(IntentRevisionRow.device == device)
    rows = session.scalars(query.order_by(IntentRevisionRow.device, IntentRevisionRow.seq))
    return [_out(row, tenant) for row in rows]


def revisions_of_change(session: Session, *, tenant: str, change_id: str) -> list[IntentRevision]:
    """The revisions a change wrote (none unless it was verified)."""
    return [r for r in revisions(session, tenant=tenant) if r.change_id == change_id]


def fold(session: Session, *, tenant: str, ids: Sequence[int], actor: str) -> datetime:
    """Mark revisions as written back to the inventory files."""
    text_field("actor", actor, 255)
    tenant_id = tenant_id_of(session, name=tenant)
    now = utcnow()
    if ids:
        session.execute(
            update(IntentRevisionRow)
            .where(
                IntentRevisionRow.tenant_id == tenant_id,
                IntentRevisionRow.id.in_(list(ids)),
                IntentRevisionRow.folded_at.is_(None),
            )
            .values(folded_at=now, folded_by=actor)
            .execution_options(synchronize_session=False)
        )
    return now


# --- device locks ----------------------------------------------------------------------------


def lock_devices(
    session: Session, *, tenant: str, change_id: str, devices: Sequence[str]
) -> dict[str, str]:
    """Hold every device for `change_id`, all or none.

    Returns {} when the change holds them all (also when it already did), else the devices
    held by other changes with the change that holds each; then nothing is taken.
    """
    tenant_id = tenant_id_of(session, name=tenant)
    for _ in range(MAX_ATTEMPTS):
        held = {
            row.device: row.change_id
            for row in session.scalars(
                select(DeviceLock).where(
                    DeviceLock.tenant_id == tenant_id, DeviceLock.device.in_(list(devices))
                )
            )
        }
        busy = {d: c for d, c in held.items() if c != change_id}
        stale = _ended(session, set(busy.values()))
        if stale:  # a change that ended without giving its devices back (terminated)
            session.execute(
                delete(DeviceLock)
                .where(DeviceLock.tenant_id == tenant_id, DeviceLock.change_id.in_(stale))
                .execution_options(synchronize_session=False)
            )
            continue
        if busy:
            return busy
        try:
            with session.begin_nested():
                for device in devices:
                    if device not in held:
                        session.add(
                            DeviceLock(
                                tenant_id=tenant_id,
                                device=device,
                                change_id=change_id,
                                acquired_at=utcnow(),
                            )
                        )
                session.flush()
        except IntegrityError:
            continue  # another change took one first: look again
        return {}
    raise RuntimeError(f"could not lock {', '.join(devices)} for change {change_id}")


def _ended(session: Session, change_ids: set[str]) -> list[str]:
    if not change_ids:
        return []
    rows = session.execute(
        select(ChangeRequest.id, ChangeRequest.status).where(ChangeRequest.id.in_(change_ids))
    )
    return [change_id for change_id, status in rows if status in TERMINAL_STATUSES]


def unlock_devices(session: Session, *, tenant: str, change_id: str) -> int:
    """Release every device the change holds; the number released."""
    tenant_id = tenant_id_of(session, name=tenant)
    result = session.execute(
        delete(DeviceLock)
        .where(DeviceLock.tenant_id == tenant_id, DeviceLock.change_id == change_id)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
