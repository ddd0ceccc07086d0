"""A device whose rollback left lines behind: listed, refused to new changes, remediations and
campaigns (naming the change and how to clear it), cleared by an engineer with a comment."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import audit_log as audit_log_repo
from tests.utils.api import bearer, make_token, mark_for_attention

DEVICE = "acme-branch1-r1"  # the only edge of site branch1


@pytest.fixture
def marked(client: TestClient, api_settings: Settings) -> str:
    """DEVICE marked by a change whose rollback left `shape average 50000000` behind."""
    return mark_for_attention(api_settings, DEVICE)


def test_a_marked_device_is_listed_and_refused_until_cleared(
    client: TestClient, api_settings: Settings, marked: str
) -> None:
    tenant = bearer(make_token(api_settings, "tenant", tenant="acme"))
    engineer = bearer(make_token(api_settings, "engineer"))
    listed = client.get("/v1/tenants/acme/attention", headers=tenant)
    assert listed.status_code == 200
    assert [(m["device"], m["change_id"]) for m in listed.json()] == [(DEVICE, marked)]
    foreign = bearer(make_token(api_settings, "tenant", tenant="globex"))
    assert client.get("/v1/tenants/acme/attention", headers=foreign).status_code == 404

    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 80}
    refused = client.post("/v1/tenants/acme/changes", json=body, headers=tenant)
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert f"{DEVICE} needs attention since change {marked}" in detail
    assert "shape average 50000000" in detail and "netwave devices clear-attention" in detail

    campaign = {
        "name": "rollout",
        "kind": "config_rollout",
        "features": ["ntp"],
        "targets": {"tenants": ["acme"], "devices": [DEVICE]},
    }
    launched = client.post("/v1/campaigns", json=campaign, headers=engineer)
    assert launched.status_code == 422, launched.text
    assert f"{DEVICE} needs attention" in launched.json()["detail"][0]["msg"]

    clear = f"/v1/tenants/acme/devices/{DEVICE}/attention/clear"
    assert client.post(clear, json={"comment": "done"}, headers=tenant).status_code == 403
    assert client.post(clear, json={"comment": ""}, headers=engineer).status_code == 422
    cleared = client.post(clear, json={"comment": "restored the shaper"}, headers=engineer)
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()[0]["cleared_by"] and cleared.json()[0]["comment"] == "restored the shaper"
    assert client.get("/v1/tenants/acme/attention", headers=tenant).json() == []
    assert client.post(clear, json={"comment": "again"}, headers=engineer).status_code == 404
    sessions = make_session_factory(get_engine(api_settings.database_url))
    with sessions() as session:
        entries = audit_log_repo.list_entries(session, tenant="acme")
    cleared_entries = [e for e in entries if e.action == "device.attention_clear"]
    assert [e.object for e in cleared_entries] == [f"device:{DEVICE}"]
