"""hier_config drivers for IOS-style platforms, tuned to how netwave's configs are written."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from hier_config import HConfig, MatchRule, Platform, get_hconfig, get_hconfig_driver
from hier_config.models import (
    IdempotentCommandsRule,
    NegationDefaultWithRule,
    NegationSubRule,
    PerLineSubRule,
)
from hier_config.platforms.driver_base import HConfigDriverBase

from services.core.errors import DeviceError

# netwave platform -> (hier_config platform, indentation of `show running-config`)
HIER_PLATFORMS: dict[str, tuple[Platform, int]] = {
    "cisco_ios": (Platform.CISCO_IOS, 1),
    "arista_eos": (Platform.ARISTA_EOS, 3),
    "frr": (Platform.CISCO_IOS, 1),
}

# Commands where the new value simply replaces the old one: remediation pushes the new line
# without a `no` for the old one, as an engineer would.
_LAST_VALUE_WINS: tuple[tuple[str, ...], ...] = (
    ("hostname",),
    ("ip domain name",),
    ("ip domain-name",),
    ("logging trap",),
    ("snmp-server location",),
    ("snmp-server contact",),
    ("banner motd",),
    ("aaa authentication login default",),
    ("aaa authorization exec default",),
    ("interface", "description"),
    ("interface", "bandwidth"),
    ("interface", "shape rate"),
    ("interface", "ip address"),
    ("interface", "service-policy output"),
    ("interface", "service-policy type qos input"),
    ("policy-map", "class", "shape average"),
    ("policy-map", "class", "priority"),
    ("policy-map", "class", "bandwidth"),
    ("policy-map", "class", "set traffic-class"),
)


def _tune(driver: HConfigDriverBase, indentation: int) -> HConfigDriverBase:
    rules = driver.rules
    idempotent = [
        IdempotentCommandsRule(match_rules=tuple(MatchRule(startswith=w) for w in path))
        for path in _LAST_VALUE_WINS
    ]
    idempotent.append(
        IdempotentCommandsRule(
            match_rules=(
                MatchRule(startswith="router bgp"),
                MatchRule(re_search=r"^neighbor (\S+) description "),
            )
        )
    )
    # A banner is removed by name, never by repeating its text.
    banner = NegationDefaultWithRule(
        match_rules=(MatchRule(startswith="banner motd"),), use="no banner motd"
    )
    # `no username NAME` removes the account whatever its options were.
    username = NegationSubRule(
        match_rules=(MatchRule(startswith="username "),),
        search=r"^no username (\S+) .*$",
        replace=r"no username \1",
    )
    driver.rules = rules.model_copy(
        update={
            "indentation": indentation,
            "idempotent_commands": [*rules.idempotent_commands, *idempotent],
            "negate_with": [*rules.negate_with, banner],
            "negation_sub": [*rules.negation_sub, username],
        }
    )
    return driver


def _frr(driver: HConfigDriverBase) -> HConfigDriverBase:
    """FRR closes every section with a top-level `exit` and prints its version: not config."""
    rules = driver.rules
    dropped = [
        PerLineSubRule(search=r"^exit$", replace=""),
        PerLineSubRule(search=r"^frr (version|defaults) .*", replace=""),
    ]
    idempotent = [
        IdempotentCommandsRule(match_rules=(MatchRule(startswith="log syslog"),)),
        IdempotentCommandsRule(
            match_rules=(MatchRule(startswith="router bgp"), MatchRule(startswith="bgp router-id"))
        ),
    ]
    driver.rules = rules.model_copy(
        update={
            "per_line_sub": [*rules.per_line_sub, *dropped],
            "idempotent_commands": [*rules.idempotent_commands, *idempotent],
        }
    )
    return driver


# Platform-specific rules on top of the shared tuning, keyed by netwave platform.
PLATFORM_RULES: dict[str, Callable[[HConfigDriverBase], HConfigDriverBase]] = {"frr": _frr}


@cache
def driver_for(platform: str) -> HConfigDriverBase:
    """The tuned hier_config driver of an IOS-style netwave platform, built once per process.

    Building one costs more than parsing a config (about 0.5 ms); nothing changes a driver
    after `_tune`, so audits and plans share it.
    """
    try:
        hier_platform, indentation = HIER_PLATFORMS[platform]
    except KeyError:
        raise DeviceError(f"platform {platform!r} has no hier_config driver") from None
    driver = _tune(get_hconfig_driver(hier_platform), indentation)
    extra = PLATFORM_RULES.get(platform)
    return extra(driver) if extra is not None else driver


def parse(driver: HConfigDriverBase, text: str) -> HConfig:
    """Parse config text; a malformed config (e.g. an unterminated banner) is a DeviceError."""
    try:
        return get_hconfig(driver, text)
    except ValueError as exc:
        raise DeviceError(f"cannot parse config: {exc}") from None


def lines_of(config: HConfig) -> list[str]:
    """Config lines with indentation; multi-line entries (banners) split into lines."""
    return [
        line
        for child in config.all_children_sorted()
        for line in child.cisco_style_text().split("\n")
    ]
