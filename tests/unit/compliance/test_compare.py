"""Compliant devices score 100 %, seeded drifts give exact lines and remediation converges."""

from __future__ import annotations

import pytest

from services.compliance.compare import compare_device, unreachable
from services.compliance.drift import apply_drift, device_drift
from services.compliance.future import future_config
from services.compliance.rules import RuleSet
from tests.unit.compliance.conftest import FLEET

ACME_BANNER = [
    "Authorised access only - Acme Corp network",
    "Managed by the MSP NOC; all sessions are logged",
]
INITECH_BANNER = "Initech private network - unauthorised access prohibited"

# device -> feature -> (missing lines, extra lines) for the drift seeded in lab.yaml
SEEDED: dict[str, dict[str, tuple[list[str], list[str]]]] = {
    "acme-branch1-r1": {"ntp": (["ntp server 192.0.2.11"], ["ntp server 203.0.113.123"])},
    "acme-branch2-r1": {
        "users": ([], ["set system login user temp-admin class super-user"]),
    },
    "acme-branch3-r1": {"banner": (["banner motd", *ACME_BANNER, "EOF"], [])},
    "globex-nyc-r2": {"users": ([], ["username temp-admin privilege 15"])},
    "globex-lon-r1": {
        "interfaces": (
            ["interface Ethernet1", "   shape rate 200000"],
            ["interface Ethernet1", "   shape rate 100000"],
        ),
    },
    "globex-par-r1": {"logging": (["logging host 192.0.2.40"], [])},
    "initech-aus-r2": {"banner": ([f'set system login message "{INITECH_BANNER}"'], [])},
    "initech-dal-r1": {"ntp": (["ntp server 192.0.2.50"], ["ntp server 203.0.113.123"])},
    "initech-dal-r2": {
        "qos": (
            ["policy-map WAN-SHAPE", " class class-default", "  shape average 50000000"],
            ["policy-map WAN-SHAPE", " class class-default", "  shape average 20000000"],
        ),
    },
    "vandelay-bos-fw1": {
        "system": (
            ["config system global", "    set admintimeout 15"],
            ["config system global", "    set admintimeout 480"],
        ),
    },
}
REMEDIATION = {
    "acme-branch1-r1": ["no ntp server 203.0.113.123", "ntp server 192.0.2.11"],
    "acme-branch2-r1": ["delete system login user temp-admin class super-user"],
    "globex-nyc-r2": ["no username temp-admin"],
    "globex-lon-r1": ["interface Ethernet1", "   shape rate 200000"],
    "initech-dal-r2": ["policy-map WAN-SHAPE", " class class-default", "  shape average 50000000"],
    "vandelay-bos-fw1": ["config system global", "    set admintimeout 15"],
}


def running_of(name: str, intended: dict[str, str]) -> str:
    device = FLEET[name]
    return apply_drift(device.platform, intended[name], device_drift(device))


def test_seeded_drift_table_matches_inventories() -> None:
    seeded = {name for name, d in FLEET.items() if device_drift(d).add or device_drift(d).remove}
    assert seeded == set(SEEDED)
    for tenant in {d.tenant for d in FLEET.values()}:
        assert any(d.tenant == tenant and n not in SEEDED for n, d in FLEET.items())


@pytest.mark.parametrize("name", sorted(set(FLEET) - set(SEEDED)))
def test_compliant_device_scores_100(
    name: str, intended: dict[str, str], rules: dict[str, RuleSet]
) -> None:
    device = FLEET[name]
    report = compare_device(device, intended[name], intended[name], rules[device.tenant])
    assert report.status == "compliant"
    assert report.score == 100.0
    assert all(f.status == "compliant" and not f.remediation for f in report.features)
    assert len(report.features) == len(rules[device.tenant].checks(device.platform))


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_seeded_drift_gives_exact_lines(
    name: str, intended: dict[str, str], rules: dict[str, RuleSet]
) -> None:
    device = FLEET[name]
    report = compare_device(
        device, running_of(name, intended), intended[name], rules[device.tenant]
    )
    drifted = {f.feature: (f.missing, f.extra) for f in report.features if f.status != "compliant"}
    assert drifted == SEEDED[name]
    assert report.status == "drift"
    checked = len(report.features)
    assert report.score == round(100 * (checked - len(SEEDED[name])) / checked, 1)
    if name in REMEDIATION:
        assert report.remediation == REMEDIATION[name]


@pytest.mark.parametrize("name", sorted(SEEDED))
def test_remediation_converges(
    name: str, intended: dict[str, str], rules: dict[str, RuleSet]
) -> None:
    device = FLEET[name]
    running = running_of(name, intended)
    report = compare_device(device, running, intended[name], rules[device.tenant])
    fixed = future_config(device.platform, running, report.remediation)
    after = compare_device(device, fixed, intended[name], rules[device.tenant])
    assert after.status == "compliant", [f for f in after.features if f.status != "compliant"]


def test_unreachable_is_never_compliant() -> None:
    report = unreachable(FLEET["acme-hq-r1"], "ssh timeout")
    assert (report.status, report.score, report.features) == ("unreachable", 0.0, [])


def test_unparseable_running_config_is_an_error(
    intended: dict[str, str], rules: dict[str, RuleSet]
) -> None:
    running = intended["acme-hq-r1"].split("^C\n!")[0]  # ends inside the banner
    report = compare_device(FLEET["acme-hq-r1"], running, intended["acme-hq-r1"], rules["acme"])
    assert report.status == "error" and report.score == 0.0
    assert "banner" in report.message
