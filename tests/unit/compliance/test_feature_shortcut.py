"""A feature with nothing to tell apart is reported without comparing copies: the same result."""

from __future__ import annotations

import pytest

from services.compliance.compare import COMPARISONS
from services.compliance.indented import HierComparison
from services.compliance.rules import RuleSet
from services.network.platforms import get_platform
from tests.unit.compliance.conftest import FLEET
from tests.unit.compliance.test_compare import running_of

IOS_STYLE = sorted(
    n for n, d in FLEET.items() if COMPARISONS[get_platform(d.platform).syntax] is HierComparison
)

# What a device adds to its intended config (defaults it prints), and faults of each rule kind.
DEFAULTS = "service timestamps log datetime msec\nboot-start-marker\n"
FORBIDDEN = "username intern privilege 1 password 0 letmein\nsnmp-server community public RO\n"


def _without_ntp(text: str) -> str:
    """The config without its NTP lines; a block closed by its own word (FortiOS `config
    system ntp` ... `end`) goes whole."""
    kept: list[str] = []
    skip_to: str | None = None
    for line in text.splitlines():
        if skip_to is not None:
            skip_to = None if line == skip_to else skip_to
        elif "ntp" in line and line.startswith("config "):
            skip_to = "end"
        elif "ntp" not in line:
            kept.append(line)
    return "\n".join(kept)


def variants(name: str, intended: dict[str, str]) -> dict[str, str]:
    text = intended[name]
    return {
        "as intended": text,
        "with the device's defaults": DEFAULTS + text,
        "as seeded in the inventory": running_of(name, intended),
        "with forbidden lines": text + FORBIDDEN,
        "without ntp": _without_ntp(text),
        "a line changed": text.replace("ntp server 192.0.2.", "ntp server 198.51.100.", 1),
    }


@pytest.mark.parametrize("name", IOS_STYLE)
def test_every_feature_as_the_full_comparison_reports_it(
    name: str, intended: dict[str, str], rules: dict[str, RuleSet]
) -> None:
    device = FLEET[name]
    checks = rules[device.tenant].checks(device.platform)
    for how, running in variants(name, intended).items():
        comparison = HierComparison(device.platform, running, intended[name])
        for check in checks:
            assert comparison.feature(check) == comparison.compared(check), (how, check.feature)


def test_the_variants_reach_both_paths(intended: dict[str, str], rules: dict[str, RuleSet]) -> None:
    """Some results come from the shortcut (compliant), some from the full comparison."""
    name = IOS_STYLE[0]
    device = FLEET[name]
    checks = rules[device.tenant].checks(device.platform)
    statuses = {}
    for how, running in variants(name, intended).items():
        comparison = HierComparison(device.platform, running, intended[name])
        statuses[how] = {comparison.feature(check).status for check in checks}
    assert statuses["as intended"] == {"compliant"}
    assert "drift" in statuses["with forbidden lines"] and "drift" in statuses["a line changed"]
