"""Device page (intent vs running, value sources, history) and the change page's intent views."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.app import changes as change_use_case
from services.core.settings import Settings
from services.intent.model import IntentEdit
from tests.unit.web import factories
from tests.unit.web.conftest import SignedIn
from tests.unit.web.factories import DIFF, back_up_files_config, change

DEVICE = "acme-branch1-r1"  # cisco_ios, 50 Mbps, qos standard
PAGE = f"/console/tenants/acme/devices/{DEVICE}"
EVIL = "<script>alert('x')</script>"
LOCATION = "Acme Branch 1, 20 Mill Road, Shelbyville"


def revise(settings: Settings, edits: list[IntentEdit], kind: str = "wan_bandwidth") -> str:
    return factories.revise(settings, "acme", DEVICE, edits, kind=kind, site="branch1")


def row(page: str, path: str) -> str:
    found = re.search(rf'<tr data-path="{re.escape(path)}">(.*?)</tr>', page, re.S)
    assert found, path
    return found[1]


def test_device_page_shows_sources_diff_and_history(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    bandwidth = revise(
        web_settings,
        [
            IntentEdit(path="wan.bandwidth_mbps", before=50, after=100),
            IntentEdit(path="snmp_location", before=LOCATION, after=EVIL),
        ],
    )
    stale = revise(
        web_settings,
        [IntentEdit(path="qos_profile", before="gold", after="premium")],
        "qos_profile",
    )
    back_up_files_config(web_settings, "acme", DEVICE)
    client, _, _ = signed_in("tenant", "acme")
    response = client.get(PAGE)
    assert response.status_code == 200, response.text
    page = response.text
    # Running (the files' config) against the intent (revision 1's bandwidth).
    assert '<span class="del">- bandwidth 50000</span>' in page
    assert '<span class="add">+ bandwidth 100000</span>' in page
    assert "backup v1" in page and "intended (revision 2)" in page
    assert "boot system" not in page  # only the sections the rules manage
    source = row(page, "wan.bandwidth_mbps")
    assert "<td>100</td>" in source
    assert f'href="/console/tenants/acme/changes/{bandwidth}"' in source
    assert "alice@acme" in source and "bob@msp" in source and "revision 1" in source
    assert "inventory file" in row(page, "wan.interface")
    # Superseded: what the change set and what the file holds now.
    superseded = row(page, "qos_profile")  # the values table's row: the file's value
    assert "inventory file" in superseded and "standard" in superseded
    table = page[page.index('id="superseded"') :]
    assert f"/console/tenants/acme/changes/{stale}" in table
    assert "<td>premium</td>" in table and "<td>standard</td>" in table
    history = page[page.index('id="history"') :]
    assert re.search(r'data-revision="2">.*?s-superseded', history, re.S)
    assert re.search(r'data-revision="1">.*?s-applied', history, re.S)
    assert "sets wan.bandwidth_mbps 50 → 100" in history
    # Autoescaping: a value, an edit and the rendered config never inject markup.
    assert EVIL not in page and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_device_page_without_a_backup_shows_the_intended_config(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    client, _, _ = signed_in("engineer")
    page = client.get(PAGE).text
    assert 'id="no-backup"' in page and "inventory files only" in page
    assert " bandwidth 50000" in page  # the intended config, open
    assert "No change has written this device's intent yet" in page


def test_another_tenants_device_is_404(
    signed_in: SignedIn, web_settings: Settings, client: TestClient
) -> None:
    changed = revise(web_settings, [IntentEdit(path="wan.bandwidth_mbps", before=50, after=100)])
    signed_out = client.get(PAGE, follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == f"/console/login?next={PAGE}"
    globex, _, _ = signed_in("tenant", "globex")
    response = globex.get(PAGE)
    assert response.status_code == 404 and "Not found" in response.text
    assert changed not in response.text and "alice@acme" not in response.text
    acme, _, _ = signed_in("tenant", "acme")
    for path in (
        "/console/tenants/globex/devices/globex-nyc-r1",
        "/console/tenants/acme/devices/globex-nyc-r1",  # globex's device under acme's path
        "/console/tenants/acme/devices/no-such-device",
    ):
        response = acme.get(path)
        assert response.status_code == 404, path
        assert "Not found" in response.text


def test_change_page_shows_the_intent_edit_and_drift_left_alone(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    plan = {
        "device": "acme-hq-r1",
        "platform": "cisco_ios",
        "diff": DIFF,
        "commands": ["interface GigabitEthernet0/0", " bandwidth 500000"],
        "rollback": ["interface GigabitEthernet0/0", " bandwidth 200000"],
        "left_alone": ["interface GigabitEthernet0/0", " description changed by hand"],
        "intent": [{"path": "wan.bandwidth_mbps", "before": 200, "after": 500}],
    }
    params = {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 500}
    pending = change(web_settings, "acme", awaiting=True, params=params, devices=[plan])
    client, _, _ = signed_in("tenant", "acme")
    page = client.get(f"/console/tenants/acme/changes/{pending}").text
    assert "sets wan.bandwidth_mbps 200 → 500" in page
    drift = page[page.index("Existing drift, left alone (not pushed)") :]
    assert " description changed by hand" in drift[: drift.index("</pre>")]
    assert '<a href="/console/tenants/acme/devices/acme-hq-r1">acme-hq-r1</a>' in page
    assert 'class="feature by-feature"' not in page and 'id="features"' not in page


REMEDIATION = {
    "device": DEVICE,
    "platform": "cisco_ios",
    "diff": DIFF,
    "commands": ["no ntp server 203.0.113.123", "ntp server 192.0.2.11", "snmp-server contact x"],
    "rollback": [
        "no ntp server 192.0.2.11",
        "ntp server 203.0.113.123",
        "no snmp-server contact x",
    ],
    "by_feature": {
        "ntp": ["no ntp server 203.0.113.123", "ntp server 192.0.2.11"],
        "snmp": ["snmp-server contact x"],
    },
}


@pytest.fixture
def remediation(web_settings: Settings) -> str:
    params = {"kind": "remediation", "site": "branch1", "device": DEVICE,
              "report_id": "r-1", "features": ["ntp", "snmp"]}  # fmt: skip
    return change(
        web_settings, "acme", site="branch1", awaiting=True, params=params, devices=[REMEDIATION]
    )


def test_remediation_form_has_one_checkbox_per_feature(
    signed_in: SignedIn, remediation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, _, csrf = signed_in("approver")
    path = f"/console/tenants/acme/changes/{remediation}"
    page = client.get(path).text
    boxes = re.findall(
        r'<input type="checkbox" name="feature-(\w+)" id="feature-\1" checked>', page
    )
    assert boxes == ["ntp", "snmp"]
    ntp = page[page.index('data-feature="ntp"') :]
    assert "ntp server 192.0.2.11" in ntp[: ntp.index("</pre>")]
    assert "snmp-server contact x" not in ntp[: ntp.index("</pre>")]

    taken: list[list[str] | None] = []

    async def decide(*_: Any, decision: str, body: Any, **__: Any) -> None:
        assert decision == "approved" and isinstance(body, change_use_case.DecisionBody)
        taken.append(body.features)

    monkeypatch.setattr(change_use_case, "decide_change", decide)
    form = {"csrf_token": csrf, "comment": "ntp only"}
    some = client.post(f"{path}/approve", data=form | {"feature-ntp": "on"}, follow_redirects=False)
    assert some.status_code == 303, some.text
    every = form | {"feature-ntp": "on", "feature-snmp": "on"}
    assert client.post(f"{path}/approve", data=every, follow_redirects=False).status_code == 303
    assert taken == [["ntp"], None]  # all ticked: the whole plan, as the API's default
    none = client.post(f"{path}/approve", data=form)
    assert none.status_code == 422 and "tick at least one feature" in none.text
    assert "ntp only" in none.text and 'id="feature-ntp" checked' in none.text
    assert len(taken) == 2
