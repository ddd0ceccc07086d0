"""Crash chaos: kill -9 the worker at seeded random points of a campaign and of a change.

Every run completes; no device is reloaded twice or gets a planned line twice; every device
ends in a final state; every pre-change backup exists. `make chaos` runs this file alone and
prints the summary line.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.lab.testing import ThreadedLab
from services.store.db import get_engine, make_session_factory
from services.store.repos import campaigns as campaign_repo
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from tests.integration.backup.test_fleet_backup import scoped
from tests.utils.api import bearer, make_token
from tests.utils.processes import running_worker, stop
from workflows.change.activities import MID_PUSH

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
# Kill points placed on purpose (failpoints); the summary fails if one never fired.
DECLARED = ("change@mid-push", "change@verified-record")
SUMMARY: dict[str, Any] = {
    "kill_points": [],
    "runs": 0,
    "completed": 0,
    "duplicate_pushes": 0,
    "duplicate_revisions": 0,
    "lost_revisions": 0,
}


def count_revisions(kept: list[Any], change_id: str) -> None:
    """A verified change has exactly one intent revision on its device."""
    own = [r for r in kept if r.change_id == change_id]
    SUMMARY["duplicate_revisions"] += max(0, len(own) - 1)
    SUMMARY["lost_revisions"] += 1 if not own else 0


@pytest.fixture
def chaos_settings(lab_settings: Settings, temporal_env: WorkflowEnvironment) -> Settings:
    settings = scoped(lab_settings, temporal_env).model_copy(
        update={"heartbeat_timeout_seconds": 3}
    )
    prepare_local(settings, lab=True)
    return settings


@pytest.fixture
def api(chaos_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(chaos_settings)) as client:
        yield client


async def request(api: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    return await asyncio.to_thread(lambda: api.request(method, path, **kwargs))


async def run_with_kills(
    settings: Settings,
    log: Path,
    done: Any,
    where: Any,
    kills: int,
    rng: random.Random,
) -> list[str]:
    """Restart-and-kill the worker `kills` times at random moments, then let it finish."""
    points: list[str] = []
    for _ in range(kills):
        with running_worker(settings, log) as worker:
            await asyncio.sleep(rng.uniform(0.4, 2.5))
            if await done():
                break
            points.append(await where())
            stop(worker, signal.SIGKILL)
    with running_worker(settings, log):
        deadline = time.monotonic() + 240
        while not await done():
            if time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise AssertionError(
                    f"the run did not finish after the last kill; running: {await where()}\n"
                    f"worker log:\n{tail}"
                )
            await asyncio.sleep(0.3)
    return points


def duplicates(lab: ThreadedLab, name: str, lines: list[str]) -> int:
    record = lab.record(name)
    return sum(max(0, record.pushed_count(line) - 1) for line in set(lines))


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
        "heartbeat_timeout_seconds": 3,
        "post_check": {"settle_seconds": 5},
    }
    response = await request(api, "POST", "/v1/campaigns", json=body, headers=admin)
    assert response.status_code == 201, response.text
    campaign_id = response.json()["campaign"]["id"]
    sessions = make_session_factory(get_engine(chaos_settings.database_url))

    async def done() -> bool:
        with sessions() as session:
            status = campaign_repo.get_campaign(session, campaign_id=campaign_id).status
        return status in campaign_repo.FINAL_STATUSES

    async def where() -> str:
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

    overridden = False

    async def done() -> bool:
        nonlocal overridden
        current = status()
        if current == "scheduled" and not overridden:
            reply = await request(
                api, "POST", f"{path}/override-window", json={"reason": "chaos"}, headers=admin
            )
            overridden = reply.status_code == 200
        return current in final

    async def where() -> str:
        return f"change@{status()}"

    points = await run_with_kills(chaos_settings, tmp_path / "worker.log", done, where, 5, rng)
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


VERIFIED_RECORD = "change.before_verified_record"


async def until_failpoint(
    api: TestClient,
    path: str,
    admin: dict[str, str],
    marker: Path,
    status: Callable[[], str],
) -> None:
    """Until the worker holds at its failpoint, opening the change's window once it waits."""
    deadline = time.monotonic() + 120
    overridden = False
    while not marker.exists():
        assert time.monotonic() < deadline, f"never reached the failpoint: {status()}"
        if status() == "scheduled" and not overridden:
            reply = await request(
                api, "POST", f"{path}/override-window", json={"reason": "chaos"}, headers=admin
            )
            overridden = reply.status_code == 200
        await asyncio.sleep(0.2)


async def test_kill_between_verify_and_its_record_keeps_exactly_one_revision(
    chaos_settings: Settings, api: TestClient, lab: ThreadedLab, tmp_path: Path
) -> None:
    """The worker dies after the device was verified, before `verified` and the intent
    revision are recorded: the next worker records both, once."""
    acme = bearer(make_token(chaos_settings, "tenant", tenant="acme"))
    admin = bearer(make_token(chaos_settings, "admin"))
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 60}
    created = await request(api, "POST", "/v1/tenants/acme/changes", json=body, headers=acme)
    assert created.status_code == 201, created.text
    change_id = created.json()["change"]["id"]
    path = f"/v1/tenants/acme/changes/{change_id}"
    sessions = make_session_factory(get_engine(chaos_settings.database_url))
    marker = chaos_settings.var_dir / "failpoints" / VERIFIED_RECORD
    log = tmp_path / "worker.log"

    def status() -> str:
        with sessions() as session:
            change = change_repo.get_change(session, tenant="acme", change_id=change_id)
        assert change is not None
        return change.status

    with running_worker(chaos_settings, log, env={"NETWAVE_FAILPOINTS": VERIFIED_RECORD}) as w:
        await until_failpoint(api, path, admin, marker, status)
        assert status() == "applying"
        with sessions() as session:
            assert (
                intent_repo.revisions_of_change(session, tenant="acme", change_id=change_id) == []
            )
        stop(w, signal.SIGKILL)
    SUMMARY["kill_points"].append("change@verified-record")
    SUMMARY["runs"] += 1
    with running_worker(chaos_settings, log):
        deadline = time.monotonic() + 120
        while status() not in {"verified", "rolled_back", "failed"}:
            assert time.monotonic() < deadline, status()
            await asyncio.sleep(0.3)
    assert status() == "verified"
    SUMMARY["completed"] += 1
    with sessions() as session:
        kept = intent_repo.revisions(session, tenant="acme", device="acme-branch1-r1")
        events = change_repo.events(session, tenant="acme", change_id=change_id)
    count_revisions(kept, change_id)
    assert [(r.change_id, r.seq) for r in kept] == [(change_id, 1)]
    assert [(e.path, e.after) for e in kept[0].edits] == [("wan.bandwidth_mbps", 60)]
    assert [e.to_status for e in events].count("verified") == 1
    doc = (await request(api, "GET", path, headers=acme)).json()
    pushed = [c.strip() for d in doc["plan"]["devices"] for c in d["commands"]]
    assert duplicates(lab, "acme-branch1-r1", pushed) == 0


def leaves(commands: list[str]) -> list[str]:
    """The lines that change something: not the section headers that only give context
    (`interface X` before its indented lines), which a retry may type again."""
    found = []
    for i, line in enumerate(commands):
        depth = len(line) - len(line.lstrip())
        nxt = commands[i + 1] if i + 1 < len(commands) else ""
        if not (nxt.strip() and len(nxt) - len(nxt.lstrip()) > depth):
            found.append(line.strip())
    return [line for line in found if line not in ("exit", "end")]


async def test_kill_inside_a_push_applies_each_line_once(
    chaos_settings: Settings, api: TestClient, lab: ThreadedLab, tmp_path: Path
) -> None:
    """The worker dies inside the push, after all but its last line (IOS applies each line as
    it is typed): the retry pushes only what the device still lacks, so every line that
    changes the device is applied once, and the change is verified."""
    acme = bearer(make_token(chaos_settings, "tenant", tenant="acme"))
    admin = bearer(make_token(chaos_settings, "admin"))
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 70}
    created = await request(api, "POST", "/v1/tenants/acme/changes", json=body, headers=acme)
    assert created.status_code == 201, created.text
    change_id = created.json()["change"]["id"]
    path = f"/v1/tenants/acme/changes/{change_id}"
    sessions = make_session_factory(get_engine(chaos_settings.database_url))
    marker = chaos_settings.var_dir / "failpoints" / MID_PUSH
    log = tmp_path / "worker.log"
    device = "acme-branch1-r1"

    def status() -> str:
        with sessions() as session:
            change = change_repo.get_change(session, tenant="acme", change_id=change_id)
        assert change is not None
        return change.status

    with running_worker(chaos_settings, log, env={"NETWAVE_FAILPOINTS": MID_PUSH}) as w:
        await until_failpoint(api, path, admin, marker, status)
        cut_at = list(lab.record(device).pushed_lines)
        stop(w, signal.SIGKILL)
    SUMMARY["kill_points"].append("change@mid-push")
    SUMMARY["runs"] += 1
    with running_worker(chaos_settings, log):
        deadline = time.monotonic() + 120
        while status() not in {"verified", "rolled_back", "failed"}:
            assert time.monotonic() < deadline, status()
            await asyncio.sleep(0.3)
    assert status() == "verified"
    SUMMARY["completed"] += 1
    doc = (await request(api, "GET", path, headers=acme)).json()
    commands = [c for d in doc["plan"]["devices"] for c in d["commands"]]
    changing = leaves(commands)
    assert all(line in cut_at for line in changing[:-1]), (changing, cut_at)  # a partial push
    assert changing[-1] not in cut_at
    SUMMARY["duplicate_pushes"] += duplicates(lab, device, changing)
    assert duplicates(lab, device, changing) == 0, lab.record(device).pushed_lines
    assert all(lab.record(device).pushed_count(line) == 1 for line in changing)


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
