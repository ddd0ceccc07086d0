"""Settings for whole-stack tests: every port free, inventories remapped onto free ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.settings import Settings
from services.network.inventory import load_all
from tests.conftest import REPO
from tests.utils.lab import free_ports, write_remapped_inventories


@pytest.fixture
def stack_settings(tmp_path: Path) -> Settings:
    source = REPO / "inventories"
    names = [d.name for t in load_all(source).values() for d in t.devices.values()]
    ports = free_ports(len(names) + 4, start=30000, stop=32000)
    device_ports = dict(zip(names, ports[4:], strict=True))
    inventories = write_remapped_inventories(
        source,
        tmp_path / "inventories",
        device_ports,
        close_windows=True,  # no clock
    )
    temporal, ui, api, control = ports[:4]
    return Settings(
        env="test",
        var_dir=tmp_path / "var",
        inventories_path=inventories,
        templates_path=REPO / "templates",
        temporal_address=f"127.0.0.1:{temporal}",
        temporal_ui_url=f"http://127.0.0.1:{ui}",
        api_port=api,
        lab_control_port=control,
    )
