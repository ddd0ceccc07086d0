"""Tenants and their devices as the caller may see them (tenants are rows, devices inventory)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session

from services.app.errors import Conflict
from services.core.errors import InventoryError
from services.core.settings import Settings
from services.network.inventory import TenantInventory, load_tenant
from services.store.repos import tenants as tenant_repo
from services.store.repos.tokens import Identity


class TenantPublic(BaseModel):
    name: str
    display_name: str | None = None


def visible_tenants(session: Session, viewer: Identity) -> list[TenantPublic]:
    """Every tenant for staff; a tenant sees only its own."""
    tenants = tenant_repo.list_tenants(session)
    if viewer.role == "tenant":
        tenants = [t for t in tenants if t.name == viewer.tenant]
    return [TenantPublic(name=t.name, display_name=t.display_name) for t in tenants]


def tenant_inventory(settings: Settings, tenant: str) -> TenantInventory:
    """The tenant's inventory; a broken inventory file is a Conflict naming the file."""
    try:
        return load_tenant(settings.inventories_path, tenant)
    except InventoryError as exc:
        raise Conflict(str(exc)) from None
