"""OS upgrade campaigns end to end: API -> CampaignWorkflow on a real Temporal server -> the lab."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.changes.plan import same_config
from services.core.settings import Settings
from tests.utils.campaigns import TARGET, call, finished, launch, spec, statuses, wait_for
from tests.utils.lab import ThreadedLab
from tests.utils.processes import running_worker, stop
from tests.utils.temporal import TEST_HEARTBEAT_SECONDS

IOS = [
    "acme-branch1-r1",
    "acme-hq-r1",
    "globex-nyc-r2",
    "globex-par-r1",
    "initech-aus-r1",
    "initech-dal-r2",
]


@pytest.mark.usefixtures("running_workers")
async def test_upgrade_every_ios_router_canary_first_and_skip_those_on_target(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = spec(
        targets={"platforms": ["cisco_ios", "arista_eos"]},
        target_versions={"cisco_ios": TARGET, "arista_eos": "4.28.3M"},
    )
    campaign_id = await launch(api, tokens["admin"], body)
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "completed", doc["campaign"]
    result = statuses(doc)
    eos = [name for name in result if name not in IOS]
    assert {result[name] for name in IOS} == {"upgraded"}, doc["devices"]
    assert eos and {result[name] for name in eos} == {"skipped"}
    assert doc["waves"][0]["canary"] and doc["waves"][0]["devices"] == 1
    for name in IOS:
        assert lab.version(name) == TARGET
        assert len(lab.record(name).reloads) == 1
    for name in eos:
        assert lab.record(name).reloads == [] and lab.record(name).config_sessions == []
    devices = {d["device"]: d for d in doc["devices"]}
    assert devices["acme-hq-r1"]["from_version"] == "17.6.5"
    assert devices["acme-hq-r1"]["backup_version"] is not None


@pytest.mark.usefixtures("running_workers")
async def test_canary_failure_rolls_back_and_stops_before_wave_one(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    # The canary is the first device of the first tenant: acme-branch1-r1.
    lab.set_fault("acme-branch1-r1", interface_down_after_reload="wan")
    campaign_id = await launch(api, tokens["admin"], spec())
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "halted"
    assert "canary" in doc["campaign"]["summary"]["reason"]
    result = statuses(doc)
    assert result["acme-branch1-r1"] == "rolled_back", doc["devices"]
    assert lab.version("acme-branch1-r1") == "17.6.5"
    assert len(lab.record("acme-branch1-r1").reloads) == 2  # the upgrade and the rollback
    for name in IOS[1:]:
        assert result[name] == "not_started"
        record = lab.record(name)
        assert record.reloads == [] and record.config_sessions == [] and record.copies == []


@pytest.mark.usefixtures("running_workers")
async def test_exceeded_budget_halts_the_remaining_waves(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    lab.set_fault("acme-branch1-r1", wrong_version_after_reload="previous")
    lab.set_fault("globex-nyc-r2", interface_down_after_reload="wan")
    body = spec(strategy={"canary_size": 0, "wave_size": 3, "max_failures": 1})
    campaign_id = await launch(api, tokens["admin"], body)
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "halted", doc["campaign"]
    assert "budget" in doc["campaign"]["summary"]["reason"]
    result = statuses(doc)
    first_wave = [d["device"] for d in doc["devices"] if d["wave"] == 0]
    assert set(first_wave) == {"acme-branch1-r1", "globex-nyc-r2", "initech-aus-r1"}
    assert result["acme-branch1-r1"] in {"rolled_back", "failed"}
    assert result["globex-nyc-r2"] == "rolled_back"
    assert result["initech-aus-r1"] == "upgraded"
    for name in (d["device"] for d in doc["devices"] if d["wave"] == 1):
        assert result[name] == "not_started"
        assert lab.record(name).reloads == [] and lab.record(name).config_sessions == []
        assert lab.version(name) == "17.6.5"


@pytest.mark.usefixtures("running_workers")
async def test_pause_resume_then_cancel(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = spec(strategy={"canary_size": 0, "wave_size": 2, "max_concurrency": 1})
    campaign_id = await launch(api, tokens["admin"], body)
    await wait_for(
        api, campaign_id, tokens["engineer"], lambda d: "running" in statuses(d).values()
    )
    paused = await call(
        api, "POST", f"/v1/campaigns/{campaign_id}/pause", headers=tokens["engineer"]
    )
    doc = await wait_for(api, campaign_id, tokens["engineer"], lambda d: True)
    assert paused.status_code == 200, (paused.text, doc)
    again = await call(
        api, "POST", f"/v1/campaigns/{campaign_id}/pause", headers=tokens["engineer"]
    )
    assert again.status_code == 409
    # In flight finishes; nothing new starts while paused.
    doc = await wait_for(
        api,
        campaign_id,
        tokens["engineer"],
        lambda d: "running" not in statuses(d).values(),
    )
    assert doc["campaign"]["status"] == "paused"
    await asyncio.sleep(2)
    doc = await wait_for(api, campaign_id, tokens["engineer"], lambda d: True)
    done = [n for n, s in statuses(doc).items() if s == "upgraded"]
    assert len(done) == 1, statuses(doc)
    resumed = await call(
        api, "POST", f"/v1/campaigns/{campaign_id}/resume", headers=tokens["engineer"]
    )
    assert resumed.status_code == 200
    await wait_for(
        api,
        campaign_id,
        tokens["engineer"],
        lambda d: list(statuses(d).values()).count("upgraded") >= 2,
    )
    cancelled = await call(
        api, "POST", f"/v1/campaigns/{campaign_id}/cancel", headers=tokens["engineer"]
    )
    assert cancelled.status_code == 200
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "cancelled"
    result = statuses(doc)
    untouched = [n for n, s in result.items() if s == "not_started"]
    assert untouched, result
    assert set(result.values()) <= {"upgraded", "not_started"}
    for name in untouched:
        assert lab.record(name).reloads == [] and lab.version(name) == "17.6.5"
    for name in (n for n, s in result.items() if s == "upgraded"):
        assert len(lab.record(name).reloads) == 1
    later = await call(
        api, "POST", f"/v1/campaigns/{campaign_id}/resume", headers=tokens["engineer"]
    )
    assert later.status_code == 409


@pytest.mark.usefixtures("running_workers")
async def test_approval_gate_after_the_canary_and_four_eyes(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = spec(
        targets={"tenants": ["acme"], "platforms": ["cisco_ios"]},
        strategy={"approve_after_canary": True},
    )
    campaign_id = await launch(api, tokens["admin"], body)
    doc = await wait_for(
        api,
        campaign_id,
        tokens["engineer"],
        lambda d: d["campaign"]["status"] == "awaiting_approval",
    )
    assert statuses(doc) == {"acme-branch1-r1": "upgraded", "acme-hq-r1": "pending"}
    own = await call(api, "POST", f"/v1/campaigns/{campaign_id}/approve", headers=tokens["admin"])
    assert own.status_code == 403
    by_tenant = await call(
        api, "POST", f"/v1/campaigns/{campaign_id}/approve", headers=tokens["acme"]
    )
    assert by_tenant.status_code == 403
    approved = await call(
        api,
        "POST",
        f"/v1/campaigns/{campaign_id}/approve",
        json={"comment": "canary looks good"},
        headers=tokens["approver"],
    )
    assert approved.status_code == 200, approved.text
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "completed"
    assert statuses(doc) == {"acme-branch1-r1": "upgraded", "acme-hq-r1": "upgraded"}


async def test_bad_campaigns_are_refused_with_the_field_named(
    api: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    unknown = spec(target_versions={"cisco_ios": "99.1.1"})
    response = await call(api, "POST", "/v1/campaigns", json=unknown, headers=tokens["admin"])
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-2:] == ["target_versions", "cisco_ios"]
    nobody = spec(targets={"tenants": ["nosuch"]})
    response = await call(api, "POST", "/v1/campaigns", json=nobody, headers=tokens["admin"])
    assert response.status_code == 422 and "nosuch" in response.text
    response = await call(api, "POST", "/v1/campaigns", json=spec(), headers=tokens["engineer"])
    assert response.status_code == 403  # only an admin may ignore maintenance windows
    response = await call(api, "POST", "/v1/campaigns", json=spec(), headers=tokens["acme"])
    assert response.status_code == 403
    no_version = {k: v for k, v in spec().items() if k != "target_versions"}
    response = await call(api, "POST", "/v1/campaigns", json=no_version, headers=tokens["admin"])
    assert response.status_code == 422 and "target_versions" in response.text


async def test_worker_killed_mid_wave_each_device_reloads_exactly_once(
    campaign_settings: Settings,
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    tmp_path: Path,
) -> None:
    log = tmp_path / "worker.log"
    body = spec(
        strategy={"canary_size": 0, "wave_size": 3, "max_concurrency": 2},
        heartbeat_timeout_seconds=TEST_HEARTBEAT_SECONDS,
    )
    with running_worker(campaign_settings, log) as first:
        campaign_id = await launch(api, tokens["admin"], body)
        deadline = time.monotonic() + 90
        while sum(len(lab.record(n).reloads) for n in IOS) < 2:
            assert time.monotonic() < deadline, "no reload before the kill"
            await asyncio.sleep(0.05)
        stop(first, signal.SIGKILL)
    reloaded_before_restart = sum(len(lab.record(n).reloads) for n in IOS)
    assert reloaded_before_restart < len(IOS), "the kill must land mid-campaign"
    with running_worker(campaign_settings, log):
        doc = await wait_for(api, campaign_id, tokens["engineer"], finished, timeout=180)
    assert doc["campaign"]["status"] == "completed", doc
    assert set(statuses(doc).values()) == {"upgraded"}, doc["devices"]
    for name in IOS:
        assert len(lab.record(name).reloads) == 1, (name, lab.record(name).reloads)
        assert lab.version(name) == TARGET


@pytest.mark.usefixtures("running_workers")
async def test_config_rollout_fixes_drift_and_rolls_back_a_refused_push(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = {
        "name": "ntp-golden",
        "kind": "config_rollout",
        "features": ["ntp"],
        "targets": {"tenants": ["acme"], "platforms": ["cisco_ios"]},
        "strategy": {"canary_size": 0, "wave_size": 5, "max_failures": 5},
        "respect_windows": False,
        "post_check": {"settle_seconds": 3},
    }
    campaign_id = await launch(api, tokens["admin"], body)
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "completed", doc
    # acme-branch1-r1 was seeded with a hand-made NTP server; acme-hq-r1 was already golden.
    assert statuses(doc) == {"acme-branch1-r1": "applied", "acme-hq-r1": "skipped"}
    running = lab.running_config("acme-branch1-r1")
    assert "ntp server 203.0.113.123" not in running and "ntp server 192.0.2.11" in running
    assert lab.record("acme-hq-r1").config_sessions == []

    lab.reset("acme-branch1-r1")
    before = lab.running_config("acme-branch1-r1")
    lab.set_fault("acme-branch1-r1", reject_line="^ntp server 192")
    campaign_id = await launch(api, tokens["admin"], body | {"name": "ntp-again"})
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    device = next(d for d in doc["devices"] if d["device"] == "acme-branch1-r1")
    assert device["status"] == "rolled_back", device
    assert "equals the pre-rollout backup" in device["detail"]
    assert lab.running_config("acme-branch1-r1") == before


@pytest.mark.usefixtures("running_workers")
async def test_a_rollout_whose_verify_fails_is_taken_back_by_the_safety_net(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    """The one device runbook gives rollouts the change's safety net: pushed after an IOS
    checkpoint, never saved; the WAN link lost during the push fails the post-checks and
    `configure replace` takes the rollout back."""
    name, wan = "acme-branch1-r1", "GigabitEthernet0/0"
    before = lab.running_config(name)
    startup = lab.device(name).state.startup.copy()
    lab.reset_records(name)
    lab.set_fault(name, slow=0.2)  # time to take the link down while the lines go in
    body = {
        "name": "ntp-link-lost",
        "kind": "config_rollout",
        "features": ["ntp"],
        "targets": {"devices": [name]},
        "strategy": {"canary_size": 0, "wave_size": 1, "max_failures": 1},
        "respect_windows": False,
        "post_check": {"settle_seconds": 0},
    }
    try:
        campaign_id = await launch(api, tokens["admin"], body)
        deadline = time.monotonic() + 60
        while not lab.record(name).config_sessions:
            assert time.monotonic() < deadline, "the rollout never opened a config session"
            await asyncio.sleep(0.02)
        lab.call(lambda: lab.device(name).state.link_down.add(wan))
        doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    finally:
        lab.call(lambda: lab.device(name).state.link_down.discard(wan))
        lab.clear_faults(name)
    device = next(d for d in doc["devices"] if d["device"] == name)
    assert device["status"] == "rolled_back", device
    detail = device["detail"]
    assert "verify failed" in detail and wan in detail, detail
    assert "configure replace flash:netwave-" in detail, detail
    assert "running config equals the pre-rollout backup" in detail, detail
    assert same_config("cisco_ios", lab.running_config(name), before)
    record = lab.record(name)
    assert record.safety_net_count("checkpoint") == 1 and record.safety_net_count("replace") == 1
    assert not record.saves and lab.device(name).state.startup == startup
    assert not [f for f in lab.device(name).state.flash.files if f.startswith("netwave-")]


@pytest.mark.usefixtures("running_workers")
async def test_each_device_fault_has_its_documented_outcome_and_counts_against_the_budget(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    faults: dict[str, dict[str, Any]] = {
        "acme-branch1-r1": {"unreachable": True},
        "acme-hq-r1": {"auth_failure": True},
        "globex-nyc-r2": {"slow": 0.1},
        "globex-par-r1": {"reload_hangs": True},
        "initech-aus-r1": {"wrong_version_after_reload": "previous"},
        "initech-dal-r2": {"corrupt_copy": True},
    }
    for name, fault in faults.items():
        lab.set_fault(name, **fault)
    body = spec(
        strategy={"canary_size": 0, "wave_size": 6, "max_concurrency": 6, "max_failures": 4},
        reload_timeout_seconds=6,
    )
    campaign_id = await launch(api, tokens["admin"], body)
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished, timeout=180)
    devices = {d["device"]: d for d in doc["devices"]}
    outcome = {name: d["status"] for name, d in devices.items()}
    assert outcome == {
        "acme-branch1-r1": "failed",
        "acme-hq-r1": "failed",
        "globex-nyc-r2": "upgraded",
        "globex-par-r1": "failed",
        "initech-aus-r1": "rolled_back",
        "initech-dal-r2": "failed",
    }, doc["devices"]
    assert "pre-check" in devices["acme-branch1-r1"]["detail"]
    assert "auth" in devices["acme-hq-r1"]["detail"].lower()
    assert "did not come back" in devices["globex-par-r1"]["detail"]
    assert "checksum mismatch" in devices["initech-dal-r2"]["detail"]
    assert lab.version("initech-aus-r1") == "17.6.5"
    assert len(lab.record("initech-dal-r2").reloads) == 0  # a bad image is never booted
    # Five failures against a budget of four: the campaign halts (nothing was left to start).
    assert doc["campaign"]["summary"]["failures"] == 5
    assert doc["campaign"]["status"] == "halted"
