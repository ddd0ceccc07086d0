"""Approval policy: inside the contract is auto-approved, anything else needs an approver."""

from __future__ import annotations

from services.changes.contract import TenantContract
from services.changes.policy import decide
from services.changes.requests import QosProfileChange, VlanHandoffChange, WanBandwidthChange
from tests.unit.changes.conftest import FLEET

HQ = FLEET["acme-hq-r1"].data


def test_bandwidth_within_contract_is_auto_approved(contracts: dict[str, TenantContract]) -> None:
    decision = decide(WanBandwidthChange(site="hq", bandwidth_mbps=300), contracts["acme"], HQ)
    assert decision.auto_approved
    assert decision.reason == "bandwidth 200 -> 300 Mbps within contracted 1000 Mbps: auto-approved"
    assert decision.expire_after_hours is None


def test_bandwidth_at_the_limit_is_inside(contracts: dict[str, TenantContract]) -> None:
    request = WanBandwidthChange(site="hq", bandwidth_mbps=1000)
    assert decide(request, contracts["acme"], HQ).auto_approved


def test_bandwidth_above_contract_needs_an_approver(contracts: dict[str, TenantContract]) -> None:
    decision = decide(WanBandwidthChange(site="hq", bandwidth_mbps=1200), contracts["acme"], HQ)
    assert not decision.auto_approved
    assert "above contracted 1000 Mbps needs an approver" in decision.reason
    assert decision.expire_after_hours == 72


def test_qos_and_vlan_need_an_approver(contracts: dict[str, TenantContract]) -> None:
    qos = decide(QosProfileChange(site="hq", profile="standard"), contracts["acme"], HQ)
    assert (qos.auto_approved, qos.reason) == (
        False,
        "QoS profile change from 'premium' to 'standard' needs an approver",
    )
    vlan = VlanHandoffChange.model_validate({"site": "hq", "vlan_id": 7, "address": "10.7.0.1/24"})
    decision = decide(vlan, contracts["acme"], HQ)
    assert (decision.auto_approved, decision.reason) == (False, "VLAN hand-off 7 needs an approver")


def test_tenant_without_auto_approval(contracts: dict[str, TenantContract]) -> None:
    nyc = FLEET["globex-nyc-r1"].data
    decision = decide(WanBandwidthChange(site="nyc", bandwidth_mbps=600), contracts["globex"], nyc)
    assert not decision.auto_approved
    assert decision.reason == (
        "bandwidth 500 -> 600 Mbps within contracted 1000 Mbps; "
        "tenant 'globex' requires an approver for every change"
    )
    assert decision.expire_after_hours == 120
