"""Capacity changes end to end: API -> ChangeWorkflow on a real Temporal server -> the lab."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.core.settings import Settings
from tests.utils.api import bearer, make_token
from tests.utils.lab import ThreadedLab

FINAL = {"verified", "rolled_back", "failed", "rejected", "expired"}


async def wait_status(
    api: TestClient, path: str, headers: dict[str, str], wanted: set[str], timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        doc = await asyncio.to_thread(lambda: api.get(path, headers=headers).json())
        if doc["change"]["status"] in wanted:
            return doc
        assert time.monotonic() < deadline, f"still {doc['change']['status']}, wanted {wanted}"
        await asyncio.sleep(0.2)


async def post(api: TestClient, path: str, **kwargs: Any) -> Any:
    return await asyncio.to_thread(lambda: api.post(path, **kwargs))


async def apply_in_an_opened_window(
    api: TestClient, tokens: dict[str, dict[str, str]], body: dict[str, Any]
) -> dict[str, Any]:
    """Request an auto-approved change of acme, open its window as an admin, wait for its end."""
    created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    assert created.status_code == 201, created.text
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    await wait_status(api, path, tokens["acme"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    return await wait_status(api, path, tokens["acme"], FINAL)


@pytest.mark.usefixtures("running_workers")
async def test_auto_approved_change_is_applied_in_an_overridden_window(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 80}
    headers = {**tokens["acme"], "Idempotency-Key": "req-1"}
    first = await post(api, "/v1/tenants/acme/changes", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await post(api, "/v1/tenants/acme/changes", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["change"]["id"] == first.json()["change"]["id"]
    path = f"/v1/tenants/acme/changes/{first.json()['change']['id']}"

    doc = await wait_status(api, path, tokens["acme"], {"scheduled"})
    assert "auto-approved" in (doc["change"]["policy_reason"] or "")
    assert lab.record("acme-branch1-r1").config_sessions == []
    plan = doc["plan"]["devices"][0]
    assert plan["device"] == "acme-branch1-r1" and plan["commands"] and plan["rollback"]

    refused = await post(
        api, f"{path}/override-window", json={"reason": "x"}, headers=tokens["approver"]
    )
    assert refused.status_code == 403
    opened = await post(
        api, f"{path}/override-window", json={"reason": "customer outage"}, headers=tokens["admin"]
    )
    assert opened.status_code == 200, opened.text
    doc = await wait_status(api, path, tokens["acme"], FINAL)
    assert doc["change"]["status"] == "verified", doc["change"]
    statuses = [e["to_status"] for e in doc["events"]]
    assert statuses == [
        "submitted",
        "planned",
        "approved",
        "scheduled",
        "scheduled",  # the override: who and why, on the timeline
        "applying",
        "verified",
    ]
    override = doc["events"][4]
    assert override["actor"] == "test-admin-all"
    assert override["detail"]["window_override"] == "customer outage"
    record = lab.record("acme-branch1-r1")
    assert len(record.config_sessions) == 1
    assert record.saves, "saved once verified"
    for line in plan["commands"]:
        assert record.pushed_count(line.strip()) == 1 or line.strip() in ("exit", "end")


@pytest.mark.usefixtures("running_workers")
async def test_approval_four_eyes_then_applied(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = {"kind": "qos_profile", "site": "nyc", "profile": "standard"}
    created = await post(api, "/v1/tenants/globex/changes", json=body, headers=tokens["globex"])
    assert created.status_code == 201, created.text
    path = f"/v1/tenants/globex/changes/{created.json()['change']['id']}"
    doc = await wait_status(api, path, tokens["globex"], {"awaiting_approval"})
    assert "needs an approver" in doc["change"]["policy_reason"]
    for device in doc["plan"]["devices"]:
        assert lab.record(device["device"]).config_sessions == []

    comment = {"comment": "ok"}
    own = await post(api, f"{path}/approve", json=comment, headers=tokens["globex"])
    assert own.status_code == 403
    foreign = await post(
        api,
        f"/v1/tenants/acme/changes/{doc['change']['id']}/approve",
        json=comment,
        headers=tokens["approver"],
    )
    assert foreign.status_code == 404
    missing_comment = await post(api, f"{path}/approve", json={}, headers=tokens["approver"])
    assert missing_comment.status_code == 422
    approved = await post(
        api, f"{path}/approve", json={"comment": "fits the contract"}, headers=tokens["approver"]
    )
    assert approved.status_code == 200, approved.text
    replay = await post(api, f"{path}/approve", json=comment, headers=tokens["approver"])
    assert replay.status_code == 409
    await wait_status(api, path, tokens["globex"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    doc = await wait_status(api, path, tokens["globex"], FINAL)
    assert doc["change"]["status"] == "verified", doc["change"]
    assert doc["approvals"][0]["approver"] != doc["change"]["requested_by"]


@pytest.mark.usefixtures("running_workers")
async def test_rejected_change_never_reaches_a_device(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = {"kind": "qos_profile", "site": "par", "profile": "premium"}
    created = await post(api, "/v1/tenants/globex/changes", json=body, headers=tokens["globex"])
    path = f"/v1/tenants/globex/changes/{created.json()['change']['id']}"
    await wait_status(api, path, tokens["globex"], {"awaiting_approval"})
    rejected = await post(
        api, f"{path}/reject", json={"comment": "not now"}, headers=tokens["approver"]
    )
    assert rejected.status_code == 200
    doc = await wait_status(api, path, tokens["globex"], FINAL)
    assert doc["change"]["status"] == "rejected"
    assert lab.record("globex-par-r1").config_sessions == []
    late = await post(api, f"{path}/approve", json={"comment": "x"}, headers=tokens["approver"])
    assert late.status_code == 409


@pytest.mark.usefixtures("running_workers")
async def test_failed_push_rolls_back_to_the_backup(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    before = lab.running_config("acme-branch1-r1")
    lab.set_fault("acme-branch1-r1", reject_line=r"^\s*(bandwidth|shape) ")
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 90}
    created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    await wait_status(api, path, tokens["acme"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    doc = await wait_status(api, path, tokens["acme"], FINAL)
    assert doc["change"]["status"] == "rolled_back", doc["change"]
    assert "push failed" in doc["change"]["failure"]
    assert not lab.record("acme-branch1-r1").saves, "a change not verified is never saved"
    from services.changes.plan import same_config

    assert same_config("cisco_ios", lab.running_config("acme-branch1-r1"), before)


async def test_bad_requests_name_the_field(
    api: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    cases = [
        ({"kind": "wan_bandwidth", "site": "nowhere", "bandwidth_mbps": 10}, "site"),
        ({"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 5000}, "bandwidth_mbps"),
        ({"kind": "qos_profile", "site": "hq", "profile": "gold"}, "profile"),
        ({"kind": "teleport", "site": "hq"}, "kind"),
    ]
    for body, field in cases:
        response = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
        assert response.status_code == 422, (body, response.text)
        detail = response.json()["detail"]
        assert any(field in d["loc"] or f"'{field}'" in d["msg"] for d in detail), detail


@pytest.fixture
def webhook_receiver(change_settings: Settings) -> Iterator[list[tuple[dict[str, Any], bool]]]:
    """A loopback receiver for acme's webhook; it fails the first delivery to force a retry."""
    import hashlib
    import hmac
    import json
    import re
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    import yaml

    from services.changes.webhooks import SIGNATURE_HEADER
    from services.core.secrets import FileSecretsProvider, ensure_dev_secrets

    ensure_dev_secrets(change_settings.secrets_file, ["webhook-acme"])
    secret = FileSecretsProvider(change_settings.secrets_file).resolve("webhook-acme")
    received: list[tuple[dict[str, Any], bool]] = []
    calls = {"n": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            calls["n"] += 1
            if calls["n"] == 1:
                self.send_response(503)
                self.end_headers()
                return
            # Checked apart from netwave's `sign`: `sha256=<hex>` (64 lowercase hex digits),
            # the HMAC-SHA256 of the exact body with acme's key, recomputed here.
            key = secret.password.get_secret_value().encode()
            expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            signature = self.headers[SIGNATURE_HEADER] or ""
            ok = bool(re.fullmatch(r"sha256=[0-9a-f]{64}", signature)) and signature == expected
            received.append((json.loads(body), ok))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    path = change_settings.inventories_path / "acme" / "tenant.yaml"
    original = path.read_text()
    contract = yaml.safe_load(original)
    contract["webhook"] = {
        "url": f"http://127.0.0.1:{server.server_port}/hook",
        "secret": "webhook-acme",
    }
    path.write_text(yaml.safe_dump(contract))
    try:
        yield received
    finally:
        path.write_text(original)  # the lab's inventories are shared by the session
        server.shutdown()
        server.server_close()


@pytest.mark.usefixtures("running_workers")
async def test_every_state_change_is_a_signed_webhook(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    webhook_receiver: list[tuple[dict[str, Any], bool]],
) -> None:
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 70}
    created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    await wait_status(api, path, tokens["acme"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    await wait_status(api, path, tokens["acme"], FINAL)
    deadline = time.monotonic() + 30
    while len(webhook_receiver) < 5 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    statuses = {event["status"] for event, _ in webhook_receiver}
    assert {"planned", "approved", "scheduled", "applying", "verified"} <= statuses
    assert all(ok for _, ok in webhook_receiver), "every delivery carries a valid signature"


@pytest.mark.usefixtures("running_workers")
async def test_remediation_becomes_an_approved_change_and_fixes_drift(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
) -> None:
    engineer = bearer(make_token(change_settings, "engineer"))
    run = (await post(api, "/v1/tenants/acme/audit-runs", headers=engineer)).json()
    deadline = time.monotonic() + 60
    run_path = f"/v1/runs/{run['run_id']}"
    while True:
        doc = await asyncio.to_thread(lambda: api.get(run_path, headers=engineer).json())
        if doc["status"] == "COMPLETED":
            break
        assert time.monotonic() < deadline, doc
        await asyncio.sleep(0.2)
    report = doc["result"]["report_id"]
    remediate = f"/v1/tenants/acme/compliance/reports/{report}/devices/acme-branch1-r1/remediate"
    created = await post(api, remediate, headers=tokens["acme"])
    assert created.status_code == 201, created.text
    again = await post(api, remediate, headers=tokens["acme"])
    assert again.status_code == 200
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    doc = await wait_status(api, path, tokens["acme"], {"awaiting_approval"})
    assert doc["plan"]["devices"][0]["commands"] == [
        "ntp server 192.0.2.11",
        "no ntp server 203.0.113.123",
    ]
    assert lab.record("acme-branch1-r1").config_sessions == []
    await post(api, f"{path}/approve", json={"comment": "fix drift"}, headers=tokens["approver"])
    await wait_status(api, path, tokens["acme"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    doc = await wait_status(api, path, tokens["acme"], FINAL)
    assert doc["change"]["status"] == "verified", doc["change"]
    compliant = await post(
        api,
        f"/v1/tenants/acme/compliance/reports/{report}/devices/acme-hq-r1/remediate",
        headers=tokens["acme"],
    )
    assert compliant.status_code == 409


@pytest.mark.usefixtures("running_workers")
async def test_admin_cannot_approve_own_change(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = {"kind": "qos_profile", "site": "lon", "profile": "standard"}
    created = await post(api, "/v1/tenants/globex/changes", json=body, headers=tokens["admin"])
    path = f"/v1/tenants/globex/changes/{created.json()['change']['id']}"
    await wait_status(api, path, tokens["admin"], {"awaiting_approval"})
    own = await post(api, f"{path}/approve", json={"comment": "mine"}, headers=tokens["admin"])
    assert own.status_code == 403 and "four-eyes" in own.text
    await post(api, f"{path}/reject", json={"comment": "cleanup"}, headers=tokens["approver"])
    await wait_status(api, path, tokens["admin"], {"rejected"})
    assert lab.record("globex-lon-r1").config_sessions == []


async def change_device_after_plan(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab, lines: list[str]
) -> tuple[str, dict[str, Any]]:
    """A QoS change planned and approved; `lines` configured by hand before it applies."""
    from netmiko import ConnectHandler

    body = {"kind": "qos_profile", "site": "par", "profile": "premium"}
    created = await post(api, "/v1/tenants/globex/changes", json=body, headers=tokens["globex"])
    path = f"/v1/tenants/globex/changes/{created.json()['change']['id']}"
    doc = await wait_status(api, path, tokens["globex"], {"awaiting_approval"})
    assert doc["plan"]["revision"] == 1
    with ConnectHandler(**lab.netmiko_params("globex-par-r1")) as conn:
        conn.send_config_set(lines)
    lab.reset_records("globex-par-r1")
    await post(api, f"{path}/approve", json={"comment": "r1 ok"}, headers=tokens["approver"])
    await wait_status(api, path, tokens["globex"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    return path, doc


@pytest.mark.usefixtures("running_workers")
async def test_unrelated_device_change_after_plan_is_replanned_and_the_decision_stands(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    path, first = await change_device_after_plan(api, tokens, lab, ["logging host 192.0.2.99"])
    doc = await wait_status(api, path, tokens["globex"], FINAL)
    assert doc["change"]["status"] == "verified", doc["change"]
    # Planned again against the changed device: the same commands, so the approval holds.
    assert doc["plan"]["revision"] == 2
    assert doc["plan"]["devices"][0]["commands"] == first["plan"]["devices"][0]["commands"]
    assert [a["plan_revision"] for a in doc["approvals"]] == [1]
    assert "logging host 192.0.2.99" in lab.running_config("globex-par-r1")


@pytest.mark.usefixtures("running_workers")
async def test_device_changed_after_plan_is_replanned_before_push(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    # Part of what the change adds, configured by hand: the commands change, so they need a
    # new decision, and nothing is pushed on the stale plan.
    path, _ = await change_device_after_plan(
        api, tokens, lab, ["class-map match-any VOICE", " match dscp ef"]
    )
    deadline = time.monotonic() + 60
    while True:
        doc = await asyncio.to_thread(lambda: api.get(path, headers=tokens["globex"]).json())
        if doc["change"]["status"] == "awaiting_approval" and doc["plan"]["revision"] == 2:
            break
        assert time.monotonic() < deadline, doc["change"]
        await asyncio.sleep(0.2)
    assert lab.record("globex-par-r1").config_sessions == [], "nothing pushed on a stale plan"
    assert not any("VOICE" in c and "class-map" in c for c in doc["plan"]["devices"][0]["commands"])
    stale = [e["to_status"] for e in doc["events"]]
    assert stale.count("awaiting_approval") == 2 and stale.count("planned") == 2
    await post(api, f"{path}/approve", json={"comment": "r2 ok"}, headers=tokens["approver"])
    doc = await wait_status(api, path, tokens["globex"], FINAL)
    assert doc["change"]["status"] == "verified", doc["change"]
    assert [a["plan_revision"] for a in doc["approvals"]] == [1, 2]


@pytest.mark.usefixtures("running_workers")
async def test_refused_rollback_names_the_lines_left_over(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    # The push is refused at `bandwidth`, after the shaper took the new rate; the device
    # refuses the line that puts the old rate back, in its own `configure replace` of the
    # checkpoint and again when typed.
    lab.set_fault("acme-branch1-r1", reject_line=r"^\s*(bandwidth 90000|shape average 50000000)$")
    body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 90}
    created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    await wait_status(api, path, tokens["acme"], {"scheduled"})
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    doc = await wait_status(api, path, tokens["acme"], FINAL)
    assert doc["change"]["status"] == "failed", doc["change"]
    failure = doc["change"]["failure"]
    assert "push failed" in failure and "the device refused" in failure, failure
    assert "lines left over" in failure and "shape average 50000000" in failure, failure
    assert "configure replace flash:netwave-" in failure, failure
    assert "shape average 90000000" in lab.running_config("acme-branch1-r1")
    assert lab.record("acme-branch1-r1").safety_net_count("checkpoint") == 1
    # The device needs an engineer now: listed, and no new change reaches it.
    marks = await asyncio.to_thread(
        lambda: api.get("/v1/tenants/acme/attention", headers=tokens["acme"]).json()
    )
    assert [(m["device"], m["change_id"]) for m in marks] == [
        ("acme-branch1-r1", doc["change"]["id"])
    ]
    assert "shape average 50000000" in marks[0]["reason"]
    again = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    assert again.status_code == 409 and "needs attention" in again.text, again.text


@pytest.mark.usefixtures("running_workers")
async def test_a_wan_interface_the_device_lacks_fails_at_pre_check_with_nothing_pushed(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab, change_settings: Settings
) -> None:
    from services.intent.model import IntentEdit
    from services.store.db import get_engine, make_session_factory
    from services.store.repos import changes as change_repo
    from services.store.repos import intent as intent_repo

    # A typo in the WAN interface's name, kept as intent (as if an earlier change set it).
    sessions = make_session_factory(get_engine(change_settings.database_url))
    with sessions.begin() as session:
        typo, _ = change_repo.create_change(
            session,
            tenant="acme",
            site="hq",
            kind="wan_bandwidth",
            params={"kind": "wan_bandwidth"},
            requested_by="test",
        )
        intent_repo.record_revisions(
            session,
            tenant="acme",
            change_id=typo.id,
            kind="wan_bandwidth",
            requested_by="test",
            approved_by="test",
            edits={
                "acme-hq-r1": [
                    IntentEdit(
                        path="wan.interface",
                        before="GigabitEthernet0/0",
                        after="GigabitEthernet0/9",
                    )
                ]
            },
        )
    before = lab.running_config("acme-hq-r1")
    lab.reset_records("acme-hq-r1")
    body = {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 300}
    doc = await apply_in_an_opened_window(api, tokens, body)
    assert doc["change"]["status"] == "failed", doc["change"]
    assert "pre-check failed: GigabitEthernet0/9 does not exist" in doc["change"]["failure"]
    assert lab.record("acme-hq-r1").config_sessions == [], "nothing pushed"
    assert lab.running_config("acme-hq-r1") == before
