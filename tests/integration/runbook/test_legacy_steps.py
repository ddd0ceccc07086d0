"""Device runs started before the one device runbook finish after the upgrade: their old
one-activity-a-step path calls the activities of workflows/runbook/legacy.py, which still do
what they did (a change verified or rolled back; a rollout applied, skipped or restored)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.changes.plan import same_config
from services.core.settings import Settings
from tests.integration.backup.test_fleet_backup import workers
from tests.integration.change_flow.test_change_workflow import apply_in_an_opened_window
from tests.integration.runbook.legacy_workflows import (
    OldDeviceChangeWorkflow,
    OldDeviceRolloutWorkflow,
)
from tests.utils.campaigns import finished, launch, statuses, wait_for
from tests.utils.lab import ThreadedLab
from workflows.registry import WORKFLOWS

OLD = {
    "DeviceChangeWorkflow": OldDeviceChangeWorkflow,
    "DeviceRolloutWorkflow": OldDeviceRolloutWorkflow,
}


@pytest_asyncio.fixture
async def old_workers(
    temporal_env: WorkflowEnvironment,
    campaign_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[None]:
    """The campaign tests' workers, running the device workflows as they were before."""
    old = [OLD.get(w.__name__, w) for w in WORKFLOWS]
    monkeypatch.setattr("services.worker.main.WORKFLOWS", old)
    async with workers(temporal_env.client, campaign_settings):
        yield


@pytest.mark.usefixtures("old_workers")
async def test_an_old_change_run_is_verified_or_rolled_back_by_the_old_steps(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 70}
    doc = await apply_in_an_opened_window(api, tokens, body)
    assert doc["change"]["status"] == "verified", doc["change"]
    assert " bandwidth 70000" in lab.running_config("acme-branch1-r1")

    before = lab.running_config("acme-hq-r1")
    lab.set_fault("acme-hq-r1", reject_line=r"^\s*bandwidth ")
    body = {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 600}
    doc = await apply_in_an_opened_window(api, tokens, body)
    assert doc["change"]["status"] == "rolled_back", doc["change"]
    assert "running config equals the pre-change backup" in doc["change"]["failure"]
    assert same_config("cisco_ios", lab.running_config("acme-hq-r1"), before)


@pytest.mark.usefixtures("old_workers")
async def test_an_old_rollout_run_is_applied_skipped_or_restored_by_the_old_steps(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = {
        "name": "ntp-old",
        "kind": "config_rollout",
        "features": ["ntp"],
        "targets": {"tenants": ["acme"], "platforms": ["cisco_ios"]},
        "strategy": {"canary_size": 0, "wave_size": 5, "max_failures": 5},
        "respect_windows": False,
        "post_check": {"settle_seconds": 3},
    }
    doc = await wait_for(
        api, await launch(api, tokens["admin"], body), tokens["engineer"], finished
    )
    assert statuses(doc) == {"acme-branch1-r1": "applied", "acme-hq-r1": "skipped"}, doc
    record = lab.record("acme-branch1-r1")
    assert record.saves and not record.safety_nets, "the old rollout: a plain push, saved"

    lab.reset("acme-branch1-r1")
    before = lab.running_config("acme-branch1-r1")
    lab.set_fault("acme-branch1-r1", reject_line="^ntp server 192")
    campaign_id = await launch(api, tokens["admin"], body | {"name": "ntp-old-again"})
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    device = next(d for d in doc["devices"] if d["device"] == "acme-branch1-r1")
    assert device["status"] == "rolled_back", device
    assert "equals the pre-rollout backup" in device["detail"]
    assert lab.running_config("acme-branch1-r1") == before
