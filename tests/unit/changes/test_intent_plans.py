"""Plans against the intent: only the change's own lines are pushed, drift in the same
sections is left alone and listed, the rollback undoes exactly what is pushed; remediation
never removes what a verified change added; above the contract is for an approver."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.changes.contract import TenantContract
from services.changes.edits import BANDWIDTH_PATH, edits_for, handoff_path
from services.changes.intent import refuse_removing_intent
from services.changes.plan import DevicePlan, plan_change, same_lines
from services.changes.policy import decide
from services.changes.requests import VlanHandoffChange, WanBandwidthChange, validate_request
from services.compliance.future import future_config
from services.core.errors import ChangeValidationError
from services.intent.merge import merge
from services.intent.model import IntentEdit, IntentRevision
from services.network.inventory import TenantInventory
from services.network.render import Renderer, renderer_for
from tests.unit.changes.conftest import FLEET, TEMPLATES

HQ = FLEET["acme-hq-r1"]
WAN_DESCRIPTION = " description WAN ISP-A circuit ACME-0001"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return renderer_for(TEMPLATES)


def revision(seq: int, *edits: IntentEdit, change: str = "c1") -> IntentRevision:
    return IntentRevision(
        id=seq,
        tenant="acme",
        device=HQ.name,
        seq=seq,
        change_id=change,
        kind="wan_bandwidth",
        requested_by="acme-ops",
        approved_by="policy",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        edits=list(edits),
    )


def test_drift_in_a_touched_section_is_left_alone_not_pushed(renderer: Renderer) -> None:
    running = renderer.render_device(HQ).replace(WAN_DESCRIPTION, " description hand edited")
    result = plan_change(HQ, running, WanBandwidthChange(site="hq", bandwidth_mbps=500), renderer)
    assert result.commands == [
        "policy-map WAN-SHAPE",
        " class class-default",
        "  shape average 500000000",
        "interface GigabitEthernet0/0",
        " bandwidth 500000",
    ]
    assert result.left_alone == ["interface GigabitEthernet0/0", WAN_DESCRIPTION]
    assert [(e.path, e.before, e.after) for e in result.intent] == [(BANDWIDTH_PATH, 200, 500)]
    # The rollback undoes exactly the pushed lines: the hand edit survives a rollback too.
    future = future_config(HQ.platform, running, result.commands)
    assert "description hand edited" in future
    restored = future_config(HQ.platform, future, result.rollback)
    assert same_lines(HQ.platform, restored, running)


def test_a_line_that_already_differs_is_rolled_back_to_what_the_device_had(
    renderer: Renderer,
) -> None:
    running = renderer.render_device(HQ).replace(" bandwidth 200000", " bandwidth 300000")
    result = plan_change(HQ, running, WanBandwidthChange(site="hq", bandwidth_mbps=500), renderer)
    assert " bandwidth 500000" in result.commands
    assert " bandwidth 300000" in result.rollback and " bandwidth 200000" not in result.rollback


def test_a_change_plans_against_the_intent_not_the_file(renderer: Renderer) -> None:
    intent = merge(HQ, [revision(1, IntentEdit(path=BANDWIDTH_PATH, before=200, after=500))])
    running = renderer.render_device(intent.device)  # the device runs the verified change
    result = plan_change(
        intent.device, running, WanBandwidthChange(site="hq", bandwidth_mbps=800), renderer
    )
    assert " bandwidth 800000" in result.commands and " bandwidth 500000" in result.rollback
    assert [(e.before, e.after) for e in result.intent] == [(500, 800)]
    # Against the file alone, the verified 500 would be "drift" to take back to 200.
    assert not any("200000" in line for line in result.commands + result.left_alone)


def test_remediation_that_would_remove_an_approved_handoff_is_refused(
    renderer: Renderer,
) -> None:
    handoff = VlanHandoffChange.model_validate(
        {"site": "hq", "vlan_id": 300, "address": "10.30.0.1/24"}
    )
    edit = edits_for(handoff, HQ)[0]
    assert edit.path == handoff_path(300)
    intent = merge(HQ, [revision(1, edit, change="vlan-300")])
    plan = DevicePlan(
        device=HQ.name,
        platform=HQ.platform,
        features=["vlan_handoffs"],
        sections=[],
        commands=["no interface GigabitEthernet0/1.300", "ntp server 192.0.2.11"],
        rollback=[],
        diff="",
        intended_hash="",
        running_hash="",
        future_hash="",
    )
    with pytest.raises(ChangeValidationError, match="change vlan-300 added") as caught:
        refuse_removing_intent(plan, intent, renderer)
    assert "interface GigabitEthernet0/1.300" in str(caught.value)
    harmless = plan.model_copy(update={"commands": ["no ntp server 203.0.113.123"]})
    refuse_removing_intent(harmless, intent, renderer)  # nothing a change added


def test_above_contract_within_the_circuit_goes_to_an_approver(
    inventories: dict[str, TenantInventory], contracts: dict[str, TenantContract]
) -> None:
    # branch3 is sold up to 200 Mbps (the default) and records no circuit limit.
    request = WanBandwidthChange(site="branch3", bandwidth_mbps=300)
    devices = validate_request(request, inventories["acme"], contracts["acme"])
    decision = decide(request, contracts["acme"], devices[0].data)
    assert not decision.auto_approved
    assert decision.reason == (
        "bandwidth 100 -> 300 Mbps above contracted 200 Mbps needs an approver"
    )
    # Above what the circuit carries is bad input.
    with pytest.raises(ChangeValidationError, match="circuit of site 'branch1' carries"):
        validate_request(
            WanBandwidthChange(site="branch1", bandwidth_mbps=101),
            inventories["acme"],
            contracts["acme"],
        )
