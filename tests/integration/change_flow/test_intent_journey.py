"""Intended state end to end on the lab: a verified change is kept as intent, so the next audit
does not call it drift and remediation has nothing of it to revert; a change pushes only its
own lines; changes to one device apply in order; failed changes and exports leave the audit
as it was."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from netmiko import ConnectHandler
from temporalio.testing import WorkflowEnvironment

from services.core.settings import Settings
from services.intent.export import export_tenant
from services.store.db import get_engine, make_session_factory
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from tests.integration.audit.test_compliance_audit import audit, feature, results
from tests.integration.backup.test_fleet_backup import workers
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.lab import ThreadedLab
from tests.utils.processes import running_worker

HQ = "acme-hq-r1"


def revisions(settings: Settings, device: str) -> list[intent_repo.IntentRevision]:
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions() as session:
        return intent_repo.revisions(session, tenant="acme", device=device)


async def run_change(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    body: dict[str, Any],
    approve: bool = False,
) -> dict[str, Any]:
    """Request a change as acme, approve it when asked, open its window, wait for the end."""
    created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    assert created.status_code == 201, created.text
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    if approve:
        await wait_status(api, path, tokens["acme"], {"awaiting_approval"})
        decided = await post(
            api, f"{path}/approve", json={"comment": "ok"}, headers=tokens["approver"]
        )
        assert decided.status_code == 200, decided.text
    await wait_status(api, path, tokens["acme"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    return await wait_status(api, path, tokens["acme"], FINAL, timeout=90)


def statuses(found: dict[str, dict[str, object]]) -> dict[tuple[str, str], object]:
    """Every (device, feature) of an audit with its status."""
    table: dict[tuple[str, str], object] = {}
    for device, result in found.items():
        for item in result["features"]:  # type: ignore[attr-defined]
            table[(device, item["feature"])] = (
                item["status"],
                item.get("missing"),
                item.get("extra"),
            )
    return table


@pytest.mark.usefixtures("running_workers")
async def test_verified_change_is_intent_and_the_next_audit_finds_no_drift(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
    temporal_env: WorkflowEnvironment,
) -> None:
    before = await audit(temporal_env, change_settings, "acme")
    found_before = results(change_settings, "acme", before.report_id)

    doc = await run_change(
        api, tokens, {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 500}
    )
    assert doc["change"]["status"] == "verified", doc["change"]
    plan = doc["plan"]["devices"][0]
    assert [c.strip() for c in plan["commands"]] == [
        "policy-map WAN-SHAPE",
        "class class-default",
        "shape average 500000000",
        "interface GigabitEthernet0/0",
        "bandwidth 500000",
    ]
    kept = revisions(change_settings, HQ)
    assert [(r.change_id, r.seq, r.approved_by) for r in kept] == [
        (doc["change"]["id"], 1, "policy")
    ]
    assert [(e.path, e.before, e.after) for e in kept[0].edits] == [
        ("wan.bandwidth_mbps", 200, 500)
    ]

    after = await audit(temporal_env, change_settings, "acme")
    found_after = results(change_settings, "acme", after.report_id)
    assert statuses(found_after) == statuses(found_before), "no new drift on any device"
    assert found_after[HQ]["status"] == "compliant"
    assert after.score == before.score
    # Remediation has nothing of the change to revert.
    report = after.report_id
    remediate = f"/v1/tenants/acme/compliance/reports/{report}/devices/{HQ}/remediate"
    refused = await post(api, remediate, headers=tokens["acme"])
    assert refused.status_code == 409, refused.text

    # The same rate again is a duplicate that names the change and the revision holding it.
    again = await post(
        api,
        "/v1/tenants/acme/changes",
        json={"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 500},
        headers=tokens["acme"],
    )
    assert again.status_code == 409, again.text
    assert doc["change"]["id"] in again.text and "intent revision 1" in again.text

    # A second change on the device, through an approver: both kept, both on the device.
    qos = await run_change(
        api, tokens, {"kind": "qos_profile", "site": "hq", "profile": "standard"}, approve=True
    )
    assert qos["change"]["status"] == "verified", qos["change"]
    assert [(r.seq, r.approved_by) for r in revisions(change_settings, HQ)] == [
        (1, "policy"),
        (2, qos["approvals"][0]["approver"]),
    ]
    running = lab.running_config(HQ)
    assert " bandwidth 500000" in running and "shape average 500000000" in running
    assert "policy-map QOS-STANDARD" in running and "policy-map QOS-PREMIUM" not in running
    last = await audit(temporal_env, change_settings, "acme")
    assert results(change_settings, "acme", last.report_id)[HQ]["status"] == "compliant"
    assert statuses(results(change_settings, "acme", last.report_id)) == statuses(found_before)


@pytest.mark.usefixtures("running_workers")
async def test_unrelated_drift_in_a_touched_feature_is_left_alone_and_still_reported(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
    temporal_env: WorkflowEnvironment,
) -> None:
    with ConnectHandler(**lab.netmiko_params(HQ)) as conn:
        conn.send_config_set(["interface GigabitEthernet0/0", " description hand edited"])
    doc = await run_change(
        api, tokens, {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 300}
    )
    assert doc["change"]["status"] == "verified", doc["change"]
    plan = doc["plan"]["devices"][0]
    assert not any("description" in c for c in plan["commands"]), plan["commands"]
    assert not any("description" in c for c in plan["rollback"]), plan["rollback"]
    assert " description WAN ISP-A circuit ACME-0001" in plan["left_alone"], plan["left_alone"]
    assert "description hand edited" in lab.running_config(HQ)
    report = await audit(temporal_env, change_settings, "acme")
    interfaces = feature(results(change_settings, "acme", report.report_id)[HQ], "interfaces")
    assert interfaces["status"] == "drift"
    assert " description WAN ISP-A circuit ACME-0001" in interfaces["missing"]
    assert " description hand edited" in interfaces["extra"]
    assert "bandwidth" not in str(interfaces["missing"]) + str(interfaces["extra"])


async def test_two_approved_changes_on_one_device_apply_in_order_with_two_workers(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
) -> None:
    with (
        running_worker(change_settings, tmp_path / "worker-1.log"),
        running_worker(change_settings, tmp_path / "worker-2.log"),
    ):
        bandwidth, handoff = await asyncio.gather(
            run_change(api, tokens, {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 400}),
            run_change(
                api,
                tokens,
                {"kind": "vlan_handoff", "site": "hq", "vlan_id": 300, "address": "10.30.0.1/24"},
                approve=True,
            ),
        )
    assert bandwidth["change"]["status"] == "verified", bandwidth["change"]
    assert handoff["change"]["status"] == "verified", handoff["change"]
    kept = revisions(change_settings, HQ)
    assert sorted(r.change_id for r in kept) == sorted(
        [bandwidth["change"]["id"], handoff["change"]["id"]]
    )
    # One at a time: the later one started applying after the earlier one ended.
    spans = []
    for doc in (bandwidth, handoff):
        at = {e["to_status"]: e["at"] for e in doc["events"]}
        spans.append((at["applying"], at["verified"]))
    first, second = sorted(spans)
    assert second[0] >= first[1], spans
    running = lab.running_config(HQ)
    assert " bandwidth 400000" in running and "interface GigabitEthernet0/1.300" in running
    async with workers(temporal_env.client, change_settings):
        report = await audit(temporal_env, change_settings, "acme")
    assert results(change_settings, "acme", report.report_id)[HQ]["status"] == "compliant"


@pytest.mark.usefixtures("running_workers")
async def test_rolled_back_change_leaves_the_intent_as_it_was(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab, change_settings: Settings
) -> None:
    lab.set_fault(HQ, reject_line=r"^\s*bandwidth ")
    doc = await run_change(
        api, tokens, {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 600}
    )
    assert doc["change"]["status"] == "rolled_back", doc["change"]
    assert revisions(change_settings, HQ) == []
    sessions = make_session_factory(get_engine(change_settings.database_url))
    with sessions() as session:
        change = change_repo.get_change(session, tenant="acme", change_id=doc["change"]["id"])
    assert change is not None and change.status == "rolled_back"


@pytest.mark.usefixtures("running_workers")
async def test_export_then_audit_reports_the_same(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    change_settings: Settings,
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
) -> None:
    doc = await run_change(
        api, tokens, {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 450}
    )
    assert doc["change"]["status"] == "verified", doc["change"]
    before = await audit(temporal_env, change_settings, "acme")
    # Export into a copy of the inventories (the lab's own files stay as they are).
    copy = tmp_path / "inventories"
    shutil.copytree(change_settings.inventories_path, copy)
    queue = f"{change_settings.task_queue}-exported"
    exported = change_settings.model_copy(
        update={
            "inventories_path": copy,
            "task_queue": queue,
            "device_task_queue": f"{queue}-devices",
        }
    )
    sessions = make_session_factory(get_engine(change_settings.database_url))
    with sessions.begin() as session:
        result = export_tenant(session, copy, "acme", "test")
    assert result.devices == [HQ] and result.folded
    assert "bandwidth_mbps: 450" in (copy / "acme" / "hosts.yaml").read_text()
    async with workers(temporal_env.client, exported):
        after = await audit(temporal_env, exported, "acme")
    assert statuses(results(exported, "acme", after.report_id)) == statuses(
        results(change_settings, "acme", before.report_id)
    )
    assert after.score == before.score


@pytest.mark.usefixtures("running_workers")
async def test_the_same_request_twice_is_a_conflict_naming_the_open_change(
    api: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    body = {"kind": "vlan_handoff", "site": "hq", "vlan_id": 310, "address": "10.31.0.1/24"}
    first = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    assert first.status_code == 201, first.text
    again = {**body, "address": "10.32.0.1/24", "description": "another try"}
    second = await post(api, "/v1/tenants/acme/changes", json=again, headers=tokens["acme"])
    assert second.status_code == 409, second.text
    assert first.json()["change"]["id"] in second.json()["detail"]
    assert "VLAN 310" in second.json()["detail"]


@pytest.mark.usefixtures("running_workers")
async def test_remediation_approved_for_one_feature_fixes_only_that_feature(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
    temporal_env: WorkflowEnvironment,
) -> None:
    branch = "acme-branch1-r1"  # seeded with NTP drift
    with ConnectHandler(**lab.netmiko_params(branch)) as conn:
        conn.send_config_set(["logging host 192.0.2.77"])
    report = await audit(temporal_env, change_settings, "acme")
    remediate = f"/v1/tenants/acme/compliance/reports/{report.report_id}/devices/{branch}/remediate"
    created = await post(api, remediate, headers=tokens["acme"])
    assert created.status_code == 201, created.text
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    doc = await wait_status(api, path, tokens["acme"], {"awaiting_approval"})
    by_feature = doc["plan"]["devices"][0]["by_feature"]
    assert by_feature == {
        "logging": ["no logging host 192.0.2.77"],
        "ntp": ["ntp server 192.0.2.11", "no ntp server 203.0.113.123"],
    }
    unknown = await post(
        api,
        f"{path}/approve",
        json={"comment": "ntp only", "features": ["bgp"]},
        headers=tokens["approver"],
    )
    assert unknown.status_code == 409 and "not in the plan" in unknown.text
    approved = await post(
        api,
        f"{path}/approve",
        json={"comment": "ntp only", "features": ["ntp"]},
        headers=tokens["approver"],
    )
    assert approved.status_code == 200, approved.text
    await wait_status(api, path, tokens["acme"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    doc = await wait_status(api, path, tokens["acme"], FINAL)
    assert doc["change"]["status"] == "verified", doc["change"]
    assert doc["plan"]["devices"][0]["commands"] == by_feature["ntp"]
    running = lab.running_config(branch)
    assert "logging host 192.0.2.77" in running and "ntp server 192.0.2.11" in running
    after = await audit(temporal_env, change_settings, "acme")
    found = results(change_settings, "acme", after.report_id)[branch]
    assert feature(found, "ntp")["status"] == "compliant"
    assert feature(found, "logging")["status"] == "drift"
