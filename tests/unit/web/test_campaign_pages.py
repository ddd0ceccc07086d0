"""Campaign pages without Temporal: staff only, the launch form names the bad field."""

from __future__ import annotations

import re

from services.api.web.campaigns import spec_data
from services.campaigns.spec import CampaignSpec
from services.core.settings import Settings
from services.store.repos import campaign_events as event_repo
from services.store.repos import campaigns as campaign_repo
from tests.unit.app.fakes import FakeClient
from tests.unit.web.conftest import SignedIn
from tests.unit.web.factories import sessions

FORM = {
    "name": "ios-17-9",
    "kind": "os_upgrade",
    "platforms": "cisco_ios",
    "target_versions": "cisco_ios=17.9.4a",
    "canary_size": "1",
    "wave_size": "3",
    "max_concurrency": "3",
    "max_failures": "0",
    "respect_windows": "on",
}


def errors_of(text: str, field: str) -> list[str]:
    found = re.findall(rf'<p class="field-error" id="error-{field}">([^<]*)</p>', text)
    return [e.replace("&#39;", "'") for e in found]


def test_the_form_becomes_the_api_spec() -> None:
    data = spec_data({**FORM, "tenants": "acme, globex", "approve_after_canary": "on"})
    assert data["targets"]["tenants"] == ["acme", "globex"]
    assert data["targets"]["platforms"] == ["cisco_ios"]
    assert data["target_versions"] == {"cisco_ios": "17.9.4a"}
    assert data["strategy"]["approve_after_canary"] is True
    assert data["strategy"]["wave_size"] == 3 and data["respect_windows"] is True


def test_campaigns_are_for_msp_staff_only(signed_in: SignedIn) -> None:
    tenant, _, _ = signed_in("tenant", "acme")
    for path in ("/console/campaigns", "/console/campaigns/new", "/console/campaigns/x"):
        assert tenant.get(path).status_code == 403, path
    approver, _, _ = signed_in("approver")
    assert approver.get("/console/campaigns").status_code == 200
    assert approver.get("/console/campaigns/new").status_code == 403  # engineers launch
    engineer, _, _ = signed_in("engineer")
    listing = engineer.get("/console/campaigns")
    assert listing.status_code == 200 and 'id="launch"' in listing.text
    assert engineer.get("/console/campaigns/no-such-campaign").status_code == 404


def test_launch_form_shows_errors_next_to_the_fields(signed_in: SignedIn) -> None:
    client, _, csrf = signed_in("engineer")
    cases = [
        ({"name": "bad name!"}, "name", "should match pattern"),
        ({"target_versions": ""}, "kind", "an os_upgrade needs target_versions"),
        ({"wave_size": "0"}, "wave_size", "greater than or equal to 1"),
        ({"target_versions": "cisco_ios=99.1.1"}, "target_versions", "99.1.1"),
        ({"tenants": "nosuch"}, "tenants", "nosuch"),
    ]
    for change, field, message in cases:
        response = client.post(
            "/console/campaigns/new", data={"csrf_token": csrf, **FORM, **change}
        )
        assert response.status_code == 422, (change, response.text[-2000:])
        assert any(message in e for e in errors_of(response.text, field)), (
            change,
            errors_of(response.text, field),
            re.findall(r'class="field-error"[^>]*>[^<]*', response.text),
        )
    outside = {**FORM, "respect_windows": ""}
    refused = client.post("/console/campaigns/new", data={"csrf_token": csrf, **outside})
    assert refused.status_code == 403 and "only an admin" in refused.text
    down = client.post("/console/campaigns/new", data={"csrf_token": csrf, **FORM})
    assert down.status_code == 503 and "Temporal is not reachable" in down.text
    assert "No campaign yet" in client.get("/console/campaigns").text


def _campaign(settings: Settings, status: str = "running") -> str:
    """A campaign of acme's hq router as the API records it, launched by noc-bob."""
    with sessions(settings).begin() as session:
        campaign_repo.create_campaign(
            session,
            campaign_id="c-1",
            name="ios-17-9",
            kind="os_upgrade",
            spec=CampaignSpec.model_validate(
                {"name": "ios-17-9", "kind": "os_upgrade", "target_versions": {"cisco_ios": "2"}}
            ).model_dump(mode="json"),
            created_by="noc-bob",
            created_by_token_id=None,
            workflow_id="campaign-c-1",
        )
        campaign_repo.add_devices(
            session, campaign_id="c-1", devices=[("acme", "acme-hq-r1", "cisco_ios", 0)]
        )
        event_repo.record_event(session, campaign_id="c-1", event="launched", actor="noc-bob")
        if status != "running":
            event_repo.record_event(
                session, campaign_id="c-1", event="paused", actor="noc-eve", comment="<b>freeze</b>"
            )
            campaign_repo.set_status(session, campaign_id="c-1", status="completed")
            event_repo.record_event(session, campaign_id="c-1", event="completed", actor="netwave")
    return "c-1"


def event_rows(text: str) -> list[tuple[str, ...]]:
    """(event, by, tenant, comment) of each row of the events table, in page order."""
    table = text.split('id="events"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<tr data-event="[^"]*">\s*<td><time>[^<]*</time></td>\s*<td>([^<]*)</td>\s*'
        r'<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*<td class="comment">([^<]*)</td>',
        table,
    )
    return [(event, by, tenant, comment) for by, event, tenant, comment in rows]


def test_the_campaign_page_shows_its_events_oldest_first(
    web_settings: Settings, signed_in: SignedIn
) -> None:
    campaign_id = _campaign(web_settings, status="completed")
    engineer, _, _ = signed_in("engineer")
    page = engineer.get(f"/console/campaigns/{campaign_id}")
    assert page.status_code == 200
    assert event_rows(page.text) == [
        ("launched", "noc-bob", "", ""),
        ("paused", "noc-eve", "", "&lt;b&gt;freeze&lt;/b&gt;"),
        ("completed", "netwave", "", ""),
    ]
    admin, _, _ = signed_in("admin")
    assert 'id="override-form"' not in admin.get(f"/console/campaigns/{campaign_id}").text


def test_an_admin_overrides_the_window_from_the_campaign_page(
    web_settings: Settings, signed_in: SignedIn
) -> None:
    campaign_id = _campaign(web_settings)
    path = f"/console/campaigns/{campaign_id}"
    engineer, _, engineer_csrf = signed_in("engineer")
    assert 'id="override-form"' not in engineer.get(path).text
    refused = engineer.post(
        f"{path}/override-window", data={"csrf_token": engineer_csrf, "reason": "outage"}
    )
    assert refused.status_code == 403
    admin, _, csrf = signed_in("admin")
    temporal = FakeClient()
    admin.app.state.netwave._temporal = temporal  # type: ignore[attr-defined]
    assert 'id="override-form"' in admin.get(path).text
    blank = admin.post(f"{path}/override-window", data={"csrf_token": csrf, "reason": " "})
    assert blank.status_code == 422 and "reason: String should have at least 1" in blank.text
    bell = admin.post(f"{path}/override-window", data={"csrf_token": csrf, "reason": "a\x07b"})
    assert bell.status_code == 422
    assert "reason: must not contain control characters (found &#39;\\x07&#39;)" in bell.text
    assert temporal.handle.updates == []
    done = admin.post(
        f"{path}/override-window",
        data={"csrf_token": csrf, "reason": "customer outage", "tenant": "acme"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{path}?done=override-window"
    assert [u for u, _ in temporal.handle.updates] == ["override_window"]
    rows = event_rows(admin.get(done.headers["location"]).text)
    assert rows[-1] == ("window overridden", "test-admin-all", "acme", "customer outage"), rows
