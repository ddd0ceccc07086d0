"""Tenants: the MSP's clients; every tenant-owned row is scoped by one."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.core.errors import NotFoundError
from services.store.errors import InvalidInputError
from services.store.models import Tenant
from services.store.repos._checks import text_field

TENANT_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$")


class TenantOut(BaseModel):
    """A tenant as the API and workflows see it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    name: str
    display_name: str
    created_at: datetime


def check_tenant_name(name: str) -> str:
    """The name if it is a valid tenant name (also an inventories/ folder name)."""
    if not isinstance(name, str) or not TENANT_NAME.fullmatch(name):
        raise InvalidInputError(
            f"tenant name {name!r} is invalid: use 1-63 lowercase letters, digits, '-' or '_',"
            " starting and ending with a letter or digit"
        )
    return name


# Built once: writers call this for every batch they store.
_TENANT_ID = select(Tenant.id).where(Tenant.name == bindparam("name"))


def tenant_id_of(session: Session, *, name: str) -> int:
    """The id of an existing tenant; NotFoundError otherwise."""
    tenant_id = session.scalar(_TENANT_ID, {"name": name})
    if tenant_id is None:
        raise NotFoundError(f"tenant {name!r} not found")
    return tenant_id


def ensure_tenant(session: Session, *, name: str, display_name: str | None = None) -> TenantOut:
    """Create the tenant if missing; a given display_name replaces the stored one."""
    check_tenant_name(name)
    if display_name is not None:
        text_field("display_name", display_name, 255)
    row = session.scalar(select(Tenant).where(Tenant.name == name))
    if row is None:
        try:
            with session.begin_nested():
                row = Tenant(name=name, display_name=display_name or name)
                session.add(row)
        except IntegrityError:
            # Another transaction created it between our read and our insert.
            row = session.scalars(select(Tenant).where(Tenant.name == name)).one()
    if display_name is not None and row.display_name != display_name:
        row.display_name = display_name
        session.flush()
    return TenantOut.model_validate(row)


def get_tenant(session: Session, *, name: str) -> TenantOut | None:
    """The tenant called `name`, or None."""
    row = session.scalar(select(Tenant).where(Tenant.name == name))
    return None if row is None else TenantOut.model_validate(row)


def list_tenants(session: Session) -> list[TenantOut]:
    """Every tenant, by name."""
    rows = session.scalars(select(Tenant).order_by(Tenant.name))
    return [TenantOut.model_validate(row) for row in rows]
