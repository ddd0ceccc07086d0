"""Change plans: commands limited to the affected features, their rollback, the diff."""

from __future__ import annotations

import hashlib

import pytest

from services.changes.plan import (
    DevicePlan,
    apply_request,
    plan_change,
    restore_commands,
    same_config,
    same_lines,
)
from services.changes.remaining import remaining_commands
from services.changes.requests import (
    ChangeRequest,
    QosProfileChange,
    VlanHandoffChange,
    WanBandwidthChange,
)
from services.compliance.drift import apply_drift, device_drift
from services.compliance.future import future_config
from services.core.errors import ChangeValidationError
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.render import Renderer, renderer_for
from tests.unit.changes.conftest import FLEET, TEMPLATES

IOS, EOS, JUNOS = "acme-hq-r1", "acme-branch3-r1", "acme-branch2-r1"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return renderer_for(TEMPLATES)


def running_of(device: Device, renderer: Renderer) -> str:
    """What the device runs: its intended config plus the drift seeded in its inventory."""
    return apply_drift(device.platform, renderer.render_device(device), device_drift(device))


def plan(name: str, request: ChangeRequest, renderer: Renderer) -> DevicePlan:
    device = FLEET[name]
    return plan_change(device, running_of(device, renderer), request, renderer)


def handoff(site: str) -> VlanHandoffChange:
    return VlanHandoffChange.model_validate(
        {"site": site, "vlan_id": 120, "address": "10.77.0.1/24", "description": "Guest WiFi"}
    )


def test_apply_request_changes_a_copy_of_the_data() -> None:
    device = FLEET[IOS]
    changed = apply_request(device, WanBandwidthChange(site="hq", bandwidth_mbps=300))
    assert changed.data["wan"]["bandwidth_mbps"] == 300
    assert device.data["wan"]["bandwidth_mbps"] == 200
    assert changed.data["wan"]["interface"] == "GigabitEthernet0/0"
    added = apply_request(device, handoff("hq"))
    assert added.data["vlan_handoffs"] == [
        {"vlan_id": 120, "address": "10.77.0.1/24", "description": "Guest WiFi"}
    ]
    assert device.data["vlan_handoffs"] == []


def test_ios_bandwidth(renderer: Renderer) -> None:
    result = plan(IOS, WanBandwidthChange(site="hq", bandwidth_mbps=300), renderer)
    assert result.features == ["qos", "interfaces"]
    assert result.commands == [
        "policy-map WAN-SHAPE",
        " class class-default",
        "  shape average 300000000",
        "interface GigabitEthernet0/0",
        " bandwidth 300000",
    ]
    assert result.rollback == [
        "policy-map WAN-SHAPE",
        " class class-default",
        "  shape average 200000000",
        "interface GigabitEthernet0/0",
        " bandwidth 200000",
    ]
    assert "-  shape average 200000000\n+  shape average 300000000\n" in result.diff
    assert "- bandwidth 200000\n+ bandwidth 300000\n" in result.diff
    assert result.diff.startswith(f"--- {IOS} running\n+++ {IOS} after change\n")


def test_eos_bandwidth_is_the_interface_shaper(renderer: Renderer) -> None:
    result = plan(EOS, WanBandwidthChange(site="branch3", bandwidth_mbps=150), renderer)
    assert result.features == ["interfaces"]
    assert result.commands == ["interface Ethernet1", "   shape rate 150000"]
    assert result.rollback == ["interface Ethernet1", "   shape rate 100000"]


def test_junos_bandwidth_replaces_both_statements(renderer: Renderer) -> None:
    result = plan(JUNOS, WanBandwidthChange(site="branch2", bandwidth_mbps=150), renderer)
    assert result.features == ["interfaces", "qos"]
    assert result.commands == [
        "delete interfaces ge-0/0/0 unit 0 bandwidth 100m",
        "delete class-of-service traffic-control-profiles WAN-SHAPE shaping-rate 100m",
        "set interfaces ge-0/0/0 unit 0 bandwidth 150m",
        "set class-of-service traffic-control-profiles WAN-SHAPE shaping-rate 150m",
    ]
    assert result.rollback == [
        "delete interfaces ge-0/0/0 unit 0 bandwidth 150m",
        "delete class-of-service traffic-control-profiles WAN-SHAPE shaping-rate 150m",
        "set interfaces ge-0/0/0 unit 0 bandwidth 100m",
        "set class-of-service traffic-control-profiles WAN-SHAPE shaping-rate 100m",
    ]


def test_ios_qos_profile_removes_the_old_policy_last(renderer: Renderer) -> None:
    result = plan(IOS, QosProfileChange(site="hq", profile="standard"), renderer)
    assert result.features == ["qos"]
    assert result.commands[-2:] == ["no class-map match-any VOICE", "no policy-map QOS-PREMIUM"]
    assert "  service-policy QOS-STANDARD" in result.commands
    assert result.commands.index("policy-map QOS-STANDARD") < result.commands.index(
        "policy-map WAN-SHAPE"
    )
    assert result.rollback[-1] == "no policy-map QOS-STANDARD"


def test_eos_qos_profile_moves_the_lan_policy(renderer: Renderer) -> None:
    result = plan(EOS, QosProfileChange(site="branch3", profile="premium"), renderer)
    assert result.features == ["qos", "interfaces"]
    assert "   service-policy type qos input QOS-PREMIUM" in result.commands
    assert result.commands[-1] == "no policy-map type quality-of-service QOS-STANDARD"


@pytest.mark.parametrize(
    ("name", "site", "commands", "rollback"),
    [
        (
            IOS,
            "hq",
            [
                "interface GigabitEthernet0/1.120",
                " description Guest WiFi",
                " encapsulation dot1Q 120",
                " ip address 10.77.0.1 255.255.255.0",
            ],
            ["no interface GigabitEthernet0/1.120"],
        ),
        (
            EOS,
            "branch3",
            [
                "interface Ethernet2.120",
                "   description Guest WiFi",
                "   encapsulation dot1q vlan 120",
                "   ip address 10.77.0.1/24",
            ],
            ["no interface Ethernet2.120"],
        ),
        (
            JUNOS,
            "branch2",
            [
                'set interfaces ge-0/0/1 unit 120 description "Guest WiFi"',
                "set interfaces ge-0/0/1 unit 120 vlan-id 120",
                "set interfaces ge-0/0/1 unit 120 family inet address 10.77.0.1/24",
            ],
            [
                'delete interfaces ge-0/0/1 unit 120 description "Guest WiFi"',
                "delete interfaces ge-0/0/1 unit 120 vlan-id 120",
                "delete interfaces ge-0/0/1 unit 120 family inet address 10.77.0.1/24",
            ],
        ),
    ],
)
def test_vlan_handoff(
    renderer: Renderer, name: str, site: str, commands: list[str], rollback: list[str]
) -> None:
    result = plan(name, handoff(site), renderer)
    assert result.features == ["vlan_handoffs"]
    assert (result.commands, result.rollback) == (commands, rollback)


def test_sub_interface_is_diffed_after_its_port(renderer: Renderer) -> None:
    result = plan(IOS, handoff("hq"), renderer)
    assert " ip address 10.1.0.2 255.255.255.0\n+interface GigabitEthernet0/1.120\n" in result.diff


def test_drift_in_the_affected_section_is_part_of_the_plan(renderer: Renderer) -> None:
    """globex-lon-r1 runs a shaper lowered by hand: the rollback restores that, not the intent."""
    result = plan("globex-lon-r1", WanBandwidthChange(site="lon", bandwidth_mbps=300), renderer)
    assert result.commands == ["interface Ethernet1", "   shape rate 300000"]
    assert result.rollback == ["interface Ethernet1", "   shape rate 100000"]


def test_drift_elsewhere_is_left_alone(renderer: Renderer) -> None:
    """acme-branch1-r1 has a wrong NTP server; a bandwidth change does not touch it."""
    result = plan(
        "acme-branch1-r1", WanBandwidthChange(site="branch1", bandwidth_mbps=80), renderer
    )
    assert not any("ntp" in line for line in result.commands + result.rollback)


ALL = [(name, d.site) for name, d in sorted(FLEET.items()) if d.data.get("role") == "edge"]


@pytest.mark.parametrize(("name", "site"), ALL)
def test_every_edge_device_plans_all_kinds_and_converges(
    renderer: Renderer, name: str, site: str
) -> None:
    device = FLEET[name]
    running = running_of(device, renderer)
    other = "standard" if device.data["qos_profile"] == "premium" else "premium"
    for request in (
        WanBandwidthChange(site=site, bandwidth_mbps=123),
        QosProfileChange(site=site, profile=other),
        handoff(site),
    ):
        if not get_platform(device.platform).can_change(request.kind):
            continue  # refused at the door (422)
        result = plan_change(device, running, request, renderer)
        assert result.commands and result.rollback and result.diff
        future = future_config(device.platform, running, result.commands)
        # Planning the same change on the changed device finds nothing left to do...
        assert plan_change(device, future, request, renderer).noop
        # ... and the rollback brings back the running config.
        restored = future_config(device.platform, future, result.rollback)
        assert same_lines(device.platform, restored, running)


def test_plans_are_deterministic(renderer: Renderer) -> None:
    """The same request on the same config always gives these commands, in this order, and these
    hashes (the workflow compares plan hashes between planning and approval)."""
    request = QosProfileChange(site="branch2", profile="premium")
    first = plan(JUNOS, request, renderer)
    # standard -> premium on Junos: the standard scheduler map goes, the premium one (VOICE
    # strict-high at 20 %, BUSINESS at 40 %) comes, and the shaper points at it.
    cos = "class-of-service"
    assert first.features == ["qos"]
    assert first.commands == [
        f"delete {cos} schedulers BUSINESS transmit-rate percent 30",
        f"delete {cos} scheduler-maps QOS-STANDARD forwarding-class assured-forwarding "
        "scheduler BUSINESS",
        f"delete {cos} traffic-control-profiles WAN-SHAPE scheduler-map QOS-STANDARD",
        f"set {cos} traffic-control-profiles WAN-SHAPE scheduler-map QOS-PREMIUM",
        f"set {cos} schedulers VOICE transmit-rate percent 20",
        f"set {cos} schedulers VOICE priority strict-high",
        f"set {cos} schedulers BUSINESS transmit-rate percent 40",
        f"set {cos} scheduler-maps QOS-PREMIUM forwarding-class expedited-forwarding "
        "scheduler VOICE",
        f"set {cos} scheduler-maps QOS-PREMIUM forwarding-class assured-forwarding "
        "scheduler BUSINESS",
    ]
    assert first.rollback == [
        f"delete {cos} traffic-control-profiles WAN-SHAPE scheduler-map QOS-PREMIUM",
        f"delete {cos} schedulers VOICE transmit-rate percent 20",
        f"delete {cos} schedulers VOICE priority strict-high",
        f"delete {cos} schedulers BUSINESS transmit-rate percent 40",
        f"delete {cos} scheduler-maps QOS-PREMIUM forwarding-class expedited-forwarding "
        "scheduler VOICE",
        f"delete {cos} scheduler-maps QOS-PREMIUM forwarding-class assured-forwarding "
        "scheduler BUSINESS",
        f"set {cos} schedulers BUSINESS transmit-rate percent 30",
        f"set {cos} scheduler-maps QOS-STANDARD forwarding-class assured-forwarding "
        "scheduler BUSINESS",
        f"set {cos} traffic-control-profiles WAN-SHAPE scheduler-map QOS-STANDARD",
    ]
    # The running config (no volatile lines on Junos) hashed here with hashlib, and the pinned
    # hashes of the intended and the predicted config: a change to a template, the drift or the
    # normalisation shows up here, as it would between planning and approval.
    running = running_of(FLEET[JUNOS], renderer)
    assert first.running_hash == hashlib.sha256(running.encode()).hexdigest()
    assert first.running_hash == "89e822c21761f2925a820cb81edccb59139478fbd336a3c3ba793c3c488e08a2"
    assert first.intended_hash == (
        "5043845a908e4fa48924503190b3a8fe7f08719817c8c3290e7a0501ecbf4e75"
    )
    assert first.future_hash == "ca2894cfb9c8ae40b3e9c4ac67828b6ac3f98595055a7fb2e805125549a3398c"


def test_restore_after_a_partial_push(renderer: Renderer) -> None:
    device = FLEET[IOS]
    running = running_of(device, renderer)
    result = plan_change(
        device, running, WanBandwidthChange(site="hq", bandwidth_mbps=300), renderer
    )
    partial = future_config(device.platform, running, result.commands[:3])  # the shaper only
    restore = restore_commands(result, partial, running)
    assert restore == ["policy-map WAN-SHAPE", " class class-default", "  shape average 200000000"]
    assert restore_commands(result, running, running) == []


def test_same_config_ignores_volatile_lines_and_section_order() -> None:
    a = (
        "Building configuration...\n!\n! Last configuration change at 1\n"
        "interface A\n x 1\n!\ninterface B\n y 2\n"
    )
    b = "interface B\n y 2\n!\ninterface A\n x 1\n"
    assert same_config("cisco_ios", a, b)
    assert not same_config("cisco_ios", a, "interface A\n x 2\ninterface B\n y 2\n")
    assert not same_config("cisco_ios", "p\n a\n b\n", "p\n b\n a\n")  # order inside counts
    assert same_config(
        "juniper_junos", "set a 1\nset b 2\n", "## Last commit: x\nset b 2\nset a 1\n"
    )


@pytest.mark.parametrize(
    ("name", "site", "foreign"),
    [
        (IOS, "hq", "interface GigabitEthernet0/1.120\n encapsulation dot1Q 120\n shutdown\n"),
        (EOS, "branch3", "interface Ethernet2.120\n   ip address 10.9.9.1/24\n"),
        (JUNOS, "branch2", "set interfaces ge-0/0/1 unit 120 vlan-id 999\n"),
    ],
)
def test_vlan_configured_by_hand_is_not_taken_over(
    renderer: Renderer, name: str, site: str, foreign: str
) -> None:
    device = FLEET[name]
    running = running_of(device, renderer)
    if device.platform == "juniper_junos":
        running += foreign
    else:
        running = running.replace("\nend", "\n" + foreign + "end")
    with pytest.raises(ChangeValidationError, match=r"vlan_id: VLAN 120 is already configured"):
        plan_change(device, running, handoff(site), renderer)


def test_a_partly_pushed_handoff_is_completed(renderer: Renderer) -> None:
    device = FLEET[IOS]
    running = running_of(device, renderer)
    partial = running.replace(
        "\nend", "\ninterface GigabitEthernet0/1.120\n description Guest WiFi\nend"
    )
    result = plan_change(device, partial, handoff("hq"), renderer)
    assert result.commands == [
        "interface GigabitEthernet0/1.120",
        " encapsulation dot1Q 120",
        " ip address 10.77.0.1 255.255.255.0",
    ]


@pytest.mark.parametrize(("name", "site"), ALL)
def test_a_push_sends_what_the_device_still_lacks_from_the_plan_alone(
    renderer: Renderer, name: str, site: str
) -> None:
    """The push step's lines come from the approved plan and the pre-change backup (no intent,
    no templates): all of them on a device as planned, none once applied, the rest after a
    push cut short, and those finish the change."""
    device = FLEET[name]
    backup = running_of(device, renderer)
    for request in (WanBandwidthChange(site=site, bandwidth_mbps=123), handoff(site)):
        if not get_platform(device.platform).can_change(request.kind):
            continue  # refused at the door (422)
        result = plan_change(device, backup, request, renderer)
        assert remaining_commands(result, backup, backup) == result.commands
        done = future_config(device.platform, backup, result.commands)
        assert remaining_commands(result, done, backup) == []
        cut = future_config(device.platform, backup, result.commands[:-1])
        left = remaining_commands(result, cut, backup)
        assert left and {c.strip() for c in left} <= {c.strip() for c in result.commands}
        finished = future_config(device.platform, cut, left)
        assert same_lines(device.platform, finished, done)
