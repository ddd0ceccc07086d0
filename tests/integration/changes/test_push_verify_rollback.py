"""Push, verify and roll back capacity changes on lab devices of all three platforms."""

from __future__ import annotations

import pytest

from services.changes.plan import plan_change, restore_commands, same_config
from services.changes.requests import (
    ChangeRequest,
    QosProfileChange,
    VlanHandoffChange,
    WanBandwidthChange,
)
from services.network.push import fetch_running, push_config
from services.network.push_driver import PushError
from services.network.render import renderer_for
from services.network.state import collect_state, verify_change
from tests.integration.changes.conftest import (
    EDGES,
    TEMPLATES,
    TIMEOUT,
    EdgeFactory,
    stable_state,
    strip,
)
from tests.utils.lab import ThreadedLab


@pytest.mark.parametrize("platform", sorted(EDGES))
def test_bandwidth_change_push_verify_rollback(
    edge: EdgeFactory, lab: ThreadedLab, platform: str
) -> None:
    name, device, credential = edge(platform)
    renderer = renderer_for(TEMPLATES)
    backup = fetch_running(device, credential, timeout=TIMEOUT)
    request = WanBandwidthChange(site=str(device.site), bandwidth_mbps=150)
    plan = plan_change(device, backup, request, renderer)
    assert plan.commands and plan.rollback
    before = stable_state(device, credential)

    pushed = push_config(device, credential, plan.commands, timeout=TIMEOUT)
    assert pushed.ok, pushed
    assert pushed.pushed == len(plan.commands)
    record = lab.record(name)
    assert len(record.config_sessions) == 1
    assert record.saves or record.commits

    after = collect_state(device, credential, timeout=TIMEOUT)
    result = verify_change(request, before, after, device.data)
    assert result.ok, result.failed
    assert {c.name for c in result.checks} >= {"wan_up", "wan_bandwidth"}
    assert any(c.name.startswith("bgp ") for c in result.checks)
    changed = fetch_running(device, credential, timeout=TIMEOUT)
    assert not same_config(platform, changed, backup)

    undone = push_config(device, credential, plan.rollback, timeout=TIMEOUT)
    assert undone.ok, undone
    restored = fetch_running(device, credential, timeout=TIMEOUT)
    assert same_config(platform, restored, backup)
    if platform != "juniper_junos":
        assert strip(platform, restored) == strip(platform, backup)


def test_junos_rollback_restores_the_exact_text(edge: EdgeFactory) -> None:
    _, device, credential = edge("juniper_junos")
    backup = fetch_running(device, credential, timeout=TIMEOUT)
    request = WanBandwidthChange(site=str(device.site), bandwidth_mbps=150)
    plan = plan_change(device, backup, request, renderer_for(TEMPLATES))
    assert push_config(device, credential, plan.commands, timeout=TIMEOUT).ok
    assert push_config(device, credential, plan.rollback, timeout=TIMEOUT).ok
    restored = fetch_running(device, credential, timeout=TIMEOUT)
    assert strip("juniper_junos", restored) == strip("juniper_junos", backup)


# Lines accepted before the lab cuts the session: IOS is cut half-way through the change.
DROP_AFTER = {"cisco_ios": 3, "arista_eos": 1, "juniper_junos": 2}


@pytest.mark.parametrize("platform", sorted(EDGES))
def test_session_dropped_mid_push_is_restored(
    edge: EdgeFactory, lab: ThreadedLab, platform: str
) -> None:
    name, device, credential = edge(platform)
    backup = fetch_running(device, credential, timeout=TIMEOUT)
    request = WanBandwidthChange(site=str(device.site), bandwidth_mbps=150)
    plan = plan_change(device, backup, request, renderer_for(TEMPLATES))
    lab.set_fault(name, drop_mid_config=DROP_AFTER[platform])

    result = push_config(device, credential, plan.commands, timeout=1.5)
    assert (result.ok, result.error_kind) == (False, PushError.session_dropped), result
    assert result.pushed < len(plan.commands)
    assert lab.record(name).config_sessions[-1].dropped

    lab.clear_faults(name)
    current = fetch_running(device, credential, timeout=TIMEOUT)
    restore = restore_commands(plan, current, backup)
    if platform == "cisco_ios":  # the shaper line got through before the drop
        assert not same_config(platform, current, backup)
        assert restore
    if restore:
        assert push_config(device, credential, restore, timeout=TIMEOUT).ok
    restored = fetch_running(device, credential, timeout=TIMEOUT)
    assert strip(platform, restored) == strip(platform, backup)


def test_rejected_line_is_reported(edge: EdgeFactory, lab: ThreadedLab) -> None:
    name, device, credential = edge("cisco_ios")
    backup = fetch_running(device, credential, timeout=TIMEOUT)
    request = WanBandwidthChange(site="hq", bandwidth_mbps=150)
    plan = plan_change(device, backup, request, renderer_for(TEMPLATES))
    lab.set_fault(name, reject_line=r"^\s*bandwidth ")
    result = push_config(device, credential, plan.commands, timeout=TIMEOUT)
    assert (result.ok, result.error_kind) == (False, PushError.rejected)
    assert "bandwidth" in (result.error or "")
    assert result.pushed == plan.commands.index(" bandwidth 150000")
    assert not lab.record(name).saves  # a refused change is never saved


def test_auth_failure_and_unreachable_are_classified(edge: EdgeFactory, lab: ThreadedLab) -> None:
    name, device, credential = edge("arista_eos")
    lab.set_fault(name, auth_failure=True)
    assert push_config(device, credential, ["ntp server 192.0.2.99"]).error_kind == (
        PushError.auth_failed
    )
    lab.clear_faults(name)
    lab.set_fault(name, unreachable=True)
    result = push_config(device, credential, ["ntp server 192.0.2.99"], timeout=2)
    assert result.error_kind is PushError.unreachable


HANDOFF = {"vlan_id": 120, "address": "10.77.0.1/24", "description": "Guest WiFi"}
OTHER_CHANGES = [
    pytest.param("cisco_ios", QosProfileChange(site="hq", profile="standard"), id="ios-qos"),
    pytest.param("arista_eos", QosProfileChange(site="branch3", profile="premium"), id="eos-qos"),
    pytest.param(
        "juniper_junos", QosProfileChange(site="branch2", profile="premium"), id="junos-qos"
    ),
    pytest.param(
        "cisco_ios",
        VlanHandoffChange.model_validate({"site": "hq", **HANDOFF}),
        id="ios-vlan",
    ),
    pytest.param(
        "arista_eos",
        VlanHandoffChange.model_validate({"site": "branch3", **HANDOFF}),
        id="eos-vlan",
    ),
    pytest.param(
        "juniper_junos",
        VlanHandoffChange.model_validate({"site": "branch2", **HANDOFF}),
        id="junos-vlan",
    ),
]


@pytest.mark.parametrize(("platform", "change"), OTHER_CHANGES)
def test_other_changes_apply_and_roll_back(
    edge: EdgeFactory, platform: str, change: ChangeRequest
) -> None:
    _, device, credential = edge(platform)
    backup = fetch_running(device, credential, timeout=TIMEOUT)
    plan = plan_change(device, backup, change, renderer_for(TEMPLATES))
    pushed = push_config(device, credential, plan.commands, timeout=TIMEOUT)
    assert pushed.ok, pushed
    changed = fetch_running(device, credential, timeout=TIMEOUT)
    # The device now runs the new intent: planning the same change again finds nothing to do.
    assert plan_change(device, changed, change, renderer_for(TEMPLATES)).noop
    undone = push_config(device, credential, plan.rollback, timeout=TIMEOUT)
    assert undone.ok, (undone, plan.rollback)
    restored = fetch_running(device, credential, timeout=TIMEOUT)
    assert same_config(platform, restored, backup)


@pytest.mark.parametrize("platform", sorted(EDGES))
def test_collected_state(edge: EdgeFactory, platform: str) -> None:
    _, device, credential = edge(platform)
    state = stable_state(device, credential)
    wan = device.data["wan"]
    assert state.interfaces[wan["interface"]].up
    rate = state.interfaces.get(wan["interface"] + ".0", state.interfaces[wan["interface"]])
    assert rate.bandwidth_kbps == wan["bandwidth_mbps"] * 1000
    (neighbor,) = device.data["bgp_neighbors"]
    assert state.bgp[neighbor["ip"]].established
    assert (state.bgp[neighbor["ip"]].prefixes or 0) > 0
    assert (state.route_count or 0) > 0


@pytest.mark.parametrize(
    "platform",
    ["arista_eos", "cisco_ios", "juniper_junos"],
)
def test_vlan_handoff_is_verified_up(edge: EdgeFactory, platform: str) -> None:
    _, device, credential = edge(platform)
    request = VlanHandoffChange.model_validate({"site": device.site, **HANDOFF})
    backup = fetch_running(device, credential, timeout=TIMEOUT)
    plan = plan_change(device, backup, request, renderer_for(TEMPLATES))
    before = stable_state(device, credential)
    assert push_config(device, credential, plan.commands, timeout=TIMEOUT).ok
    after = collect_state(device, credential, timeout=TIMEOUT)
    result = verify_change(request, before, after, device.data)
    assert result.ok, result.failed
