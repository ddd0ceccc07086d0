"""Merging revisions into inventory data: seq order, chains, the supersede rule, folding."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.intent.merge import apply_edits, check_path, merge, merge_inventory
from services.intent.model import IntentEdit, IntentRevision
from services.network.inventory import Device, TenantInventory, load_tenant
from services.network.render import renderer_for

REPO = Path(__file__).resolve().parents[3]
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BANDWIDTH = "wan.bandwidth_mbps"
VLAN_300 = "vlan_handoffs[vlan_id=300]"
HANDOFF = {"vlan_id": 300, "address": "10.1.30.1/24", "description": "Guest WiFi"}


@pytest.fixture(scope="module")
def acme() -> TenantInventory:
    return load_tenant(REPO / "inventories", "acme")


@pytest.fixture
def r1(acme: TenantInventory) -> Device:
    """acme-hq-r1: WAN at 200 Mb/s, no VLAN hand-offs (an empty list from defaults)."""
    device = acme.device("acme-hq-r1")
    assert device.data["wan"]["bandwidth_mbps"] == 200 and device.data["vlan_handoffs"] == []
    return device


def revision(
    seq: int, *edits: tuple[str, Any, Any], device: str = "acme-hq-r1", folded: bool = False
) -> IntentRevision:
    return IntentRevision(
        id=100 + seq,
        tenant="acme",
        device=device,
        seq=seq,
        change_id=f"change-{seq}",
        kind="wan_bandwidth",
        requested_by="acme-portal",
        approved_by="ann",
        created_at=T0,
        edits=[IntentEdit(path=p, before=b, after=a) for p, b, a in edits],
        folded_at=T0 if folded else None,
        folded_by="ops" if folded else None,
    )


def with_bandwidth(device: Device, mbps: int) -> Device:
    """The device as if a person had edited its WAN rate in hosts.yaml."""
    return device.model_copy(
        update={"data": {**device.data, "wan": {**device.data["wan"], "bandwidth_mbps": mbps}}}
    )


def test_no_revisions_is_the_inventory_device(r1: Device) -> None:
    intended = merge(r1, [])
    assert intended.device is r1 and intended.base is r1
    assert intended.revisions == [] and intended.applied == []
    assert intended.source_of(BANDWIDTH) is None


def test_revisions_apply_in_seq_order(r1: Device) -> None:
    first = revision(1, (BANDWIDTH, 200, 500))
    second = revision(2, (BANDWIDTH, 500, 1000))
    intended = merge(r1, [second, first])  # given out of order
    assert intended.device.data["wan"]["bandwidth_mbps"] == 1000
    assert [v.revision.seq for v in intended.revisions] == [1, 2]
    assert [v.state for v in intended.revisions] == ["applied", "applied"]
    assert intended.applied == [first, second]
    assert intended.source_of(BANDWIDTH) == second
    assert r1.data["wan"]["bandwidth_mbps"] == 200  # the inventory device is not changed
    assert intended.base is r1


def test_a_chain_of_revisions_on_one_path(r1: Device) -> None:
    chain = [
        revision(1, (BANDWIDTH, 200, 500)),
        revision(2, (BANDWIDTH, 500, 300)),
        revision(3, (BANDWIDTH, 300, 200)),  # back where the file started
        revision(4, (BANDWIDTH, 200, 750)),
    ]
    intended = merge(r1, chain)
    assert intended.device.data["wan"]["bandwidth_mbps"] == 750
    assert all(v.state == "applied" for v in intended.revisions)
    assert intended.source_of(BANDWIDTH) == chain[3]
    assert merge(r1, chain[:3]).device.data == r1.data


def test_out_of_order_before_is_superseded(r1: Device) -> None:
    """Two changes planned against 200: the second no longer finds 200 once the first applied."""
    first = revision(1, (BANDWIDTH, 200, 500))
    second = revision(2, (BANDWIDTH, 200, 1000))
    intended = merge(r1, [first, second])
    assert intended.device.data["wan"]["bandwidth_mbps"] == 500
    assert [v.state for v in intended.revisions] == ["applied", "superseded"]
    assert intended.revisions[1].edits[0].found == 500


def test_a_hand_edit_in_the_file_supersedes_the_revision(r1: Device) -> None:
    edited = with_bandwidth(r1, 300)  # a person changed 200 to 300 in hosts.yaml
    first = revision(1, (BANDWIDTH, 200, 500))
    intended = merge(edited, [first])
    assert intended.device.data == edited.data  # the file wins
    [view] = intended.revisions
    assert view.state == "superseded"
    [edit] = view.edits
    assert (edit.applied, edit.before, edit.after, edit.found) == (False, 200, 500, 300)
    assert intended.applied == [] and intended.source_of(BANDWIDTH) is None
    # A later revision that was planned against the file's value still applies.
    later = revision(2, (BANDWIDTH, 300, 400))
    chained = merge(edited, [first, later])
    assert chained.device.data["wan"]["bandwidth_mbps"] == 400
    assert [v.state for v in chained.revisions] == ["superseded", "applied"]
    assert chained.source_of(BANDWIDTH) == later


def test_a_partly_superseded_revision_keeps_its_other_edits(r1: Device) -> None:
    both = revision(1, (BANDWIDTH, 999, 500), ("qos_profile", "premium", "standard"))
    intended = merge(r1, [both])
    assert intended.revisions[0].state == "applied"
    assert [e.applied for e in intended.revisions[0].edits] == [False, True]
    assert intended.device.data["qos_profile"] == "standard"
    assert intended.device.data["wan"]["bandwidth_mbps"] == 200
    assert intended.source_of("qos_profile") == both
    assert intended.source_of(BANDWIDTH) is None


def test_folded_revisions_apply_nothing(r1: Device) -> None:
    folded = revision(1, (BANDWIDTH, 200, 500), folded=True)
    intended = merge(r1, [folded])
    assert intended.device is r1
    [view] = intended.revisions
    assert view.state == "folded" and not view.edits[0].applied
    assert intended.applied == [] and intended.source_of(BANDWIDTH) is None
    # Once written back, the file holds the folded value and the next revision chains from it.
    exported = with_bandwidth(r1, 500)
    after = merge(exported, [folded, revision(2, (BANDWIDTH, 500, 1000))])
    assert after.device.data["wan"]["bandwidth_mbps"] == 1000
    assert [v.state for v in after.revisions] == ["folded", "applied"]


def test_a_vlan_handoff_added_by_a_revision(r1: Device) -> None:
    added = revision(1, (VLAN_300, None, HANDOFF))
    intended = merge(r1, [added])
    assert intended.device.data["vlan_handoffs"] == [HANDOFF]
    assert r1.data["vlan_handoffs"] == []
    config = renderer_for(REPO / "templates").render_device(intended.device)
    assert "interface GigabitEthernet0/1.300" in config
    assert "encapsulation dot1Q 300" in config
    # Removing it again takes the element out, and the config with it.
    removed = merge(r1, [added, revision(2, (VLAN_300, HANDOFF, None))])
    assert removed.device.data["vlan_handoffs"] == []
    assert removed.source_of(VLAN_300) is not None  # the removal is a revision's doing


def test_source_of_names_the_revision_for_a_path_and_its_sub_paths(r1: Device) -> None:
    vlan = revision(1, (VLAN_300, None, HANDOFF))
    rate = revision(2, (BANDWIDTH, 200, 500))
    intended = merge(r1, [vlan, rate])
    assert intended.source_of(VLAN_300) == vlan
    assert intended.source_of(f"{VLAN_300}.address") == vlan
    assert intended.source_of(BANDWIDTH) == rate
    assert intended.source_of("wan") is None  # only part of `wan` came from a revision
    assert intended.source_of("wan.interface") is None
    assert intended.source_of("wan.bandwidth_mbps_max") is None  # a prefix is not a sub-path
    assert intended.source_of("vlan_handoffs[vlan_id=30]") is None


def test_merge_inventory_changes_only_devices_with_revisions(acme: TenantInventory) -> None:
    revisions = [
        revision(1, (BANDWIDTH, 200, 500)),
        revision(1, ("qos_profile", "standard", "premium"), device="acme-branch1-r1"),
        revision(1, ("qos_profile", "standard", "premium"), device="not-in-the-inventory"),
    ]
    merged = merge_inventory(acme, revisions)
    assert merged.device("acme-hq-r1").data["wan"]["bandwidth_mbps"] == 500
    assert merged.device("acme-branch1-r1").data["qos_profile"] == "premium"
    assert set(merged.devices) == set(acme.devices)
    for name in set(acme.devices) - {"acme-hq-r1", "acme-branch1-r1"}:
        assert merged.devices[name] is acme.devices[name]
    assert acme.device("acme-hq-r1").data["wan"]["bandwidth_mbps"] == 200
    assert merge_inventory(acme, []) is acme


def test_apply_edits_sets_the_afters(r1: Device) -> None:
    planned = apply_edits(r1, [IntentEdit(path=BANDWIDTH, before=123, after=500)])
    assert planned.data["wan"]["bandwidth_mbps"] == 500  # a plan sets; it does not check before
    assert r1.data["wan"]["bandwidth_mbps"] == 200


def test_check_path() -> None:
    assert check_path(VLAN_300) == VLAN_300
    with pytest.raises(ValueError, match=r"'wan\.\.x'"):
        check_path("wan..x")
