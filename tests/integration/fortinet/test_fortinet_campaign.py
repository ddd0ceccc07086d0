"""A FortiOS upgrade campaign through the CampaignWorkflow on a real Temporal server and the lab:
a canary FortiGate, then a wave, each writing the image to its secondary partition, selecting
it for the next boot and rebooting; both end on the new version."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.utils.campaigns import finished, launch, spec, statuses, wait_for
from tests.utils.lab import ThreadedLab

FORTIGATES = ["vandelay-bos-fw1", "vandelay-nyc-fw1"]
TARGET = "7.4.3"
BODY = spec(
    name="fortios-7-4",
    targets={"platforms": ["fortinet"]},
    target_versions={"fortinet": TARGET},
    strategy={"canary_size": 1, "wave_size": 1, "max_concurrency": 1},
)


@pytest.mark.usefixtures("running_workers")
async def test_upgrade_both_fortigates_canary_then_wave(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    campaign_id = await launch(api, tokens["admin"], BODY)
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "completed", doc["campaign"]
    assert statuses(doc) == {name: "upgraded" for name in FORTIGATES}, doc["devices"]
    assert doc["waves"][0]["canary"] and [w["devices"] for w in doc["waves"]] == [1, 1]
    for name in FORTIGATES:
        assert lab.version(name) == TARGET
        record = lab.record(name)
        assert len(record.reloads) == 1
        assert [c.split(" -> ")[1] for c in record.copies] == ["secondary"]
    devices = {d["device"]: d for d in doc["devices"]}
    assert {d["from_version"] for d in devices.values()} == {"7.2.5"}


@pytest.mark.usefixtures("running_workers")
async def test_a_canary_that_loses_its_wan_link_boots_its_old_partition_again(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    canary, wave = FORTIGATES
    lab.set_fault(canary, interface_down_after_reload="wan")
    campaign_id = await launch(api, tokens["admin"], BODY)
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "halted", doc["campaign"]
    assert statuses(doc) == {canary: "rolled_back", wave: "not_started"}, doc["devices"]
    assert lab.version(canary) == "7.2.5"
    assert len(lab.record(canary).reloads) == 2  # the upgrade and the way back
    assert lab.version(wave) == "7.2.5" and lab.record(wave).reloads == []
