"""Recorded SSH host keys, per tenant: devices by name, jump hosts by address.

Written only by an explicit trust (`netwave devices trust`, its API route, and the dev stack
for the devices its own lab serves); a changed key is replaced only when that trust says so.
Every trust and replacement is in the audit log with both fingerprints.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.errors import NotFoundError
from services.network.host_keys import DeviceTrust, HostKey, known_hosts_name
from services.network.inventory import Device, TenantInventory
from services.store.models import HostKeyRow, utcnow
from services.store.repos import audit_log as audit_log_repo
from services.store.repos._checks import text_field
from services.store.repos.tenants import tenant_id_of

Role = Literal["device", "jump_host"]


class TrustOutcome(StrEnum):
    new = "new"  # recorded at its first contact
    unchanged = "unchanged"  # the host presented the recorded key
    replaced = "replaced"  # a different key, replaced as asked
    mismatch = "mismatch"  # a different key, kept the recorded one (not asked to replace)


class HostKeyOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    tenant: str
    role: Role
    host: str
    address: str
    key_type: str
    public_key: str
    fingerprint: str
    trusted_at: datetime
    trusted_by: str


def _out(row: HostKeyRow, tenant: str) -> HostKeyOut:
    return HostKeyOut(
        tenant=tenant,
        role="jump_host" if row.role == "jump_host" else "device",
        host=row.host,
        address=row.address,
        key_type=row.key_type,
        public_key=row.public_key,
        fingerprint=row.fingerprint,
        trusted_at=row.trusted_at,
        trusted_by=row.trusted_by,
    )


def jump_host_name(hostname: str, port: int) -> str:
    """How a jump host is keyed: its address, shared by every device behind it."""
    return known_hosts_name(hostname, port)


def list_keys(session: Session, *, tenant: str) -> list[HostKeyOut]:
    tenant_id = tenant_id_of(session, name=tenant)
    rows = session.scalars(
        select(HostKeyRow)
        .where(HostKeyRow.tenant_id == tenant_id)
        .order_by(HostKeyRow.role, HostKeyRow.host)
    )
    return [_out(row, tenant) for row in rows]


def recorded(session: Session, *, tenant: str) -> dict[tuple[str, str], HostKey]:
    """(role, host) -> the recorded key, for one tenant."""
    tenant_id = tenant_id_of(session, name=tenant)
    rows = session.execute(
        select(HostKeyRow.role, HostKeyRow.host, HostKeyRow.public_key).where(
            HostKeyRow.tenant_id == tenant_id
        )
    )
    return {(role, host): HostKey.parse(line) for role, host, line in rows}


def trust_of(device: Device, keys: dict[tuple[str, str], HostKey]) -> DeviceTrust:
    bastion = device.jump_host
    return DeviceTrust(
        device=keys.get(("device", device.name)),
        jump_host=keys.get(("jump_host", jump_host_name(bastion.hostname, bastion.port)))
        if bastion is not None
        else None,
    )


def with_trust(session: Session, inventory: TenantInventory) -> TenantInventory:
    """The inventory with each device's recorded keys attached (`Device.trust`), for the
    device sessions of an activity; a tenant with no row yet has none recorded."""
    try:
        keys = recorded(session, tenant=inventory.tenant)
    except NotFoundError:
        keys = {}
    devices = {
        name: device.model_copy(update={"trust": trust_of(device, keys)})
        for name, device in inventory.devices.items()
    }
    return dataclasses.replace(inventory, devices=devices)


def record_key(
    session: Session,
    *,
    tenant: str,
    role: Role,
    host: str,
    address: str,
    key: HostKey,
    actor: str,
    replace: bool,
) -> tuple[TrustOutcome, str | None]:
    """Record `key` for the host; the outcome and the fingerprint it had before (if any).

    A different key than the recorded one is replaced only with `replace`.
    """
    text_field("host", host, 255)
    text_field("actor", actor, 255)
    tenant_id = tenant_id_of(session, name=tenant)
    row = session.scalar(
        select(HostKeyRow).where(
            HostKeyRow.tenant_id == tenant_id, HostKeyRow.role == role, HostKeyRow.host == host
        )
    )
    detail = {"role": role, "address": address, "fingerprint": key.fingerprint}
    if row is None:
        session.add(
            HostKeyRow(
                tenant_id=tenant_id,
                role=role,
                host=host,
                address=address,
                key_type=key.key_type,
                public_key=key.line,
                fingerprint=key.fingerprint,
                trusted_at=utcnow(),
                trusted_by=actor,
            )
        )
        audit_log_repo.record(
            session, actor=actor, action="host_key.trust", tenant=tenant, object=host, detail=detail
        )
        return TrustOutcome.new, None
    before = row.fingerprint
    if row.public_key == key.line:
        if row.address != address:
            row.address = address
        return TrustOutcome.unchanged, before
    if not replace:
        return TrustOutcome.mismatch, before
    row.key_type, row.public_key, row.fingerprint = key.key_type, key.line, key.fingerprint
    row.address, row.trusted_at, row.trusted_by = address, utcnow(), actor
    audit_log_repo.record(
        session,
        actor=actor,
        action="host_key.replace",
        tenant=tenant,
        object=host,
        detail={**detail, "previous": before},
    )
    return TrustOutcome.replaced, before
