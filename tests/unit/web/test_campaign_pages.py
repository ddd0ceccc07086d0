"""Campaign pages without Temporal: staff only, the launch form names the bad field."""

from __future__ import annotations

import re

from services.api.web.campaigns import spec_data
from tests.unit.web.conftest import SignedIn

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
