"""Rule files: the shipped ones load; a bad one is rejected naming path, line and field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.compliance.rules import load_rules, tenant_rules
from services.core.errors import RuleError
from services.network.platforms import PLATFORMS
from services.network.render import renderer_for

REPO = Path(__file__).resolve().parents[3]

GOOD = """\
features:
  ntp:
    sections:
      cisco_ios: ['^ntp server ']
      juniper_junos: ['^set system ntp server ']
    rules:
      - kind: match_intended
      - kind: required
        platforms: [cisco_ios]
        lines: ['^ntp server ']
        ordered: true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "compliance.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("tenant", ["acme", "globex", "initech"])
def test_shipped_rule_files_load(tenant: str) -> None:
    rules = tenant_rules(REPO / "inventories", tenant)
    for platform in ("cisco_ios", "arista_eos", "juniper_junos"):
        checks = {c.feature: c for c in rules.checks(platform)}
        assert {"ntp", "banner", "users", "bgp", "qos", "interfaces"} <= set(checks)
        assert all(
            c.match_intended is not None for c in checks.values() if c.feature != "hardening"
        )


def test_rules_apply_per_platform(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, GOOD))
    ios, junos = rules.checks("cisco_ios")[0], rules.checks("juniper_junos")[0]
    assert ios.required and not junos.required
    assert ios.owns("ntp server 192.0.2.1") and not ios.owns("ntp source Loopback0")
    assert rules.checks("arista_eos") == []


BAD_EDITS = [  # (text in GOOD, replacement, expected "line: field: problem")
    ("'^ntp server ']\n        ordered", "'^ntp (server']\n        ordered",
     r":10: features\.ntp\.rules\[1\]\.lines\[0\]: invalid regular expression"),
    ("ordered: true", "orderd: true", r":11: features\.ntp\.rules\[1\]\.orderd: unknown field"),
    ("kind: required", "kind: mandatory", r":8: features\.ntp\.rules\[1\]: .*mandatory"),
    ("      cisco_ios: ['^ntp", "      cisco_xr: ['^ntp",
     r":4: features\.ntp\.sections\.cisco_xr: unknown platform"),
    ("        lines: ['^ntp server ']\n", "",
     r":8: features\.ntp\.rules\[1\]\.lines: Field required"),
    ("platforms: [cisco_ios]", "platforms: [arista_eos]",
     r":9: features\.ntp\.rules\[1\]\.platforms: platform 'arista_eos' has no sections"),
    ("  ntp:", "  NTP:", r":2: features\.NTP: .*pattern"),
    ("      - kind: match_intended\n", "      - kind: match_intended\n" * 2,
     r":8: features\.ntp\.rules\[1\]: second match_intended"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "where"), BAD_EDITS)
def test_bad_rule_file_names_path_line_and_field(
    tmp_path: Path, old: str, new: str, where: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RuleError) as caught:
        load_rules(path)
    assert caught.value.message.startswith(f"{path}:")
    assert re.search(where, caught.value.message), caught.value.message


def test_empty_rule_list_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.split("    rules:")[0] + "    rules: []\n")
    with pytest.raises(RuleError, match=r":6: features\.ntp\.rules: List should have at least 1"):
        load_rules(path)


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("kind: match_intended", "kind: [match_intended"))
    with pytest.raises(RuleError, match=rf"{path}:\d+: YAML syntax error"):
        load_rules(path)


def test_missing_rule_file(tmp_path: Path) -> None:
    own, default = tmp_path / "acme" / "compliance.yaml", tmp_path / "compliance.yaml"
    with pytest.raises(RuleError) as raised:
        tenant_rules(tmp_path, "acme")
    assert raised.value.message == (
        f"no compliance rules for tenant 'acme': cannot read {own} nor the fleet's default "
        f"{default} (netwave ships one in its inventories/compliance.yaml)"
    )


def test_not_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=":1: expected a mapping"):
        load_rules(write(tmp_path, "- ntp\n"))


def test_tenant_without_rule_file_uses_the_default(tmp_path: Path) -> None:
    (tmp_path / "t1").mkdir()
    with pytest.raises(RuleError, match="no compliance rules for tenant 't1'"):
        tenant_rules(tmp_path, "t1")
    default = REPO / "inventories" / "compliance.yaml"
    (tmp_path / "compliance.yaml").write_text(default.read_text())
    rules = tenant_rules(tmp_path, "t1")
    assert "ntp" in rules.features


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
def test_the_default_rules_audit_every_feature_of_each_platform(platform: str) -> None:
    rules = load_rules(REPO / "inventories" / "compliance.yaml")
    features = renderer_for(REPO / "templates").features(platform)
    audited = {check.feature for check in rules.checks(platform)}
    unaudited = [feature for feature in features if feature not in audited]
    assert unaudited == [], f"templates/{platform}/ features without default sections"
