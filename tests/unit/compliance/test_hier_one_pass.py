"""The per-line substitutions as one rule: the same trees as hier_config's rule-by-rule pass."""

from __future__ import annotations

import pytest
from hier_config import HConfig, get_hconfig
from hier_config.exceptions import DuplicateChildError
from hier_config.models import PerLineSubRule
from hier_config.platforms.driver_base import HConfigDriverBase

from services.compliance.hier import driver_for, one_pass, tune_for
from services.network.platforms import PLATFORMS, get_platform

# Lines each rule removes or cuts, next to look-alikes it must leave alone; a banner whose text
# looks like comments (hier_config never substitutes inside a banner).
TRICKY = """Building configuration...
Current configuration : 1234 bytes
! Last configuration change at 10:00:00 UTC
version 15.2
!
hostname r1
ntp clock-period 17179
interface GigabitEthernet0/1
 description  two   spaces
 no ip address
 no ip address dhcp
 ipv6 unreachables disable
   ipv6 unreachables disable
 logging event link-status
 logging event link-status extra
# hash comment
banner motd ^C
! not a comment inside a banner
version inside a banner
^C
router bgp 65000
 address-family ipv4
  neighbor 192.0.2.1 activate
 exit-address-family
exit
frr version 8.4
frr defaults traditional
crypto key generate rsa general-keys modulus 2048
end
"""


def _rule_by_rule(platform: str) -> HConfigDriverBase:
    """The driver as tuned before the rules were combined."""
    settings = get_platform(platform).hier
    assert settings is not None
    return tune_for(settings)


def _outline(config: HConfig) -> list[tuple[int, str]]:
    return [(child.depth(), child.text) for child in config.all_children()]


@pytest.mark.parametrize("platform", sorted(n for n, p in PLATFORMS.items() if p.hier))
def test_one_rule_parses_every_config_as_the_rules_one_by_one(
    platform: str, intended: dict[str, str]
) -> None:
    before, after = _rule_by_rule(platform), driver_for(platform)
    assert len(after.rules.per_line_sub) == 1 < len(before.rules.per_line_sub)
    for text in [TRICKY, *intended.values()]:
        assert _parsed(after, text) == _parsed(before, text)


def _parsed(driver: HConfigDriverBase, text: str) -> list[tuple[int, str]] | str:
    """The outline, or the error a config of another syntax gives (FortiOS's `next` lines
    repeat under one IOS-style parent)."""
    try:
        return _outline(get_hconfig(driver, text))
    except DuplicateChildError as exc:
        return f"DuplicateChildError: {exc}"


def test_the_removed_lines_are_gone_and_the_banner_is_whole() -> None:
    lines = [text for _, text in _outline(get_hconfig(driver_for("frr"), TRICKY))]
    assert "hostname r1" in lines
    assert not any(line.startswith(("Building", "version", "frr ", "ntp clock")) for line in lines)
    assert "dhcp" in lines  # ' no ip address' is cut from the front, as hier_config does
    banner = next(line for line in lines if line.startswith("banner motd"))
    assert "! not a comment inside a banner" in banner


def test_rules_that_cannot_be_combined_are_kept_as_they_are() -> None:
    backreference = [
        PerLineSubRule(search=r"^(\w+) \1$", replace=""),
        PerLineSubRule(search=r"^end$", replace=""),
    ]
    flags = [
        PerLineSubRule(search=r"(?i)^end$", replace=""),
        PerLineSubRule(search=r"^exit$", replace=""),
    ]
    assert one_pass(backreference) == backreference
    assert one_pass(flags) == flags
    single = [PerLineSubRule(search=r"^end$", replace="")]
    assert one_pass(single) == single
