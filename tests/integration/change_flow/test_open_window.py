"""The same change with its tenant's window open (whatever the clock says): it is applied at
once, with no override and nothing waiting in `scheduled`. The other tests keep windows
closed; together they cover both sides without depending on the day and hour of the run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.api import bearer, make_token
from tests.utils.lab import ThreadedLab, write_remapped_inventories


async def test_a_change_in_an_open_window_runs_without_an_override(
    lab_settings: Settings, temporal_env: WorkflowEnvironment, lab: ThreadedLab, tmp_path: Path
) -> None:
    assert lab.inventories_path is not None
    opened = write_remapped_inventories(
        lab.inventories_path, tmp_path / "open", {}, open_windows=True
    )
    settings = scoped(lab_settings.model_copy(update={"inventories_path": opened}), temporal_env)
    prepare_local(settings, lab=True)
    acme = bearer(make_token(settings, "tenant", tenant="acme"))
    async with workers(temporal_env.client, settings):
        with TestClient(create_app(settings)) as api:
            body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 75}
            created = await post(api, "/v1/tenants/acme/changes", json=body, headers=acme)
            assert created.status_code == 201, created.text
            path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
            doc = await wait_status(api, path, acme, FINAL)
            await asyncio.sleep(0)
    assert doc["change"]["status"] == "verified", doc["change"]
    steps = [e["to_status"] for e in doc["events"]]
    assert steps == ["submitted", "planned", "approved", "scheduled", "applying", "verified"]
    assert not any("window_override" in e["detail"] for e in doc["events"])
    assert " bandwidth 75000" in lab.running_config("acme-branch1-r1").splitlines()
