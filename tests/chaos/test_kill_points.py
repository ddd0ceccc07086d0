"""kill -9 at declared points: inside a push, inside a restore, inside a campaign's boot
selection, and between a verified device and its status record.

Each test holds the worker at a failpoint (services/core/failpoints.py), kills it there, lets a
fresh worker finish, and checks the lab's per-line record: every line that changes the device
was applied once, the run ends as if nothing had happened to the worker.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.core.settings import Settings
from services.network.platforms import get_platform
from services.network.safety import tag_for
from services.store.db import get_engine, make_session_factory
from services.store.repos import campaigns as campaign_repo
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from tests.chaos.kills import (
    SUMMARY,
    count_revisions,
    duplicates,
    finish,
    held_worker,
    leaves,
    request,
    until_failpoint,
    window_opener,
)
from tests.utils.api import bearer, make_token
from tests.utils.lab import ThreadedLab
from tests.utils.temporal import TEST_HEARTBEAT_SECONDS
from workflows.campaigns.activities import MID_BOOT
from workflows.runbook.steps import MID_PUSH, MID_RESTORE

pytestmark = pytest.mark.slow

VERIFIED_RECORD = "change.before_verified_record"
DEVICE = "acme-branch1-r1"  # IOS: each config line is applied as it is typed
WAN = "GigabitEthernet0/0"
FINAL = {"verified", "rolled_back", "failed"}


class Change:
    """One acme WAN change through the API, and its status straight from the store."""

    def __init__(self, settings: Settings, api: TestClient) -> None:
        self.settings, self.api = settings, api
        self.acme = bearer(make_token(settings, "tenant", tenant="acme"))
        self.admin = bearer(make_token(settings, "admin"))
        self.sessions = make_session_factory(get_engine(settings.database_url))
        self.id = ""

    async def request(self, mbps: int) -> None:
        body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": mbps}
        created = await request(
            self.api, "POST", "/v1/tenants/acme/changes", json=body, headers=self.acme
        )
        assert created.status_code == 201, created.text
        self.id = created.json()["change"]["id"]

    @property
    def path(self) -> str:
        return f"/v1/tenants/acme/changes/{self.id}"

    def status(self) -> str:
        with self.sessions() as session:
            change = change_repo.get_change(session, tenant="acme", change_id=self.id)
        assert change is not None
        return change.status

    def held_at(self, failpoint: str, point: str, log: Path) -> AbstractAsyncContextManager[None]:
        """A worker held at `failpoint` (the change's window opened once it waits), killed
        when the block ends."""
        marker = self.settings.var_dir / "failpoints" / failpoint
        opener = window_opener(self.api, self.path, self.admin, self.status)

        async def reached() -> None:
            await until_failpoint(marker, lambda: f"change@{self.status()}", opener)

        return held_worker(self.settings, log, failpoint, point, reached)

    async def finish(self, log: Path) -> None:
        await finish(self.settings, log, lambda: self.status() in FINAL, self.status)

    async def plan(self) -> dict[str, list[str]]:
        doc = (await request(self.api, "GET", self.path, headers=self.acme)).json()
        [device] = doc["plan"]["devices"]
        return {"commands": device["commands"], "rollback": device["rollback"]}


async def test_kill_between_verify_and_its_record_keeps_exactly_one_revision(
    chaos_settings: Settings, api: TestClient, lab: ThreadedLab, tmp_path: Path
) -> None:
    """The worker dies after the device was verified, before `verified` and the intent
    revision are recorded: the next worker records both, once."""
    change = Change(chaos_settings, api)
    await change.request(60)
    log = tmp_path / "worker.log"
    async with change.held_at(VERIFIED_RECORD, "change@verified-record", log):
        assert change.status() == "applying"
        with change.sessions() as session:
            kept = intent_repo.revisions_of_change(session, tenant="acme", change_id=change.id)
        assert kept == []
    await change.finish(log)
    assert change.status() == "verified"
    SUMMARY["completed"] += 1
    with change.sessions() as session:
        kept = intent_repo.revisions(session, tenant="acme", device=DEVICE)
        events = change_repo.events(session, tenant="acme", change_id=change.id)
    count_revisions(kept, change.id)
    assert [(r.change_id, r.seq) for r in kept] == [(change.id, 1)]
    assert [(e.path, e.after) for e in kept[0].edits] == [("wan.bandwidth_mbps", 60)]
    assert [e.to_status for e in events].count("verified") == 1
    pushed = [c.strip() for c in (await change.plan())["commands"]]
    assert duplicates(lab, DEVICE, pushed) == 0


async def test_kill_inside_a_push_applies_each_line_once(
    chaos_settings: Settings, api: TestClient, lab: ThreadedLab, tmp_path: Path
) -> None:
    """The worker dies inside the push, after all but its last line (IOS applies each line as
    it is typed): the retry pushes only what the device still lacks, so every line that
    changes the device is applied once, and the change is verified."""
    change = Change(chaos_settings, api)
    await change.request(70)
    log = tmp_path / "worker.log"
    async with change.held_at(MID_PUSH, "change@mid-push", log):
        cut_at = list(lab.record(DEVICE).pushed_lines)
    await change.finish(log)
    assert change.status() == "verified"
    SUMMARY["completed"] += 1
    changing = leaves((await change.plan())["commands"])
    assert all(line in cut_at for line in changing[:-1]), (changing, cut_at)  # a partial push
    assert changing[-1] not in cut_at
    SUMMARY["duplicate_pushes"] += duplicates(lab, DEVICE, changing)
    assert all(lab.record(DEVICE).pushed_count(line) == 1 for line in changing), lab.record(
        DEVICE
    ).pushed_lines


async def test_kill_inside_a_restore_types_each_restore_line_once(
    chaos_settings: Settings, api: TestClient, lab: ThreadedLab, tmp_path: Path
) -> None:
    """The change is in, its post-check fails, and the device's own undo is refused (its
    checkpoint in flash is not a config file), so the restore types the backup's lines back.
    The worker dies after all but the last of them: the retry reads the device again and types
    only the last, and the running config ends byte for byte as before the change."""
    change = Change(chaos_settings, api)
    await change.request(40)
    before = lab.running_config(DEVICE)
    # What the push will find as "an earlier attempt's checkpoint", and keep: a blob, which
    # `configure replace` refuses (IOS: `%Error: ... is not a valid config file`).
    checkpoint = f"{tag_for(change.id)}.cfg"
    lab.call(lambda: lab.device(DEVICE).state.flash.add_file(checkpoint, 2048))
    lab.call(lambda: lab.device(DEVICE).state.link_down.add(WAN))  # the post-check fails
    log = tmp_path / "worker.log"
    async with change.held_at(MID_RESTORE, "change@mid-restore", log):
        cut_at = list(lab.record(DEVICE).pushed_lines)
    lab.call(lambda: lab.device(DEVICE).state.link_down.discard(WAN))
    await change.finish(log)
    assert change.status() == "rolled_back", change.status()
    SUMMARY["completed"] += 1
    plan = await change.plan()
    pushed, restored = leaves(plan["commands"]), leaves(plan["rollback"])
    assert len(restored) >= 2, plan["rollback"]  # something is typed before the kill
    after_push = cut_at[cut_at.index(pushed[-1]) + 1 :]  # what the restore typed before it
    assert all(line in after_push for line in restored[:-1]), (restored, cut_at)
    assert restored[-1] not in after_push
    record = lab.record(DEVICE)
    SUMMARY["duplicate_pushes"] += duplicates(lab, DEVICE, pushed + restored)
    assert all(record.pushed_count(line) == 1 for line in pushed + restored), record.pushed_lines
    replaces = [s for s in record.safety_nets if s.action == "replace"]
    assert replaces and not any(s.ok for s in replaces), replaces  # the undo was refused
    strip = get_platform("cisco_ios").strip_volatile
    assert strip(lab.running_config(DEVICE)) == strip(before)
    assert not record.saves


async def test_kill_inside_the_boot_selection_sets_each_boot_line_once(
    chaos_settings: Settings, api: TestClient, lab: ThreadedLab, tmp_path: Path
) -> None:
    """An upgrade's boot selection (`no boot system <old>`, `boot system <new>`, `boot system
    <old>` as the fallback) is cut after its second line: the retry reads the boot lines again
    and types only the fallback; the device reloads once, onto the new image."""
    admin = bearer(make_token(chaos_settings, "admin"))
    body = {
        "name": "mid-boot",
        "kind": "os_upgrade",
        "targets": {"devices": [DEVICE]},
        "target_versions": {"cisco_ios": "17.9.4a"},
        "strategy": {"canary_size": 0, "wave_size": 1, "max_concurrency": 1},
        "respect_windows": False,
        "reload_timeout_seconds": 30,
        "heartbeat_timeout_seconds": TEST_HEARTBEAT_SECONDS,
        "post_check": {"settle_seconds": 1},
    }
    old = lab.version(DEVICE)
    log = tmp_path / "worker.log"
    sessions = make_session_factory(get_engine(chaos_settings.database_url))
    marker = chaos_settings.var_dir / "failpoints" / MID_BOOT
    response = await request(api, "POST", "/v1/campaigns", json=body, headers=admin)
    assert response.status_code == 201, response.text
    campaign_id = response.json()["campaign"]["id"]

    def status() -> str:
        with sessions() as session:
            return campaign_repo.get_campaign(session, campaign_id=campaign_id).status

    async def reached() -> None:
        await until_failpoint(marker, lambda: f"campaign@{status()}")

    async with held_worker(chaos_settings, log, MID_BOOT, "campaign@mid-boot", reached):
        cut_at = [line for line in lab.record(DEVICE).pushed_lines if "boot system" in line]
    await finish(chaos_settings, log, lambda: status() in campaign_repo.FINAL_STATUSES, status)
    assert status() == "completed", status()
    SUMMARY["completed"] += 1
    assert len(cut_at) == 2 and cut_at[0].startswith("no boot system"), cut_at
    boot = [line for line in lab.record(DEVICE).pushed_lines if "boot system" in line]
    assert boot == [*cut_at, cut_at[0].removeprefix("no ")], boot  # the fallback, once
    SUMMARY["duplicate_pushes"] += duplicates(lab, DEVICE, boot)
    assert len(lab.record(DEVICE).reloads) == 1
    assert lab.version(DEVICE) == "17.9.4a" != old
