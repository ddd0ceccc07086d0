"""Launch and pause a campaign in the browser: Temporal dev server, a worker, the lab."""

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
TIMEOUT_MS = 90_000
IOS = ["acme-branch1-r1", "acme-hq-r1", "globex-nyc-r2", "globex-par-r1", "initech-aus-r1",
       "initech-dal-r2"]  # fmt: skip


def test_launch_and_pause_a_campaign(
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
    for name in IOS:  # slow enough that the campaign is still running when paused
        lab.set_fault(name, slow=0.2)
    with running_worker(settings, tmp_path / "worker.log"):
        base = serve_console(settings)
        engineer = ConsoleUser(browser, base, screens, "engineer")
        engineer.sign_in(make_token(settings, "engineer"))
        # Running outside maintenance windows (so the test need not wait for one) is admin-only.
        admin = ConsoleUser(browser, base, screens, "admin")
        page = admin.sign_in(make_token(settings, "admin"))
        page = admin.visit("/console/campaigns/new", "launch-form")
        page.fill("#name", "ios-17-9")
        page.fill("#platforms", "cisco_ios")
        page.fill("#target_versions", "cisco_ios=99.9.9")
        page.fill("#canary_size", "0")
        page.fill("#wave_size", "2")
        page.fill("#max_concurrency", "1")
        page.fill("#reload_timeout_seconds", "20")
        page.fill("#settle_seconds", "3")
        page.uncheck("#respect_windows")
        page.click("#launch-campaign")
        expect(page.locator("#error-target_versions")).to_contain_text("99.9.9")
        admin.shot("unknown-image")
        page.fill("#target_versions", "cisco_ios=17.9.4a")
        page.click("#launch-campaign")
        expect(page.locator("h1")).to_contain_text("ios-17-9")
        campaign_url = page.url
        expect(page.locator("a.temporal")).to_have_attribute(
            "href", f"{settings.temporal_ui_url}/namespaces/default/workflows/campaign-"
            + campaign_url.rsplit("/", 1)[1],
        )  # fmt: skip
        # The page redraws itself from the progress JSON while the workflow moves devices.
        running = page.locator("#devices .status-cell .s-running")
        try:
            expect(running.first).to_be_visible(timeout=TIMEOUT_MS)
        except AssertionError:
            admin.shot("not-running")
            raise
        expect(page.locator("#devices tbody tr")).to_have_count(len(IOS))
        admin.shot("running")

        page = engineer.visit("/console/campaigns", "campaigns")
        page.click("#campaigns tbody tr a >> nth=0")
        page.fill("#comment", "pausing for the change board")
        try:
            page.click("#pause")
            expect(page.get_by_role("status")).to_contain_text("Pause")
        except Exception:
            engineer.shot("pause-failed")
            raise
        expect(page.locator("#campaign-status")).to_have_text("paused", timeout=TIMEOUT_MS)
        expect(page.locator("#devices .s-running")).to_have_count(0, timeout=TIMEOUT_MS)
        engineer.shot("paused")
        upgraded = page.locator("#devices .s-upgraded").count()
        page.wait_for_timeout(3000)
        page.reload()
        assert page.locator("#devices .s-upgraded").count() == upgraded, "nothing new while paused"
        assert page.locator("#devices .s-running").count() == 0
        page.click("#cancel")
        expect(page.locator("#campaign-status")).to_have_text("cancelled", timeout=TIMEOUT_MS)
        expect(page.locator("#control-form")).to_have_count(0)
        engineer.shot("cancelled")
        for user in (admin, engineer):
            user.close()
