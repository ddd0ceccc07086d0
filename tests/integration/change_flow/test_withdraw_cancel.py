"""Withdraw and cancel: a tenant takes its change back, staff stop any change, both before it
applies; the workflow ends without touching a device, and the timeline says who and why.
An admin's window override is on the timeline too, with the new window start."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import audit_log as audit_log_repo
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.lab import ThreadedLab

NEEDS_APPROVAL = {"kind": "qos_profile", "site": "branch1", "profile": "premium"}
AUTO_APPROVED = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 80}
DEVICE = "acme-branch1-r1"


async def request(api: TestClient, body: dict[str, Any], headers: dict[str, str]) -> str:
    created = await post(api, "/v1/tenants/acme/changes", json=body, headers=headers)
    assert created.status_code == 201, created.text
    change_id: str = created.json()["change"]["id"]
    return change_id


def audit_actions(settings: Settings, change_id: str) -> list[str]:
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions() as session:
        entries = audit_log_repo.list_entries(session, tenant="acme", limit=500)
    return [e.action for e in entries if e.object == f"change:{change_id}"]


@pytest.mark.usefixtures("running_workers")
async def test_the_tenant_withdraws_a_change_awaiting_approval(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
) -> None:
    change_id = await request(api, NEEDS_APPROVAL, tokens["acme"])
    path = f"/v1/tenants/acme/changes/{change_id}"
    await wait_status(api, path, tokens["acme"], {"awaiting_approval"})
    lab.reset_records(DEVICE)

    blank = await post(api, f"{path}/withdraw", json={"reason": "  "}, headers=tokens["acme"])
    assert blank.status_code == 422
    for who in ("approver", "admin"):  # staff cancel; withdrawing is the tenant's
        refused = await post(api, f"{path}/withdraw", json={"reason": "x"}, headers=tokens[who])
        assert refused.status_code == 403, refused.text
    other = "/v1/tenants/acme/changes/" + change_id + "/withdraw"
    assert (
        await post(api, other, json={"reason": "x"}, headers=tokens["globex"])
    ).status_code == 404

    done = await post(
        api, f"{path}/withdraw", json={"reason": "budget moved to Q3"}, headers=tokens["acme"]
    )
    assert done.status_code == 200, done.text
    doc = await wait_status(api, path, tokens["acme"], {*FINAL, "withdrawn", "cancelled"})
    assert doc["change"]["status"] == "withdrawn"
    last = doc["events"][-1]
    assert (last["to_status"], last["actor"], last["detail"]) == (
        "withdrawn",
        "test-tenant-acme",
        {"reason": "budget moved to Q3"},
    )
    assert "change.withdraw" in audit_actions(change_settings, change_id)
    assert lab.record(DEVICE).config_sessions == []
    again = await post(api, f"{path}/withdraw", json={"reason": "twice"}, headers=tokens["acme"])
    assert again.status_code == 409 and "withdrawn" in again.text
    late = await post(api, f"{path}/approve", json={"comment": "ok"}, headers=tokens["approver"])
    assert late.status_code == 409


@pytest.mark.usefixtures("running_workers")
async def test_staff_cancel_a_scheduled_change_and_nothing_reaches_the_device(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
) -> None:
    change_id = await request(api, AUTO_APPROVED, tokens["acme"])
    path = f"/v1/tenants/acme/changes/{change_id}"
    await wait_status(api, path, tokens["acme"], {"scheduled"})  # the window is closed
    lab.reset_records(DEVICE)
    refused = await post(api, f"{path}/cancel", json={"reason": "x"}, headers=tokens["acme"])
    assert refused.status_code == 403
    done = await post(
        api, f"{path}/cancel", json={"reason": "carrier freeze"}, headers=tokens["approver"]
    )
    assert done.status_code == 200, done.text
    doc = await wait_status(api, path, tokens["acme"], {*FINAL, "withdrawn", "cancelled"})
    assert doc["change"]["status"] == "cancelled"
    assert doc["events"][-1]["detail"] == {"reason": "carrier freeze"}
    assert lab.record(DEVICE).config_sessions == []
    override = await post(
        api, f"{path}/override-window", json={"reason": "too late"}, headers=tokens["admin"]
    )
    assert override.status_code == 409
    # The device is free again: the next change on it runs.
    assert "change.cancel" in audit_actions(change_settings, change_id)


@pytest.mark.usefixtures("running_workers")
async def test_a_change_that_applied_can_no_longer_be_stopped_and_the_override_is_shown(
    api: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    change_id = await request(api, AUTO_APPROVED, tokens["acme"])
    path = f"/v1/tenants/acme/changes/{change_id}"
    scheduled = await wait_status(api, path, tokens["acme"], {"scheduled"})
    planned_start = scheduled["change"]["window_start"]
    before = datetime.now().astimezone()
    override = await post(
        api, f"{path}/override-window", json={"reason": "outage bridge"}, headers=tokens["admin"]
    )
    assert override.status_code == 200, override.text
    doc = await wait_status(api, path, tokens["acme"], FINAL)
    assert doc["change"]["status"] == "verified", doc["change"]
    [event] = [e for e in doc["events"] if "window_override" in (e["detail"] or {})]
    assert event["actor"] == "test-admin-all"
    assert event["detail"]["window_override"] == "outage bridge"
    started = datetime.fromisoformat(doc["change"]["window_start"])
    assert started != datetime.fromisoformat(planned_start) and started >= before
    for action, who in (("withdraw", "acme"), ("cancel", "admin")):
        late = await post(api, f"{path}/{action}", json={"reason": "x"}, headers=tokens[who])
        assert late.status_code == 409 and "no longer" in late.text, late.text
    await asyncio.sleep(0)


@pytest.mark.usefixtures("running_workers")
async def test_the_console_withdraws_and_shows_it_on_the_timeline(
    api: TestClient, tokens: dict[str, dict[str, str]], change_settings: Settings
) -> None:
    from tests.unit.web.conftest import sign_in
    from tests.utils.api import make_token

    change_id = await request(api, NEEDS_APPROVAL, tokens["acme"])
    path = f"/v1/tenants/acme/changes/{change_id}"
    await wait_status(api, path, tokens["acme"], {"awaiting_approval"})
    csrf = await asyncio.to_thread(
        sign_in, api, make_token(change_settings, "tenant", tenant="acme")
    )
    page = f"/console/tenants/acme/changes/{change_id}"
    shown = await asyncio.to_thread(api.get, page)
    assert 'id="stop-form"' in shown.text and "Withdraw this change" in shown.text
    form = {"csrf_token": csrf, "reason": "ordered twice"}
    done = await asyncio.to_thread(
        lambda: api.post(f"{page}/withdraw", data=form, follow_redirects=False)
    )
    assert done.status_code == 303, done.text
    doc = await wait_status(api, path, tokens["acme"], {*FINAL, "withdrawn", "cancelled"})
    assert doc["change"]["status"] == "withdrawn"
    after = await asyncio.to_thread(api.get, page)
    assert "ordered twice" in after.text and 'id="stop-form"' not in after.text
