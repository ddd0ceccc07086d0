"""A push the device refuses half-way, on every lab platform: lines before the refused one
were accepted (on IOS they are in the running config at once: a genuine partial push), then
the change is taken back. The running config ends byte for byte as it was before the change.

The refused line is the plan's last command, so every other line of the push came first.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from services.network.platforms import get_platform
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.lab import ThreadedLab

# site -> (edge device, platform, a change of several config lines on it)
VLAN = {"kind": "vlan_handoff", "vlan_id": 340, "address": "10.34.0.1/24", "description": "x"}
EDGES = {
    "branch1": ("acme-branch1-r1", "cisco_ios", {"kind": "wan_bandwidth", "bandwidth_mbps": 90}),
    "branch2": (
        "acme-branch2-r1",
        "juniper_junos",
        {"kind": "wan_bandwidth", "bandwidth_mbps": 90},
    ),
    "branch3": ("acme-branch3-r1", "arista_eos", VLAN),  # its WAN rate is a single line
}
STRUCTURE = re.compile(r"^\s*(interface|policy-map|class|exit|end|!)\b")


@pytest.mark.usefixtures("running_workers")
@pytest.mark.parametrize("site", sorted(EDGES))
async def test_a_push_refused_half_way_is_taken_back_byte_for_byte(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab, site: str
) -> None:
    name, platform, change = EDGES[site]
    before = lab.running_config(name)
    body = {**change, "site": site}
    created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    assert created.status_code == 201, created.text
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    doc = await wait_status(api, path, tokens["acme"], {"scheduled", "awaiting_approval"})
    if doc["change"]["status"] == "awaiting_approval":  # a VLAN hand-off needs an approver
        ok = {"comment": "ok"}
        await post(api, f"{path}/approve", json=ok, headers=tokens["approver"])
        doc = await wait_status(api, path, tokens["acme"], {"scheduled"})
    [device] = doc["plan"]["devices"]
    changing = [c for c in device["commands"] if not STRUCTURE.match(c)]
    assert len(changing) >= 2, device["commands"]  # something is accepted before the refusal
    refused = changing[-1].strip()
    lab.set_fault(name, reject_line=rf"^\s*{re.escape(refused)}$")
    lab.reset_records(name)
    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    doc = await wait_status(api, path, tokens["acme"], FINAL)

    assert doc["change"]["status"] == "rolled_back", doc["change"]
    failure = doc["change"]["failure"]
    assert "push failed" in failure and refused in failure, failure
    record = lab.record(name)
    assert record.rejected_lines == [refused]
    accepted = [c.strip() for c in changing[:-1]]
    assert all(record.pushed_count(line) >= 1 for line in accepted), record.pushed_lines
    # Byte for byte, but for the NOS's own volatile header (IOS: `! Last configuration change
    # at <time>`, which any configuration session moves).
    strip = get_platform(platform).strip_volatile
    assert strip(lab.running_config(name)) == strip(before)
    assert not record.saves and lab.pending_confirms(name) == {}


# site -> (edge device, its WAN port, the NOS's own undo as a config line, when it is one).
# IOS's `configure replace` honours the refusal itself. (The lab's EOS session abort and Junos
# `rollback 1` cannot be refused by a fault: there the NOS's undo always completes.)
UNDO_LINES = {"branch1": ("acme-branch1-r1", "GigabitEthernet0/0", None)}


@pytest.mark.usefixtures("running_workers")
@pytest.mark.parametrize("site", sorted(UNDO_LINES))
async def test_a_rollback_the_device_refuses_names_the_lines_left_over(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab, site: str
) -> None:
    """The change is in, its post-check fails, and the device refuses what would take it back
    (its own undo, and the restore lines): the change fails, naming the lines left over, and
    the device is marked for an engineer."""
    name, wan, undo = UNDO_LINES[site]
    body = {"kind": "wan_bandwidth", "site": site, "bandwidth_mbps": 70}
    created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
    path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
    doc = await wait_status(api, path, tokens["acme"], {"scheduled"})
    [device] = doc["plan"]["devices"]
    restore = [c.strip() for c in device["rollback"] if not STRUCTURE.match(c)]
    refused = [*restore, *([undo] if undo else [])]
    lab.set_fault(name, reject_line="^(" + "|".join(re.escape(r) for r in refused) + ")$")
    lab.call(lambda: lab.device(name).state.link_down.add(wan))  # the post-check fails
    try:
        await post(api, f"{path}/override-window", json={"reason": "t"}, headers=tokens["admin"])
        doc = await wait_status(api, path, tokens["acme"], FINAL)
    finally:
        lab.call(lambda: lab.device(name).state.link_down.discard(wan))
        lab.clear_faults(name)
    assert doc["change"]["status"] == "failed", doc["change"]
    failure = doc["change"]["failure"]
    assert "rollback incomplete; lines left over: " in failure, failure
    assert any(line in failure for line in restore), (restore, failure)
    marks = api.get("/v1/tenants/acme/attention", headers=tokens["acme"]).json()
    assert [m["device"] for m in marks] == [name]
