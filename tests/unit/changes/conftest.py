"""The shipped inventories and contracts, shared by the change tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.changes.contract import TenantContract, load_contract
from services.network.inventory import Device, TenantInventory, load_all, load_tenant

REPO = Path(__file__).resolve().parents[3]
INVENTORIES = REPO / "inventories"
TEMPLATES = REPO / "templates"
TENANTS = ("acme", "globex", "initech")
FLEET: dict[str, Device] = {
    d.name: d for inv in load_all(INVENTORIES).values() for d in inv.devices.values()
}


@pytest.fixture(scope="session")
def inventories() -> dict[str, TenantInventory]:
    return {t: load_tenant(INVENTORIES, t) for t in TENANTS}


@pytest.fixture(scope="session")
def contracts() -> dict[str, TenantContract]:
    return {t: load_contract(INVENTORIES, t) for t in TENANTS}
