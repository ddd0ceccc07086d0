"""The console in a real browser without Temporal: sign in and out, and tenant isolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.core.settings import Settings
from services.intent.model import IntentEdit
from tests.browser.conftest import ServeConsole
from tests.unit.web.factories import back_up_files_config, change, report, revise
from tests.utils.api import make_token
from tests.utils.requirements import require_module

require_module("playwright.sync_api", "playwright is a test extra")
from playwright.sync_api import Browser, expect  # noqa: E402

from tests.browser.console import ConsoleUser  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture
def console_settings(settings: Settings) -> Settings:
    # Nothing listens on port 1: these pages need no Temporal.
    return settings.model_copy(update={"temporal_address": "127.0.0.1:1"})


def test_sign_in_and_out(
    browser: Browser, serve_console: ServeConsole, console_settings: Settings, screens: Path
) -> None:
    base = serve_console(console_settings)
    user = ConsoleUser(browser, base, screens, "approver")
    page = user.visit("/console/approvals", "redirected-to-sign-in")
    assert page.url.endswith("/console/login?next=/console/approvals")
    page.fill("#token", "nw_000000000000_" + "a" * 43)
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("unknown, malformed, expired or revoked")
    user.shot("bad-token")
    page.fill("#token", make_token(console_settings, "approver"))
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Waiting for an approver")
    assert page.url.endswith("/console/approvals")  # back where the user was going
    user.shot("approvals")
    cookie = next(c for c in user.context.cookies() if c["name"] == "netwave_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == "", "scripts cannot read the session cookie"
    page.click("#sign-out")
    expect(page.locator("h1")).to_have_text("Sign in")
    user.shot("signed-out")
    page.goto("/console/approvals")
    expect(page.locator("h1")).to_have_text("Sign in")
    user.close()


def test_tenant_sees_only_its_own_changes_and_reports(
    browser: Browser, serve_console: ServeConsole, console_settings: Settings, screens: Path
) -> None:
    own = change(console_settings, "acme", site="hq", awaiting=True)
    foreign = change(console_settings, "globex", site="nyc", awaiting=True)
    report(console_settings, "acme", workflow_id="audit-acme-1", days_ago=3, drift=True)
    report(console_settings, "acme", workflow_id="audit-acme-2", days_ago=2, drift=True)
    latest = report(console_settings, "acme", workflow_id="audit-acme-3", days_ago=1, drift=False)
    hidden = report(
        console_settings, "globex", workflow_id="audit-globex-1", days_ago=1, drift=True
    )
    base = serve_console(console_settings)
    user = ConsoleUser(browser, base, screens, "acme")
    page = user.sign_in(make_token(console_settings, "tenant", tenant="acme"))

    expect(page.locator("header nav a")).to_have_text(
        ["Changes", "New change", "Compliance", "Audit log"]
    )
    rows = page.locator("#changes tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-change", own)
    page.click(f"#changes tr[data-change='{own}'] a")
    expect(page.locator("#timeline li")).to_have_count(3)  # submitted, planned, awaiting
    expect(page.locator("pre.diff .add")).to_have_text("+ bandwidth 80000")
    expect(page.locator("#decision-form")).to_have_count(0)  # a tenant never decides
    temporal = page.locator("a.temporal")
    expect(temporal).to_have_attribute(
        "href", f"http://127.0.0.1:8233/namespaces/default/workflows/change-{own}"
    )
    user.shot("own-change")

    page = user.visit("/console/tenants/acme/compliance", "compliance")
    expect(page.locator("#trend circle.point")).to_have_count(3)
    expect(page.locator("#reports tbody tr")).to_have_count(3)
    page.click(f"#reports tr[data-report='{latest}'] td a >> nth=0")
    expect(page.locator("h1")).to_contain_text("Audit of acme")
    user.shot("report")

    for path, label in (
        (f"/console/tenants/globex/changes/{foreign}", "foreign-change"),
        (f"/console/tenants/acme/changes/{foreign}", "foreign-change-own-path"),
        ("/console/tenants/globex/compliance", "foreign-compliance"),
        (f"/console/tenants/acme/compliance/reports/{hidden}", "foreign-report"),
    ):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.locator("h1")).to_have_text("Not found")
        assert "globex-nyc-r1" not in page.content()
        user.shot(label)
    user.close()


def test_new_change_form_shows_errors_next_to_fields(
    browser: Browser, serve_console: ServeConsole, console_settings: Settings, screens: Path
) -> None:
    base = serve_console(console_settings)
    user = ConsoleUser(browser, base, screens, "acme")
    page = user.sign_in(make_token(console_settings, "tenant", tenant="acme"))
    page = user.visit("/console/tenants/acme/changes/new", "new-change")
    expect(page.locator("fieldset[data-kind=qos_profile]")).to_be_hidden()
    page.fill("#site", "branch1")
    page.fill("#bandwidth_mbps", "5000")
    page.click("#submit-change")
    expect(page.locator("#error-bandwidth_mbps")).to_contain_text(
        "above the 100 Mbps that the circuit of site 'branch1' carries"
    )
    expect(page.locator("#site")).to_have_value("branch1")
    user.shot("bandwidth-error")
    page.select_option("#kind", "vlan_handoff")
    expect(page.locator("fieldset[data-kind=vlan_handoff]")).to_be_visible()
    page.fill("#vlan_id", "5000")
    page.fill("#address", "10.0.0.0/24")
    page.click("#submit-change")
    expect(page.locator("#error-vlan_id")).to_contain_text("less than or equal to 4094")
    expect(page.locator("#error-address")).to_contain_text("network or broadcast")
    user.shot("vlan-errors")
    user.close()


def test_device_page_shows_intent_against_running(
    browser: Browser, serve_console: ServeConsole, console_settings: Settings, screens: Path
) -> None:
    device = "acme-branch1-r1"
    edit = IntentEdit(path="wan.bandwidth_mbps", before=50, after=100)
    changed = revise(console_settings, "acme", device, [edit], site="branch1")
    back_up_files_config(console_settings, "acme", device)
    base = serve_console(console_settings)
    user = ConsoleUser(browser, base, screens, "acme")
    user.sign_in(make_token(console_settings, "tenant", tenant="acme"))
    page = user.visit(f"/console/tenants/acme/devices/{device}", "device")
    expect(page.locator("h1")).to_contain_text(device)
    expect(page.locator("#config pre.diff .del")).to_contain_text(["- bandwidth 50000"])
    expect(page.locator("#config pre.diff .add")).to_contain_text(["+ bandwidth 100000"])
    source = page.locator("#values tr[data-path='wan.bandwidth_mbps']")
    expect(source).to_contain_text("alice@acme")
    expect(page.locator("#values tr[data-path='wan.interface']")).to_contain_text("inventory file")
    expect(page.locator("#history tr[data-revision='1'] .status")).to_have_text("applied")
    source.locator("a").click()
    expect(page.locator("p.muted code")).to_have_text(changed)  # the change that set it
    user.shot("source-change")
    response = page.goto("/console/tenants/globex/devices/globex-nyc-r1")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Not found")
    user.shot("foreign-device")
    user.close()
