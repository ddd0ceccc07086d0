"""A capacity change logs in to its device once per step, not once per thing it reads or does
(issue #22): plan, plan check, backup + pre-check, push, verify + save. Before the one device
runbook the same change logged in 8 times (the backup, the pre-check, the push's read and the
push, the post-checks and the save each had a session of their own)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.change_flow.test_change_workflow import apply_in_an_opened_window
from tests.utils.lab import ThreadedLab

STEPS = ("plan_change", "plan_is_current", "device_prepare", "device_push", "device_verify")


@pytest.mark.usefixtures("running_workers")
async def test_a_capacity_change_logs_in_once_per_step(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    name = "acme-branch1-r1"
    lab.reset_records(name)
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 70}
    doc = await apply_in_an_opened_window(api, tokens, body)
    assert doc["change"]["status"] == "verified", doc["change"]
    logins = lab.record(name).successful_logins
    print(f"\nSSH logins for one capacity change on {name}: {logins}")
    assert logins == len(STEPS), lab.record(name).logins
