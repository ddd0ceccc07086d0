"""FortiOS capacity changes through the ChangeWorkflow on a real Temporal server and the lab:
a WAN rate change is verified and kept as intent (the next audit is clean); a push refused
after a block was already applied (at its `end`) is taken back by the workflow's own restore,
byte for byte."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.core.settings import Settings
from services.intent.model import IntentRevision
from services.store.db import get_engine, make_session_factory
from services.store.repos import intent as intent_repo
from tests.integration.audit.test_compliance_audit import audit, results
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.lab import ThreadedLab

NYC = "vandelay-nyc-fw1"
# Lines that open or close a block: the rest set values.
STRUCTURE = re.compile(r"^\s*(config|edit|next|end)\b")


def revisions(settings: Settings) -> list[IntentRevision]:
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions() as session:
        return intent_repo.revisions(session, tenant="vandelay", device=NYC)


async def request(
    api: TestClient, tokens: dict[str, dict[str, str]], body: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """Ask for a change as vandelay; its path and the document once it is scheduled."""
    created = await post(api, "/v1/tenants/vandelay/changes", json=body, headers=tokens["vandelay"])
    assert created.status_code == 201, created.text
    path = f"/v1/tenants/vandelay/changes/{created.json()['change']['id']}"
    return path, await wait_status(api, path, tokens["vandelay"], {"scheduled"})


async def run_now(api: TestClient, tokens: dict[str, dict[str, str]], path: str) -> Any:
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    return await wait_status(api, path, tokens["vandelay"], FINAL, timeout=90)


@pytest.mark.usefixtures("running_workers")
async def test_wan_rate_change_is_verified_and_the_next_audit_is_clean(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
    temporal_env: WorkflowEnvironment,
) -> None:
    body = {"kind": "wan_bandwidth", "site": "nyc", "bandwidth_mbps": 700}
    path, doc = await request(api, tokens, body)
    [plan] = doc["plan"]["devices"]
    assert plan["commands"] == [
        "config system interface",
        '    edit "wan1"',
        "        set estimated-upstream-bandwidth 700000",
        "        set estimated-downstream-bandwidth 700000",
        "config firewall shaper traffic-shaper",
        '    edit "netwave-wan"',
        "        set guaranteed-bandwidth 420000",
        "        set maximum-bandwidth 700000",
    ]
    assert plan["rollback"] == [
        line.replace("700000", "500000").replace("420000", "300000") for line in plan["commands"]
    ]
    lab.reset_records(NYC)
    doc = await run_now(api, tokens, path)
    assert doc["change"]["status"] == "verified", doc["change"]
    # The push closes what it opens: each `edit` by `next`, each `config` by `end`.
    typed = [[line.text for line in s.lines] for s in lab.record(NYC).config_sessions]
    assert [lines[-2:] for lines in typed] == [["next", "end"], ["next", "end"]], typed
    running = lab.running_config(NYC)
    assert "set estimated-upstream-bandwidth 700000\n" in running
    assert "set maximum-bandwidth 700000\n" in running
    assert [(e.path, e.before, e.after) for e in revisions(change_settings)[0].edits] == [
        ("wan.bandwidth_mbps", 500, 700)
    ]

    after = await audit(temporal_env, change_settings, "vandelay")
    found = results(change_settings, "vandelay", after.report_id)
    assert found[NYC]["status"] == "compliant", found[NYC]


@pytest.mark.usefixtures("running_workers")
async def test_a_push_refused_after_a_block_applied_is_restored_byte_for_byte(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    before = lab.running_config(NYC)
    body = {"kind": "wan_bandwidth", "site": "nyc", "bandwidth_mbps": 800}
    path, doc = await request(api, tokens, body)
    [plan] = doc["plan"]["devices"]
    changing = [c.strip() for c in plan["commands"] if not STRUCTURE.match(c)]
    refused = changing[-1]  # the shaper's ceiling: the interface block's `end` came before
    assert refused == "set maximum-bandwidth 800000", plan["commands"]
    lab.set_fault(NYC, reject_line=rf"^{re.escape(refused)}$")
    lab.reset_records(NYC)
    doc = await run_now(api, tokens, path)
    lab.clear_faults(NYC)

    assert doc["change"]["status"] == "rolled_back", doc["change"]
    failure = doc["change"]["failure"]
    assert "push failed" in failure and refused in failure, failure
    record = lab.record(NYC)
    # (Netmiko's goodbye `exit` inside the open block is refused too; the session then drops
    # and FortiOS forgets the shaper's values, which no `next` applied.)
    assert record.rejected_lines[0] == refused
    assert record.pushed_count("set estimated-upstream-bandwidth 800000") == 1
    # The restore put the applied block back value by value.
    assert record.pushed_count("set estimated-upstream-bandwidth 500000") == 1
    assert lab.running_config(NYC) == before


@pytest.mark.usefixtures("running_workers")
async def test_a_wan_link_lost_after_the_change_is_seen_and_the_change_taken_back(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    """The WAN port's link state comes from `get system interface physical`, not the config."""
    before = lab.running_config(NYC)
    lab.call(lambda: lab.device(NYC).state.link_down.add("wan1"))
    try:
        body = {"kind": "wan_bandwidth", "site": "nyc", "bandwidth_mbps": 600}
        path, _doc = await request(api, tokens, body)
        doc = await run_now(api, tokens, path)
    finally:
        lab.call(lambda: lab.device(NYC).state.link_down.discard("wan1"))
    assert doc["change"]["status"] == "rolled_back", doc["change"]
    failure = doc["change"]["failure"]
    assert "wan_up" in failure and "running config equals the pre-change backup" in failure
    assert lab.running_config(NYC) == before
