"""hier_config drivers for indented-config platforms, tuned to how netwave's configs are written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from hier_config import HConfig, MatchRule, get_hconfig, get_hconfig_driver
from hier_config.models import (
    IdempotentCommandsRule,
    NegationDefaultWithRule,
    NegationSubRule,
    PerLineSubRule,
)
from hier_config.platforms.driver_base import HConfigDriverBase

from services.core.errors import DeviceError
from services.network.platforms import HierSettings, get_platform

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


def one_pass(rules: Sequence[PerLineSubRule]) -> list[PerLineSubRule]:
    """The same per-line substitutions as one rule, for speed.

    hier_config runs every rule's `re.sub` on every line: 16 calls a line for the shared
    tuning, half the
    time of parsing a config. The one rule's search matches a whole line only when one of the
    rules would match it, so a line no rule touches (nearly all of them) costs one search; a
    line that matches gets every rule applied in order, by a replacement function (`re.sub`
    takes one), exactly as before. Rules that cannot be combined (inline flags, numbered
    backreferences) are returned as they are.
    """
    if len(rules) < 2 or any(re.search(r"\\\d|\(\?[a-zA-Z]", r.search) for r in rules):
        return list(rules)
    steps = [(re.compile(r.search), r.replace) for r in rules]
    try:
        gate = re.compile("^(?=.*?(?:" + "|".join(f"(?:{r.search})" for r in rules) + ")).*")
    except re.error:
        return list(rules)

    def in_order(match: re.Match[str]) -> str:
        line = match.group(0)
        for pattern, replace in steps:
            line = pattern.sub(replace, line)
        return line

    # model_construct: the model types `replace` as a string; hier_config only hands it to
    # re.sub, which calls a function with the match.
    return [PerLineSubRule.model_construct(search=gate.pattern, replace=in_order)]  # type: ignore[arg-type]


def tune_for(settings: HierSettings) -> HConfigDriverBase:
    """hier_config's driver with netwave's shared tuning, then the platform's own rules."""
    driver = _tune(get_hconfig_driver(settings.platform), settings.indentation)
    if settings.rules is not None:
        driver = settings.rules(driver)
    return driver


@cache
def driver_for(platform: str) -> HConfigDriverBase:
    """The tuned hier_config driver of an indented netwave platform, built once per process.

    Building one costs more than parsing a config (about 0.5 ms); nothing changes a driver
    after `_tune`, so audits and plans share it.
    """
    settings = get_platform(platform).hier
    if settings is None:
        raise DeviceError(f"platform {platform!r} has no hier_config driver")
    driver = tune_for(settings)
    rules = driver.rules
    driver.rules = rules.model_copy(update={"per_line_sub": one_pass(rules.per_line_sub)})
    return driver


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
