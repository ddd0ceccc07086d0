"""Where every caller gets a device's intended state: inventory files + the stored revisions.

Audits, change plans, remediation, config rollouts, the console and the API all read intent
through these functions, so they agree on what a device should be.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from services.intent.merge import Intended, merge, merge_inventory
from services.network.inventory import TenantInventory, load_tenant
from services.store.repos import intent as intent_repo


def intended_inventory(session: Session, inventories: Path, tenant: str) -> TenantInventory:
    """The tenant's inventory with every device at its current intent."""
    inventory = load_tenant(inventories, tenant)
    return merge_inventory(inventory, intent_repo.revisions(session, tenant=tenant))


def intended_device(session: Session, inventories: Path, tenant: str, device: str) -> Intended:
    """One device's intent, with where each revision stands (InventoryError when unknown)."""
    base = load_tenant(inventories, tenant).device(device)
    return merge(base, intent_repo.revisions(session, tenant=tenant, device=device))


def intended_devices(
    session: Session, inventories: Path, tenant: str, names: list[str]
) -> dict[str, Intended]:
    """Several devices' intents from one read of the tenant's revisions."""
    base = load_tenant(inventories, tenant)
    revisions = intent_repo.revisions(session, tenant=tenant)
    return {n: merge(base.device(n), [r for r in revisions if r.device == n]) for n in names}
