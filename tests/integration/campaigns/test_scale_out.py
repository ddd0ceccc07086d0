"""Scale-out: two worker processes (one for device I/O only) share a 50-device campaign; the
device-only one is killed mid-run.

The history shows device steps ran on both workers; the campaign completes on the survivor;
every device reloads exactly once; no tenant ever has more devices in flight than its limit.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import defaultdict
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import campaigns as campaign_repo
from services.store.repos import tokens as token_repo
from tests.integration.backup.test_fleet_backup import scoped
from tests.utils.lab_fixtures import LabFactory
from tests.utils.processes import running_worker, stop
from tests.utils.temporal import TEST_HEARTBEAT_SECONDS

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[3]
TARGETS = {"cisco_ios": "17.9.4a", "arista_eos": "4.30.4M", "juniper_junos": "22.4R3"}
PER_TENANT = 2


async def test_two_workers_share_a_campaign_and_survive_losing_one(
    temporal_env: WorkflowEnvironment,
    lab_factory: LabFactory,
    lab_secrets_file: Path,
    tmp_path: Path,
) -> None:
    lab = lab_factory(devices=50, tenants=5)
    assert lab.inventories_path is not None
    settings = scoped(
        Settings(
            env="test",
            var_dir=tmp_path / "var",
            inventories_path=lab.inventories_path,
            templates_path=REPO / "templates",
            secrets_provider="file",
            secrets_file=lab_secrets_file,
            image_catalogue_file=REPO / "inventories" / "images.yaml",
            activity_threads=16,
        ),
        temporal_env,
    )
    sessions = prepare_local(settings, lab=True)
    with sessions.begin() as session:
        token, _ = token_repo.create_token(
            session,
            role="admin",
            tenant=None,
            name="scale-out",
            pepper=settings.token_pepper.get_secret_value(),
        )
    body = {
        "name": "scale-out",
        "kind": "os_upgrade",
        "target_versions": TARGETS,
        "strategy": {
            "canary_size": 0,
            "wave_size": 50,
            "max_concurrency": 10,
            "max_per_tenant": PER_TENANT,
        },
        "respect_windows": False,
        "reload_timeout_seconds": 30,
        "heartbeat_timeout_seconds": TEST_HEARTBEAT_SECONDS,
        "post_check": {"settle_seconds": 5},
    }
    db = make_session_factory(get_engine(settings.database_url))

    def rows() -> list[campaign_repo.CampaignDeviceOut]:
        with db() as session:
            return campaign_repo.devices_of(session, campaign_id=campaign_id)

    with (
        TestClient(create_app(settings)) as api,
        # A device-only worker beside a full one: device I/O scales apart from workflows.
        running_worker(settings, tmp_path / "a.log", "--queues", "devices") as worker_a,
        running_worker(settings, tmp_path / "b.log"),
    ):
        reply = api.post("/v1/campaigns", json=body, headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 201, reply.text
        campaign_id = reply.json()["campaign"]["id"]
        workflow_id = reply.json()["campaign"]["workflow_id"]
        deadline = time.monotonic() + 120
        while sum(r.status == "upgraded" for r in rows()) < 10:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.3)
        stop(worker_a, signal.SIGKILL)
        killed_at = sum(r.status == "upgraded" for r in rows())
        deadline = time.monotonic() + 300
        while True:
            with db() as session:
                status = campaign_repo.get_campaign(session, campaign_id=campaign_id).status
            if status in campaign_repo.FINAL_STATUSES:
                break
            assert time.monotonic() < deadline, status
            await asyncio.sleep(0.5)
    assert status == "completed"
    final = rows()
    assert len(final) == 50 and {r.status for r in final} == {"upgraded"}, final
    assert killed_at < 50, "the kill must land mid-campaign"
    for row in final:
        assert len(lab.record(row.device).reloads) == 1, row.device

    client = temporal_env.client
    identities: set[str] = set()
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in final:
        handle = client.get_workflow_handle(f"{workflow_id}-{row.tenant}-{row.device}")
        history = await handle.fetch_history()
        for event in history.events:
            if event.HasField("activity_task_started_event_attributes"):
                identities.add(event.activity_task_started_event_attributes.identity)
        info = await handle.describe()
        assert info.close_time is not None
        spans[row.tenant].append((info.start_time.timestamp(), info.close_time.timestamp()))
    assert len(identities) >= 2, identities  # device steps ran on both workers
    for tenant, intervals in spans.items():
        moments = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
        running = peak = 0
        for _, delta in moments:
            running += delta
            peak = max(peak, running)
        assert peak <= PER_TENANT, (tenant, peak)
