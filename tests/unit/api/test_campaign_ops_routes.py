"""POST /v1/campaigns/{id}/override-window and GET /v1/campaigns/{id}/events: who may, what is
refused with which status, the history in order."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.campaigns.spec import CampaignSpec
from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import campaign_events as event_repo
from services.store.repos import campaigns as campaign_repo
from tests.unit.app.fakes import FakeClient
from tests.utils.api import bearer, make_token

SPEC = CampaignSpec.model_validate(
    {"name": "ios-17-9", "kind": "os_upgrade", "target_versions": {"cisco_ios": "17.9.4a"}}
)
OVERRIDE = "/v1/campaigns/{}/override-window"


def _campaign(settings: Settings, campaign_id: str, status: str = "running") -> str:
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions.begin() as session:
        campaign_repo.create_campaign(
            session,
            campaign_id=campaign_id,
            name=SPEC.name,
            kind=SPEC.kind,
            spec=SPEC.model_dump(mode="json"),
            created_by="noc-bob",
            created_by_token_id=None,
            workflow_id=f"campaign-{campaign_id}",
        )
        campaign_repo.add_devices(
            session, campaign_id=campaign_id, devices=[("acme", "acme-hq-r1", "cisco_ios", 0)]
        )
        event_repo.record_event(session, campaign_id=campaign_id, event="launched", actor="noc-bob")
        if status != "running":
            campaign_repo.set_status(session, campaign_id=campaign_id, status=status)  # type: ignore[arg-type]
    return campaign_id


@pytest.fixture
def temporal(client: TestClient) -> Iterator[FakeClient]:
    """A Temporal that takes every update (the workflow's validator is the workflow's test)."""
    fake = FakeClient()
    client.app.state.netwave._temporal = fake  # type: ignore[attr-defined]
    yield fake


@pytest.fixture
def tokens(api_settings: Settings) -> dict[str, dict[str, str]]:
    return {
        role: bearer(make_token(api_settings, role, principal=f"{role}@msp.example"))
        for role in ("engineer", "approver", "admin")
    } | {"acme": bearer(make_token(api_settings, "tenant", tenant="acme"))}


def test_only_an_admin_overrides_a_campaign_s_window(
    api_settings: Settings,
    client: TestClient,
    temporal: FakeClient,
    tokens: dict[str, dict[str, str]],
) -> None:
    campaign_id = _campaign(api_settings, "c-1")
    for who in ("engineer", "approver", "acme"):
        refused = client.post(
            OVERRIDE.format(campaign_id), json={"reason": "outage"}, headers=tokens[who]
        )
        assert refused.status_code == 403, (who, refused.text)
    assert temporal.handle.updates == []
    body = {"reason": "outage bridge INC-42", "tenant": "acme"}
    done = client.post(OVERRIDE.format(campaign_id), json=body, headers=tokens["admin"])
    assert done.status_code == 200, done.text
    assert done.json()["campaign"]["id"] == campaign_id
    [(update, sent)] = temporal.handle.updates
    assert (update, sent.actor, sent.reason, sent.tenant) == (
        "override_window",
        "admin@msp.example",
        "outage bridge INC-42",
        "acme",
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "reason", "Field required"),
        ({"reason": ""}, "reason", "at least 1 character"),
        ({"reason": "  "}, "reason", "must say why"),
        ({"reason": "outage\r\nX-Injected: 1"}, "reason", "control characters"),
        ({"reason": "x" * 501}, "reason", "at most 500 characters"),
        ({"reason": "ok", "tenant": "ACME corp"}, "tenant", "should match pattern"),
        ({"reason": "ok", "tenant": "initech"}, "tenant", "no device in this campaign"),
    ],
)
def test_a_bad_override_is_refused_with_the_field_named(
    api_settings: Settings,
    client: TestClient,
    temporal: FakeClient,
    tokens: dict[str, dict[str, str]],
    body: dict[str, str],
    field: str,
    message: str,
) -> None:
    campaign_id = _campaign(api_settings, "c-2")
    refused = client.post(OVERRIDE.format(campaign_id), json=body, headers=tokens["admin"])
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["detail"]
    assert error["loc"] == ["body", field] and message in error["msg"], error
    assert temporal.handle.updates == []


def test_an_ended_campaign_s_window_is_a_conflict(
    api_settings: Settings,
    client: TestClient,
    temporal: FakeClient,
    tokens: dict[str, dict[str, str]],
) -> None:
    campaign_id = _campaign(api_settings, "c-3", status="completed")
    refused = client.post(
        OVERRIDE.format(campaign_id), json={"reason": "x"}, headers=tokens["admin"]
    )
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "the campaign is completed: only a running campaign's window can be overridden"
    )
    missing = client.post(OVERRIDE.format("nope"), json={"reason": "x"}, headers=tokens["admin"])
    assert missing.status_code == 404
    assert temporal.handle.updates == []


def test_the_events_are_listed_oldest_first_for_staff_only(
    api_settings: Settings,
    client: TestClient,
    temporal: FakeClient,
    tokens: dict[str, dict[str, str]],
) -> None:
    campaign_id = _campaign(api_settings, "c-4")
    path = f"/v1/campaigns/{campaign_id}"
    paused = client.post(f"{path}/pause", json={"comment": "freeze"}, headers=tokens["engineer"])
    assert paused.status_code == 200, paused.text
    body = {"reason": "customer outage"}
    assert client.post(f"{path}/override-window", json=body, headers=tokens["admin"]).is_success
    assert client.post(f"{path}/resume", headers=tokens["engineer"]).is_success
    listed = client.get(f"{path}/events", headers=tokens["approver"])
    assert listed.status_code == 200, listed.text
    assert [(e["event"], e["actor"], e["tenant"], e["comment"]) for e in listed.json()] == [
        ("launched", "noc-bob", None, ""),
        ("paused", "engineer@msp.example", None, "freeze"),
        ("window_overridden", "admin@msp.example", None, "customer outage"),
        ("resumed", "engineer@msp.example", None, ""),
    ]
    assert client.get(f"{path}/events", headers=tokens["acme"]).status_code == 403
    assert client.get("/v1/campaigns/nope/events", headers=tokens["engineer"]).status_code == 404
