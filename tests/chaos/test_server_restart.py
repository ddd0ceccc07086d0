"""Server restart: the Temporal dev server (same SQLite file) and the API stop mid-campaign and
start again; the campaign completes and no device is reloaded twice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.core.temporal import temporal_cli_path
from services.store.db import get_engine, make_session_factory
from services.store.repos import campaigns as campaign_repo
from tests.utils.api import bearer, make_token
from tests.utils.lab import ThreadedLab, free_ports
from tests.utils.processes import running_worker
from tests.utils.temporal import SERVER_STARTUP, TEST_HEARTBEAT_SECONDS

pytestmark = pytest.mark.slow
IOS = [
    "acme-branch1-r1",
    "acme-hq-r1",
    "globex-nyc-r2",
    "globex-par-r1",
    "initech-aus-r1",
    "initech-dal-r2",
]


async def dev_server(port: int, database: Path) -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli_path()),
        dev_server_startup_timeout=SERVER_STARTUP,
        dev_server_database_filename=str(database),
        data_converter=pydantic_data_converter,
        port=port,
        ui=False,
        dev_server_extra_args=["--ui-disable-news-fetch"],
    )


async def test_campaign_completes_across_a_temporal_and_api_restart(
    lab_settings: Settings, lab: ThreadedLab, tmp_path: Path
) -> None:
    port = free_ports(1, start=19500, stop=20000)[0]
    database = tmp_path / "temporal.db"
    env = await dev_server(port, database)
    settings = lab_settings.model_copy(
        update={
            "temporal_address": f"127.0.0.1:{port}",
            "task_queue": "restart",
            "device_task_queue": "restart-devices",
        }
    )
    prepare_local(settings, lab=True)
    admin = bearer(make_token(settings, "admin"))
    body = {
        "name": "restart",
        "kind": "os_upgrade",
        "targets": {"platforms": ["cisco_ios"]},
        "target_versions": {"cisco_ios": "17.9.4a"},
        "strategy": {"canary_size": 0, "wave_size": 6, "max_concurrency": 2},
        "respect_windows": False,
        "reload_timeout_seconds": 30,
        "heartbeat_timeout_seconds": TEST_HEARTBEAT_SECONDS,
        "post_check": {"settle_seconds": 5},
    }
    db = make_session_factory(get_engine(settings.database_url))

    def upgraded() -> int:
        with db() as session:
            rows = campaign_repo.devices_of(session, campaign_id=campaign_id)
        return sum(r.status == "upgraded" for r in rows)

    try:
        with running_worker(settings, tmp_path / "worker.log"):
            with TestClient(create_app(settings)) as api:
                reply = api.post("/v1/campaigns", json=body, headers=admin)
                assert reply.status_code == 201, reply.text
                campaign_id = reply.json()["campaign"]["id"]
                deadline = time.monotonic() + 120
                while upgraded() < 2:
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.2)
            # The API is down; now Temporal too, mid-campaign.
            await env.shutdown()
            at_stop = upgraded()
            await asyncio.sleep(3)
            env = await dev_server(port, database)
            with TestClient(create_app(settings)) as api:
                deadline = time.monotonic() + 240
                while True:
                    doc = api.get(f"/v1/campaigns/{campaign_id}", headers=admin).json()
                    if doc["campaign"]["status"] in campaign_repo.FINAL_STATUSES:
                        break
                    assert time.monotonic() < deadline, doc["campaign"]["status"]
                    await asyncio.sleep(0.5)
    finally:
        await env.shutdown()
    assert at_stop < len(IOS), "the restart must land mid-campaign"
    assert doc["campaign"]["status"] == "completed", doc
    assert {d["status"] for d in doc["devices"]} == {"upgraded"}
    for name in IOS:
        assert len(lab.record(name).reloads) == 1, name
