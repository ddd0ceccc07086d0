"""A change through the console end to end: Temporal dev server, a worker, the lab over SSH.

A globex tenant asks for another QoS profile in the browser; its contract needs an approver,
who approves with a comment in another browser; an admin runs it now instead of waiting for
the window; the tenant watches the timeline reach `verified` and the device got one session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from services.bootstrap import prepare_local
from services.core.settings import Settings
from tests.browser.conftest import ServeConsole
from tests.integration.backup.test_fleet_backup import scoped
from tests.utils.api import make_token
from tests.utils.lab import ThreadedLab
from tests.utils.processes import running_worker
from tests.utils.requirements import require_module

require_module("playwright.sync_api", "playwright is a test extra")
from playwright.sync_api import Browser, expect  # noqa: E402

from tests.browser.console import ConsoleUser  # noqa: E402

pytestmark = pytest.mark.browser
FLOW_TIMEOUT_MS = 90_000


def test_approve_a_change_and_see_it_applied(
    browser: Browser,
    serve_console: ServeConsole,
    temporal_env: WorkflowEnvironment,
    lab: ThreadedLab,
    lab_settings: Settings,
    screens: Path,
    tmp_path: Path,
) -> None:
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    with running_worker(settings, tmp_path / "worker.log"):
        base = serve_console(settings)
        tenant = ConsoleUser(browser, base, screens, "globex")
        page = tenant.sign_in(make_token(settings, "tenant", tenant="globex"))
        page = tenant.visit("/console/tenants/globex/changes/new", "new-change")
        page.select_option("#kind", "qos_profile")
        page.fill("#site", "nyc")
        page.fill("#profile", "standard")
        tenant.shot("filled-in")
        page.click("#submit-change")
        # The page follows the workflow by itself (it polls and reloads on a new status).
        expect(page.locator("#change-status")).to_have_text(
            "awaiting approval", timeout=FLOW_TIMEOUT_MS
        )
        expect(page.locator("#policy-reason")).to_contain_text("approver")
        tenant.shot("awaiting-approval")
        change_url = page.url
        devices = page.locator(".device[data-device]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.device)"
        )
        assert devices and all(lab.record(d).config_sessions == [] for d in devices)

        approver = ConsoleUser(browser, base, screens, "approver")
        page = approver.sign_in(make_token(settings, "approver"))
        card = page.locator("article.pending")
        expect(card).to_have_count(1)
        expect(card.locator("details")).to_have_count(len(devices))  # a diff per device
        card.locator("details summary").first.click()
        expect(card.locator("pre.diff .add").first).to_be_visible()
        approver.shot("queue")
        card.get_by_role("link", name="Review and decide").click()
        expect(page.locator("pre.diff .add").first).to_be_visible()
        approver.shot("review")
        page.click("#approve")  # no comment: the browser asks for one (required)
        assert page.url == change_url
        page.fill("#comment", "fits the contract; change board ok")
        page.click("#approve")
        expect(page.get_by_role("status")).to_contain_text("Approved")
        expect(page.locator(".approvals")).to_contain_text("fits the contract")
        approver.shot("approved")

        admin = ConsoleUser(browser, base, screens, "admin")
        page = admin.sign_in(make_token(settings, "admin"))
        page.goto(change_url)
        expect(page.locator("#override-form")).to_be_visible(timeout=FLOW_TIMEOUT_MS)
        admin.shot("scheduled")
        page.fill("#reason", "customer asked for it tonight")
        page.click("#override")
        expect(page.get_by_role("status")).to_contain_text("Window overridden")
        admin.shot("overridden")

        # The tenant's page never left the change: it follows the workflow by reloading itself
        # on each new status (a goto here would race with those reloads).
        page = tenant.page
        assert page.url == change_url
        expect(page.locator("#change-status")).to_have_text("verified", timeout=FLOW_TIMEOUT_MS)
        expect(page.locator("ol.steps li.current")).to_have_text("verified")
        statuses = page.locator("#timeline .status").all_inner_texts()
        assert statuses == [
            "submitted", "planned", "awaiting approval", "approved", "scheduled", "applying",
            "verified",
        ]  # fmt: skip
        tenant.shot("verified")
        for device in devices:  # one session pushed the change (a confirmation adds none)
            sessions = lab.record(device).config_sessions
            assert (
                len(
                    [
                        s
                        for s in sessions
                        if any(
                            not ln.text.startswith(("exit", "commit", "rollback")) for ln in s.lines
                        )
                    ]
                )
                == 1
            ), device
        for user in (tenant, approver, admin):
            user.close()
