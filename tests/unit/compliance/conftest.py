"""The shipped fleet, its rules and intended configs, shared by the compliance tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.compliance.rules import RuleSet, tenant_rules
from services.network.inventory import Device, load_all
from services.network.render import renderer_for

REPO = Path(__file__).resolve().parents[3]
INVENTORIES = REPO / "inventories"
FLEET: dict[str, Device] = {
    d.name: d for inv in load_all(INVENTORIES).values() for d in inv.devices.values()
}


@pytest.fixture(scope="session")
def rules() -> dict[str, RuleSet]:
    return {t: tenant_rules(INVENTORIES, t) for t in load_all(INVENTORIES)}


@pytest.fixture(scope="session")
def intended() -> dict[str, str]:
    renderer = renderer_for(REPO / "templates")
    return {name: renderer.render_device(device) for name, device in FLEET.items()}
