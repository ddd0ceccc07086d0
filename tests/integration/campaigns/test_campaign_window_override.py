"""A campaign that waits for a closed maintenance window, on the lab: the admin overrides it
through the API, the device is upgraded at once, and the campaign's events show who and why."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.campaigns.test_campaign_workflow import (  # noqa: F401 (fixtures)
    TARGET,
    api,
    call,
    campaign_settings,
    finished,
    launch,
    running_workers,
    spec,
    statuses,
    tokens,
    wait_for,
)
from tests.utils.lab import ThreadedLab

DEVICE = "acme-hq-r1"


@pytest.mark.usefixtures("running_workers")
async def test_the_admin_overrides_a_closed_window_and_the_device_runs_at_once(
    api: TestClient,  # noqa: F811
    tokens: dict[str, dict[str, str]],  # noqa: F811
    lab: ThreadedLab,
) -> None:
    # The lab's windows open about six months from now: the device waits for acme's.
    body = spec(
        targets={"tenants": ["acme"], "devices": [DEVICE]},
        strategy={"canary_size": 0, "wave_size": 1, "max_concurrency": 1},
        respect_windows=True,
    )
    campaign_id = await launch(api, tokens["engineer"], body)
    await wait_for(
        api, campaign_id, tokens["engineer"], lambda d: statuses(d) == {DEVICE: "waiting_window"}
    )
    path = f"/v1/campaigns/{campaign_id}/override-window"
    by_engineer = await call(api, "POST", path, json={"reason": "x"}, headers=tokens["engineer"])
    assert by_engineer.status_code == 403
    blank = await call(api, "POST", path, json={"reason": " "}, headers=tokens["admin"])
    assert blank.status_code == 422, blank.text
    assert lab.record(DEVICE).reloads == []  # still waiting
    overridden = await call(
        api,
        "POST",
        path,
        json={"reason": "customer outage INC-42", "tenant": "acme"},
        headers=tokens["admin"],
    )
    assert overridden.status_code == 200, overridden.text
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "completed", doc["campaign"]
    assert statuses(doc) == {DEVICE: "upgraded"}
    assert lab.version(DEVICE) == TARGET and len(lab.record(DEVICE).reloads) == 1
    again = await call(api, "POST", path, json={"reason": "late"}, headers=tokens["admin"])
    assert again.status_code == 409 and "completed" in again.json()["detail"]

    listed = await call(
        api, "GET", f"/v1/campaigns/{campaign_id}/events", headers=tokens["approver"]
    )
    assert listed.status_code == 200, listed.text
    history = [(e["event"], e["tenant"], e["comment"]) for e in listed.json()]
    assert history == [
        ("launched", None, ""),
        ("window_overridden", "acme", "customer outage INC-42"),
        ("completed", None, ""),
    ]
    actors = [e["actor"] for e in listed.json()]
    assert actors[1] != actors[0] and actors[2] == "netwave"
    hidden = await call(api, "GET", f"/v1/campaigns/{campaign_id}/events", headers=tokens["acme"])
    assert hidden.status_code == 403
