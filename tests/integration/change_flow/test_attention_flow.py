"""A change already scheduled when its device is marked for attention (an earlier rollback
left lines behind) fails at its pre-check with nothing pushed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.core.settings import Settings
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.api import mark_for_attention
from tests.utils.lab import ThreadedLab


@pytest.mark.usefixtures("running_workers")
async def test_a_scheduled_change_does_not_touch_a_device_that_needs_attention(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
) -> None:
    device = "acme-branch1-r1"
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 80}
    created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    assert created.status_code == 201, created.text
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    await wait_status(api, path, tokens["acme"], {"scheduled"})

    # Meanwhile, another change's rollback left lines behind.
    earlier = mark_for_attention(change_settings, device)
    lab.reset_records(device)
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    doc = await wait_status(api, path, tokens["acme"], FINAL)
    assert doc["change"]["status"] == "failed", doc["change"]
    failure = doc["change"]["failure"]
    assert f"{device} needs attention since change {earlier}" in failure, failure
    assert "nothing pushed" in failure and "rollback" not in failure.split("nothing pushed")[1]
    assert lab.record(device).config_sessions == []
