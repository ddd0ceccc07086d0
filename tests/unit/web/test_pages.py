"""Console pages: tenant scoping like the API, the approver's queue and decisions, forms."""

from __future__ import annotations

import re

from services.core.settings import Settings
from services.store.repos import changes as change_repo
from tests.unit.web.conftest import SignedIn
from tests.unit.web.factories import change, report, sessions, token_id


def test_tenant_sees_only_its_own_changes(signed_in: SignedIn, web_settings: Settings) -> None:
    own = change(web_settings, "acme", site="hq")
    foreign = change(web_settings, "globex", site="nyc")
    client, _, _ = signed_in("tenant", "acme")
    listed = client.get("/console/tenants/acme/changes")
    assert listed.status_code == 200
    assert own in listed.text and foreign not in listed.text
    # The staff-wide pages send a tenant to its own list or refuse it.
    assert client.get("/console/changes").url.path == "/console/tenants/acme/changes"
    assert client.get("/console/tenants").url.path == "/console/tenants/acme/changes"
    assert client.get("/console/approvals").status_code == 403
    staff, _, _ = signed_in("engineer")
    everything = staff.get("/console/changes").text
    assert own in everything and foreign in everything


def test_foreign_tenant_objects_answer_404(signed_in: SignedIn, web_settings: Settings) -> None:
    foreign = change(web_settings, "globex", site="nyc", awaiting=True)
    audit = report(web_settings, "globex", workflow_id="audit-globex-1", days_ago=1, drift=True)
    client, _, csrf = signed_in("tenant", "acme")
    for path in (
        f"/console/tenants/globex/changes/{foreign}",
        f"/console/tenants/acme/changes/{foreign}",  # its id under the caller's own tenant
        "/console/tenants/globex/changes",
        "/console/tenants/globex/changes/new",
        "/console/tenants/globex/compliance",
        f"/console/tenants/globex/compliance/reports/{audit}",
        f"/console/tenants/acme/compliance/reports/{audit}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "globex-nyc-r1" not in response.text and "premium" not in response.text
    status = client.get(f"/console/tenants/globex/changes/{foreign}/status.json")
    assert status.status_code == 404 and status.json()["detail"] == "tenant 'globex' not found"
    posted = client.post(
        f"/console/tenants/globex/changes/{foreign}/approve",
        data={"csrf_token": csrf, "comment": "mine now"},
    )
    assert posted.status_code == 404


def test_approver_queue_shows_policy_reason_and_coloured_diff(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    pending = change(web_settings, "globex", site="nyc", awaiting=True)
    change(web_settings, "acme", site="hq")  # submitted: not waiting for anyone
    client, _, _ = signed_in("approver")
    queue = client.get("/console/approvals").text
    assert queue.count('class="card pending"') == 1 and pending in queue
    assert "need an approver (tenant contract)" in queue
    assert '<span class="add">+ bandwidth 80000</span>' in queue
    assert '<span class="del">- bandwidth 50000</span>' in queue
    detail = client.get(f"/console/tenants/globex/changes/{pending}").text
    assert 'id="decision-form"' in detail
    assert f'href="http://127.0.0.1:8233/namespaces/default/workflows/change-{pending}"' in detail
    assert re.search(r'<li class="reached">planned</li>', detail)
    assert re.search(r'<li class="reached current">awaiting approval</li>', detail)


def test_requester_cannot_decide_their_own_change(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    client, token, csrf = signed_in("approver")
    own = change(
        web_settings,
        "globex",
        site="nyc",
        awaiting=True,
        requested_by="test-approver-all",
        requested_by_token_id=token_id(web_settings, token),
    )
    page = client.get(f"/console/tenants/globex/changes/{own}").text
    assert 'id="decision-form"' not in page and "four-eyes" in page
    response = client.post(
        f"/console/tenants/globex/changes/{own}/approve", data={"csrf_token": csrf, "comment": "x"}
    )
    assert response.status_code == 403
    assert "four-eyes: the requester cannot decide their own change" in response.text
    with sessions(web_settings)() as session:
        assert change_repo.approvals(session, tenant="globex", change_id=own) == []


def test_decisions_need_a_comment_the_role_and_a_live_workflow(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    pending = change(web_settings, "globex", site="nyc", awaiting=True)
    path = f"/console/tenants/globex/changes/{pending}"
    tenant, _, tenant_csrf = signed_in("tenant", "globex")
    refused = tenant.post(f"{path}/approve", data={"csrf_token": tenant_csrf, "comment": "ok"})
    assert refused.status_code == 403 and "needs one of" in refused.text
    approver, _, csrf = signed_in("approver")
    empty = approver.post(f"{path}/approve", data={"csrf_token": csrf, "comment": "  "})
    assert empty.status_code == 422 and "comment" in empty.text
    # Temporal is down: the decision is refused and nothing of it is kept.
    down = approver.post(f"{path}/reject", data={"csrf_token": csrf, "comment": "not now"})
    assert down.status_code == 503 and "Temporal is not reachable" in down.text
    assert "not now" in down.text  # the comment survives for another try
    with sessions(web_settings)() as session:
        assert change_repo.approvals(session, tenant="globex", change_id=pending) == []
        assert change_repo.get_change(session, tenant="globex", change_id=pending).status == (  # type: ignore[union-attr]
            "awaiting_approval"
        )
    no_csrf = approver.post(f"{path}/approve", data={"comment": "ok"})
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text


def test_page_text_is_escaped(signed_in: SignedIn, web_settings: Settings) -> None:
    evil = "<script>alert('x')</script>"
    pending = change(web_settings, "globex", site="nyc", awaiting=True, policy_reason=evil)
    client, _, _ = signed_in("approver")
    for path in ("/console/approvals", f"/console/tenants/globex/changes/{pending}"):
        text = client.get(path).text
        assert evil not in text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text


def test_new_change_form_shows_errors_next_to_the_fields(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    client, _, csrf = signed_in("tenant", "acme")
    form = client.get("/console/tenants/acme/changes/new")
    assert form.status_code == 200 and 'value="branch1"' in form.text
    cases = [
        ({"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": "5000"},
         "bandwidth_mbps", "above the 100 Mbps that the circuit of site 'branch1' carries"),
        ({"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": "lots"},
         "bandwidth_mbps", "valid integer"),
        ({"kind": "wan_bandwidth", "site": "atlantis", "bandwidth_mbps": "10"},
         "site", "unknown site 'atlantis'"),
        ({"kind": "qos_profile", "site": "hq", "profile": "gold"}, "profile", "gold"),
        ({"kind": "vlan_handoff", "site": "hq", "vlan_id": "1", "address": "10.0.0.0/24"},
         "vlan_id", "greater than or equal to 2"),
    ]  # fmt: skip
    for data, field, message in cases:
        response = client.post(
            "/console/tenants/acme/changes/new", data={"csrf_token": csrf, **data}
        )
        assert response.status_code == 422, data
        errors = re.findall(
            rf'<p class="field-error" id="error-{field}">([^<]*)</p>', response.text
        )
        assert any(message in e.replace("&#39;", "'") for e in errors), (data, errors)
        assert f'value="{data["site"]}"' in response.text  # what was typed stays in the form
    # A valid request needs Temporal to start its workflow: refused whole, nothing stored.
    valid = {"kind": "qos_profile", "site": "branch1", "profile": "premium"}
    down = client.post("/console/tenants/acme/changes/new", data={"csrf_token": csrf, **valid})
    assert down.status_code == 503 and "Temporal is not reachable" in down.text
    with sessions(web_settings)() as session:
        assert change_repo.list_changes(session, tenant="acme") == []


def test_compliance_pages_show_the_trend_and_drift(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    old = report(web_settings, "acme", workflow_id="audit-acme-old", days_ago=3, drift=True)
    new = report(web_settings, "acme", workflow_id="audit-acme-new", days_ago=1, drift=False)
    client, _, _ = signed_in("tenant", "acme")
    page = client.get("/console/tenants/acme/compliance").text
    svg = page[page.index("<svg") : page.index("</svg>")]
    points = re.search(r'<polyline class="line" points="([^"]+)"', svg)
    assert points and len(points[1].split()) == 2
    (x1, y1), (x2, y2) = (map(float, p.split(",")) for p in points[1].split())
    assert x1 < x2 and y2 < y1, "the newer, better audit sits right of and above the older"
    for report_id, workflow in ((old, "audit-acme-old"), (new, "audit-acme-new")):
        assert f"/console/tenants/acme/compliance/reports/{report_id}" in page
        assert f"/namespaces/default/workflows/{workflow}" in page
    detail = client.get(f"/console/tenants/acme/compliance/reports/{old}").text
    assert '<span class="add">+ ntp server 192.0.2.11</span>' in detail
    assert '<span class="del">- ntp server 203.0.113.123</span>' in detail
    assert "/namespaces/default/workflows/audit-acme-old" in detail
