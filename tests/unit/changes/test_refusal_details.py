"""What a refusal says: the field, the line, the change or the section it names (issue #21:
mutation testing showed these messages could change without any test noticing)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.changes.attention import describe
from services.changes.duplicates import _same
from services.changes.edits import edits_for
from services.changes.intent import refuse_removing_intent
from services.changes.plan import DevicePlan, _set_parent, plan_change
from services.changes.prechecks import missing_targets
from services.changes.requests import (
    QosProfileChange,
    VlanHandoffChange,
    WanBandwidthChange,
    _check_handoff,
)
from services.compliance.drift import apply_drift, device_drift
from services.core.errors import ChangeValidationError
from services.intent.merge import merge
from services.intent.model import IntentRevision
from services.network.render import Renderer, renderer_for
from services.network.state import DeviceState, InterfaceState
from services.store.repos.attention import AttentionOut
from services.store.repos.changes import ChangeOut
from tests.unit.changes.conftest import FLEET, TEMPLATES

IOS, JUNOS = FLEET["acme-hq-r1"], FLEET["acme-branch2-r1"]
AT = datetime(2026, 3, 2, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return renderer_for(TEMPLATES)


def test_attention_names_the_device_the_change_and_the_first_300_characters() -> None:
    mark = AttentionOut(
        id=1,
        tenant="acme",
        device="acme-hq-r1",
        change_id="c9",
        reason="x" * 299 + "yz",
        raised_at=AT,
    )
    assert describe(mark) == (
        "acme-hq-r1 needs attention since change c9 (2026-03-02 04:05 UTC): "
        + "x" * 299
        + "y; an engineer clears it with "
        "`netwave devices clear-attention --tenant acme --device acme-hq-r1`"
    )


def _open_change(kind: str, params: dict[str, object]) -> ChangeOut:
    return ChangeOut.model_validate(
        {
            "id": "c1",
            "tenant": "acme",
            "site": "hq",
            "kind": kind,
            "params": params,
            "status": "submitted",
            "requested_by": "alice",
            "requested_by_token_id": None,
            "idempotency_key": None,
            "workflow_id": None,
            "created_at": AT,
            "updated_at": AT,
            "policy_reason": None,
            "window_start": None,
            "window_end": None,
            "failure": None,
        }
    )


def test_an_open_change_is_the_same_request_only_with_the_same_value() -> None:
    premium = _open_change("qos_profile", {"profile": "premium"})
    assert _same(QosProfileChange(site="hq", profile="premium"), premium)
    assert not _same(QosProfileChange(site="hq", profile="standard"), premium)
    rate = _open_change("wan_bandwidth", {"bandwidth_mbps": 300})
    assert _same(WanBandwidthChange(site="hq", bandwidth_mbps=300), rate)
    assert not _same(WanBandwidthChange(site="hq", bandwidth_mbps=400), rate)
    assert not _same(WanBandwidthChange(site="branch1", bandwidth_mbps=300), rate)


def _revision(edit_change: str, request: VlanHandoffChange) -> IntentRevision:
    return IntentRevision(
        id=1,
        tenant="acme",
        device=JUNOS.name,
        seq=1,
        change_id=edit_change,
        kind="vlan_handoff",
        requested_by="alice",
        approved_by="bob",
        created_at=AT,
        edits=edits_for(request, JUNOS),
    )


def test_junos_remediation_that_deletes_a_handoff_unit_is_refused(renderer: Renderer) -> None:
    handoff = VlanHandoffChange.model_validate(
        {"site": "branch2", "vlan_id": 300, "address": "10.30.0.1/24"}
    )
    intent = merge(JUNOS, [_revision("vlan-300", handoff)])
    plan = DevicePlan(
        device=JUNOS.name,
        platform=JUNOS.platform,
        features=["vlan_handoffs"],
        sections=[],
        commands=["delete interfaces ge-0/0/1 unit 300"],
        rollback=[],
        diff="",
        intended_hash="",
        running_hash="",
        future_hash="",
    )
    with pytest.raises(ChangeValidationError) as caught:
        refuse_removing_intent(plan, intent, renderer)
    [(field, message)] = caught.value.errors
    assert field == "features"
    assert message.startswith("remediation would remove 'set interfaces ge-0/0/1 unit")
    assert "on acme-branch2-r1, which change vlan-300 added (intent revision 1); " in message
    assert message.endswith("change the compliance rule or request the removal as a change")


@pytest.mark.parametrize(
    ("line", "parent"),
    [
        ('set system login message "a b"', "set system login message"),
        ('set interfaces ge-0/0/0 description "ISP A"', "set interfaces ge-0/0/0 description"),
        ("set system host-name r1", "set system host-name"),
        ('set snmp location lab"', "set snmp location"),  # a stray quote is not a quoted value
        ('set a "b" c', 'set a "b"'),
    ],
)
def test_a_set_line_s_parent_drops_its_value(line: str, parent: str) -> None:
    assert _set_parent(line) == parent


def test_a_foreign_vlan_is_named_with_its_section(renderer: Renderer) -> None:
    running = apply_drift(IOS.platform, renderer.render_device(IOS), device_drift(IOS))
    running = running.replace(
        "\nend", "\ninterface GigabitEthernet0/1.120\n encapsulation dot1Q 120\n shutdown\nend"
    )
    handoff = VlanHandoffChange.model_validate(
        {"site": "hq", "vlan_id": 120, "address": "10.77.0.1/24"}
    )
    with pytest.raises(ChangeValidationError) as caught:
        plan_change(IOS, running, handoff, renderer)
    assert caught.value.errors == [
        (
            "vlan_id",
            "VLAN 120 is already configured on acme-hq-r1 "
            "(interface GigabitEthernet0/1.120 / shutdown) but not in the inventory",
        )
    ]


def test_a_handoff_needs_its_lan_port_on_the_device() -> None:
    handoff = VlanHandoffChange.model_validate(
        {"site": "hq", "vlan_id": 120, "address": "10.77.0.1/24"}
    )
    lan = IOS.data["lan"]["interface"]
    present = DeviceState(interfaces={lan: InterfaceState(up=True)})
    assert missing_targets(handoff, IOS.data, present) == []
    assert missing_targets(handoff, IOS.data, DeviceState()) == [lan]


def test_a_handoff_on_a_device_without_a_lan_names_the_site() -> None:
    bare = IOS.model_copy(update={"data": {k: v for k, v in IOS.data.items() if k != "lan"}})
    handoff = VlanHandoffChange.model_validate(
        {"site": "hq", "vlan_id": 120, "address": "10.77.0.1/24"}
    )
    assert _check_handoff(handoff, bare) == [
        ("site", "acme-hq-r1 has no LAN interface to hand a VLAN off on")
    ]
