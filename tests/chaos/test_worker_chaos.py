"""Crash chaos: kill -9 the worker at seeded random points of a campaign and of a change.

Every run completes; no device is reloaded twice or gets a planned line twice; every device
ends in a final state; every pre-change backup exists. The kills at declared points (inside a
push, a restore, a boot selection; before a status record) are in test_kill_points.py.
`make chaos` runs every chaos test and prints the summary: per kill point, whether it fired.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import campaigns as campaign_repo
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from tests.chaos.kills import (
    DECLARED,
    SUMMARY,
    count_revisions,
    duplicates,
    finish,
    request,
    window_opener,
)
from tests.utils.api import bearer, make_token
from tests.utils.lab import ThreadedLab
from tests.utils.processes import running_worker, stop
from tests.utils.temporal import TEST_HEARTBEAT_SECONDS

pytestmark = pytest.mark.slow

SEED = 20261128
IOS = [
    "acme-branch1-r1",
    "acme-hq-r1",
    "globex-nyc-r2",
    "globex-par-r1",
    "initech-aus-r1",
    "initech-dal-r2",
]


async def run_with_kills(
    settings: Settings,
    log: Path,
    done: Callable[[], bool],
    where: Callable[[], str],
    kills: int,
    rng: random.Random,
    on_wait: Callable[[], Awaitable[None]] | None = None,
) -> list[str]:
    """Restart-and-kill the worker `kills` times at random moments, then let it finish."""
    points: list[str] = []
    for _ in range(kills):
        with running_worker(settings, log) as worker:
            await asyncio.sleep(rng.uniform(0.4, 2.5))
            if on_wait is not None:
                await on_wait()
            if done():
                break
            points.append(where())
            stop(worker, signal.SIGKILL)
    await finish(settings, log, done, where, on_wait)
    return points


async def test_campaign_survives_kills_without_a_second_reload(
    chaos_settings: Settings, api: TestClient, lab: ThreadedLab, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    admin = bearer(make_token(chaos_settings, "admin"))
    body = {
        "name": "chaos",
        "kind": "os_upgrade",
        "targets": {"platforms": ["cisco_ios"]},
        "target_versions": {"cisco_ios": "17.9.4a"},
        "strategy": {"canary_size": 0, "wave_size": 6, "max_concurrency": 2},
        "respect_windows": False,
        "reload_timeout_seconds": 30,
        "heartbeat_timeout_seconds": TEST_HEARTBEAT_SECONDS,
        "post_check": {"settle_seconds": 5},
    }
    response = await request(api, "POST", "/v1/campaigns", json=body, headers=admin)
    assert response.status_code == 201, response.text
    campaign_id = response.json()["campaign"]["id"]
    sessions = make_session_factory(get_engine(chaos_settings.database_url))

    def done() -> bool:
        with sessions() as session:
            status = campaign_repo.get_campaign(session, campaign_id=campaign_id).status
        return status in campaign_repo.FINAL_STATUSES

    def where() -> str:
        with sessions() as session:
            rows = campaign_repo.devices_of(session, campaign_id=campaign_id)
        steps = sorted(f"{r.device}@{r.step}" for r in rows if r.status == "running")
        return ",".join(steps) or "between devices"

    points = await run_with_kills(chaos_settings, tmp_path / "worker.log", done, where, 8, rng)
    SUMMARY["kill_points"] += points
    SUMMARY["runs"] += 1
    with sessions() as session:
        campaign = campaign_repo.get_campaign(session, campaign_id=campaign_id)
        rows = campaign_repo.devices_of(session, campaign_id=campaign_id)
    unfinished = [(r.device, r.status, r.step, r.detail) for r in rows if r.status != "upgraded"]
    assert campaign.status == "completed", f"{campaign.status}: {campaign.summary} {unfinished}"
    SUMMARY["completed"] += 1
    assert {r.status for r in rows} == {"upgraded"}, rows
    for name in IOS:
        assert len(lab.record(name).reloads) == 1, (name, points)
        assert lab.version(name) == "17.9.4a"
        boot = [line for line in lab.record(name).pushed_lines if line.startswith("boot system")]
        SUMMARY["duplicate_pushes"] += duplicates(lab, name, boot)
    assert all(r.backup_version is not None for r in rows)
    assert len(points) >= 5, points


async def test_change_survives_kills_without_a_second_push(
    chaos_settings: Settings, api: TestClient, lab: ThreadedLab, tmp_path: Path
) -> None:
    rng = random.Random(SEED + 1)
    acme = bearer(make_token(chaos_settings, "tenant", tenant="acme"))
    admin = bearer(make_token(chaos_settings, "admin"))
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 80}
    created = await request(api, "POST", "/v1/tenants/acme/changes", json=body, headers=acme)
    assert created.status_code == 201, created.text
    change_id = created.json()["change"]["id"]
    path = f"/v1/tenants/acme/changes/{change_id}"
    sessions = make_session_factory(get_engine(chaos_settings.database_url))
    final = {"verified", "rolled_back", "failed", "rejected", "expired"}

    def status() -> str:
        with sessions() as session:
            change = change_repo.get_change(session, tenant="acme", change_id=change_id)
        assert change is not None
        return change.status

    def done() -> bool:
        return status() in final

    def where() -> str:
        return f"change@{status()}"

    opener = window_opener(api, path, admin, status)
    log = tmp_path / "worker.log"
    points = await run_with_kills(chaos_settings, log, done, where, 5, rng, on_wait=opener)
    SUMMARY["kill_points"] += points
    SUMMARY["runs"] += 1
    assert status() == "verified", points
    SUMMARY["completed"] += 1
    doc = (await request(api, "GET", path, headers=acme)).json()
    commands = [c.strip() for d in doc["plan"]["devices"] for c in d["commands"]]
    device = doc["plan"]["devices"][0]["device"]
    pushed = [c for c in commands if c not in ("exit", "end")]
    SUMMARY["duplicate_pushes"] += duplicates(lab, device, pushed)
    assert duplicates(lab, device, pushed) == 0, lab.record(device).pushed_lines
    with sessions() as session:
        backups = change_repo.backups_of(session, tenant="acme", change_id=change_id)
        kept = intent_repo.revisions(session, tenant="acme", device=device)
    assert [b.device for b in backups] == [device]
    count_revisions(kept, change_id)
    assert [r.change_id for r in kept] == [change_id], "exactly one intent revision"


def test_chaos_summary(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Printed by `make chaos`: kill points exercised, runs completed, duplicate pushes."""
    print(
        f"\nchaos: {len(SUMMARY['kill_points'])} kill points exercised, "
        f"{SUMMARY['completed']}/{SUMMARY['runs']} runs completed, "
        f"{SUMMARY['duplicate_pushes']} duplicate pushes, "
        f"{SUMMARY['duplicate_revisions']} duplicate and {SUMMARY['lost_revisions']} lost "
        "intent revisions"
    )
    reached = set(SUMMARY["kill_points"])
    for point in DECLARED:
        print(f"  {point:<24} {'reached' if point in reached else 'NOT REACHED'}")
    out = Path("var") / "chaos"
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.json").write_text(json.dumps(SUMMARY, indent=2))
    assert SUMMARY["runs"] == 0 or len(SUMMARY["kill_points"]) >= 10
    if SUMMARY["runs"]:  # the whole chaos run: every declared kill point must have fired
        assert reached >= set(DECLARED), sorted(set(DECLARED) - reached)
    assert SUMMARY["duplicate_pushes"] == 0
    assert SUMMARY["duplicate_revisions"] == SUMMARY["lost_revisions"] == 0
    assert SUMMARY["completed"] == SUMMARY["runs"]
