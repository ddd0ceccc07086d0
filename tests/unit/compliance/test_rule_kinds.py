"""required / forbidden / ordered rules, on IOS-style and Junos configs."""

from __future__ import annotations

from pathlib import Path

from services.compliance.compare import compare_device, compare_features
from services.compliance.future import future_config
from services.compliance.report import FeatureResult
from services.compliance.rules import FeatureCheck, RuleSet, parse_rules
from tests.unit.compliance.conftest import FLEET


def feature(report_features: list[FeatureResult], name: str) -> FeatureResult:
    return next(f for f in report_features if f.feature == name)


def converges(name: str, running: str, intended: str, rules: RuleSet) -> bool:
    device = FLEET[name]
    report = compare_device(device, running, intended, rules)
    fixed = future_config(device.platform, running, report.remediation)
    return compare_device(device, fixed, intended, rules).status == "compliant"


def test_forbidden_line_is_extra_with_a_violation(
    intended: dict[str, str], rules: dict[str, RuleSet]
) -> None:
    running = intended["acme-hq-r1"].replace(
        "!\nbanner", "snmp-server community public RO\n!\nbanner"
    )
    report = compare_device(FLEET["acme-hq-r1"], running, intended["acme-hq-r1"], rules["acme"])
    snmp = feature(report.features, "snmp")
    assert snmp.status == "drift"
    assert snmp.extra == ["snmp-server community public RO"]
    assert snmp.violations == [
        "forbidden /^snmp-server community / matches: snmp-server community public RO"
    ]
    assert snmp.remediation == ["no snmp-server community public RO"]
    assert converges("acme-hq-r1", running, intended["acme-hq-r1"], rules["acme"])


def test_forbidden_only_feature_checks_the_running_config(
    intended: dict[str, str], rules: dict[str, RuleSet]
) -> None:
    name = "globex-par-r1"
    clean = compare_device(FLEET[name], intended[name], intended[name], rules["globex"])
    assert feature(clean.features, "hardening").status == "compliant"
    running = intended[name].replace(
        "!\nend", "ip http server\nip http authentication local\n!\nend"
    )
    report = compare_device(FLEET[name], running, intended[name], rules["globex"])
    hardening = feature(report.features, "hardening")
    assert (hardening.status, hardening.extra) == ("drift", ["ip http server"])
    assert hardening.remediation == ["no ip http server"]


def test_required_lines_in_order(intended: dict[str, str], rules: dict[str, RuleSet]) -> None:
    name = "initech-aus-r1"
    swapped = intended[name].replace(
        "username netops privilege 15\nusername automation privilege 15",
        "username automation privilege 15\nusername netops privilege 15",
    )
    users = feature(
        compare_device(FLEET[name], swapped, intended[name], rules["initech"]).features, "users"
    )
    assert users.status == "drift"
    assert (users.missing, users.extra) == ([], [])
    assert users.violations == [
        "required lines out of order: /^username netops /, /^username automation /"
    ]
    missing = intended[name].replace("username netops privilege 15\n", "")
    users = feature(
        compare_device(FLEET[name], missing, intended[name], rules["initech"]).features, "users"
    )
    assert "required /^username netops / matches no line" in users.violations


def test_ordered_section_is_rewritten_when_classes_move(
    intended: dict[str, str], rules: dict[str, RuleSet]
) -> None:
    name = "acme-hq-r1"
    voice, business = (
        " class VOICE\n  priority percent 20\n",
        " class BUSINESS\n  bandwidth percent 40\n",
    )
    running = intended[name].replace(voice + business, business + voice)
    assert running != intended[name]
    qos = feature(
        compare_device(FLEET[name], running, intended[name], rules["acme"]).features, "qos"
    )
    assert qos.status == "drift"
    assert qos.missing[0] == qos.extra[0] == "policy-map QOS-PREMIUM"
    assert qos.remediation[:2] == ["no policy-map QOS-PREMIUM", "policy-map QOS-PREMIUM"]
    assert qos.remediation[2:] == [
        " class VOICE", "  priority percent 20", " class BUSINESS", "  bandwidth percent 40",
        " class class-default", "  fair-queue",
    ]  # fmt: skip
    assert converges(name, running, intended[name], rules["acme"])


def test_unordered_match_ignores_order(intended: dict[str, str], rules: dict[str, RuleSet]) -> None:
    name = "acme-hq-r1"
    running = intended[name].replace(
        "ntp server 192.0.2.10\nntp server 192.0.2.11",
        "ntp server 192.0.2.11\nntp server 192.0.2.10",
    )
    report = compare_device(FLEET[name], running, intended[name], rules["acme"])
    assert report.status == "compliant"


JUNOS_ORDERED = """\
features:
  ntp:
    sections:
      juniper_junos: ['^set system ntp server ']
    rules:
      - kind: match_intended
        ordered: true
  snmp:
    sections:
      juniper_junos: ['^set snmp ']
    rules:
      - kind: forbidden
        lines: ['^set snmp community ']
"""


def test_junos_ordered_and_forbidden(intended: dict[str, str]) -> None:
    name = "acme-branch2-r1"
    rules = parse_rules(JUNOS_ORDERED, Path("junos.yaml"))
    first, second = "set system ntp server 192.0.2.10", "set system ntp server 192.0.2.11"
    running = intended[name].replace(f"{first}\n{second}", f"{second}\n{first}")
    running += "set snmp community public authorization read-only\n"
    report = compare_device(FLEET[name], running, intended[name], rules)
    ntp, snmp = feature(report.features, "ntp"), feature(report.features, "snmp")
    assert ntp.status == "drift"
    assert ntp.remediation == [
        "delete system ntp server 192.0.2.10", "delete system ntp server 192.0.2.11", first, second,
    ]  # fmt: skip
    assert snmp.remediation == ["delete snmp community public authorization read-only"]
    assert converges(name, running, intended[name], rules)


class Broken:
    def feature(self, check: FeatureCheck) -> FeatureResult:
        raise RuntimeError("boom")


def test_a_failing_feature_is_an_error_not_an_exception(rules: dict[str, RuleSet]) -> None:
    results = compare_features(rules["acme"].checks("cisco_ios")[:2], Broken())
    assert [(r.status, r.message) for r in results] == [("error", "RuntimeError: boom")] * 2


def test_automation_account_is_not_golden_config(
    intended: dict[str, str], rules: dict[str, RuleSet]
) -> None:
    name = "acme-hq-r1"
    running = intended[name].replace(
        "!\nclass-map", "username netwave privilege 15\n!\nclass-map", 1
    )
    assert running != intended[name]
    assert compare_device(FLEET[name], running, intended[name], rules["acme"]).score == 100.0
