"""A change that fails its post-checks is taken back through the platform's safety net: the
change's rollback names what the NOS did, the running config equals the backup, nothing was
saved and nothing stays pending on the device."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.changes.plan import same_config
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.lab import ThreadedLab

# site -> (edge device, platform, WAN port, what the net's undo is called in the failure)
NETS = {
    "branch2": ("acme-branch2-r1", "juniper_junos", "ge-0/0/0", "rollback 1; commit"),
    "branch3": ("acme-branch3-r1", "arista_eos", "Ethernet1", "configure session netwave-"),
    "branch1": ("acme-branch1-r1", "cisco_ios", "GigabitEthernet0/0", "configure replace flash:"),
}


@pytest.mark.usefixtures("running_workers")
@pytest.mark.parametrize("site", sorted(NETS))
async def test_a_failed_verify_is_taken_back_by_the_nos(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab, site: str
) -> None:
    name, platform, wan, undo = NETS[site]
    before = lab.running_config(name)
    startup = lab.device(name).state.startup.copy()
    lab.reset_records(name)
    # The WAN port loses its link once the change is in: the post-check `wan_up` fails.
    lab.call(lambda: lab.device(name).state.link_down.add(wan))
    try:
        body = {"kind": "wan_bandwidth", "site": site, "bandwidth_mbps": 80}
        created = await post(api, "/v1/tenants/acme/changes", json=body, headers=tokens["acme"])
        assert created.status_code == 201, created.text
        path = f"/v1/tenants/acme/changes/{created.json()['change']['id']}"
        await wait_status(api, path, tokens["acme"], {"scheduled"})
        await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
        doc = await wait_status(api, path, tokens["acme"], FINAL)
    finally:
        lab.call(lambda: lab.device(name).state.link_down.discard(wan))
    assert doc["change"]["status"] == "rolled_back", doc["change"]
    failure = doc["change"]["failure"]
    assert "wan_up" in failure and "running config equals the pre-change backup" in failure
    assert undo in failure, failure
    assert same_config(platform, lab.running_config(name), before)
    assert lab.pending_confirms(name) == {}
    assert not [f for f in lab.device(name).state.flash.files if f.startswith("netwave-")]
    if platform != "juniper_junos":  # a Junos commit is its own save
        assert lab.device(name).state.startup == startup
        assert not lab.record(name).saves
