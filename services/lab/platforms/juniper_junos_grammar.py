"""Junos `set` statement grammar, as data: which statements exist and which are single-valued.

Specs use the same token language as grammar.py; `key` is how many leading words identify a
single-valued statement (a new `set system host-name x` replaces the old host-name).
"""

from __future__ import annotations

from services.lab.platforms.grammar import Outcome, Spec, specs

IFNAME = r"<word>"
SYSTEM = (
    "archival|processes|ports|license|scripts|commit|max-configurations-on-flash|"
    "authentication-order|radius-server|tacacs-server|location|static-host-mapping|"
    "internet-options|no-redirects|default-address-selection|management-instance|"
    "auto-snapshot|arp|domain-search|ntp|syslog|"
    "login|services|root-authentication|configuration-database|dump-on-panic|tracing"
)
TOP = (
    "policy-options|class-of-service|firewall|snmp|security|chassis|vlans|routing-instances|"
    "groups|apply-groups|forwarding-options|services|event-options|access|bridge-domains|"
    "switch-options|virtual-chassis|poe|ethernet-switching-options|multi-chassis|applications"
)
PROTOCOLS = (
    "ospf|ospf3|isis|mpls|rsvp|ldp|lldp|lldp-med|pim|igmp|vrrp|rstp|mstp|bfd|"
    "router-advertisement|sflow|l2circuit|evpn|igmp-snooping|connections|layer2-control"
)

STATEMENTS: tuple[Spec, ...] = specs(
    ("system host-name <word>", 2),
    ("system domain-name <word>", 2),
    ("system time-zone <word>", 2),
    "system name-server <ip> ...",
    "system ntp server <addr> ...",
    "system " + SYSTEM + " ...",
    ("interfaces <word> description <rest>", 3),
    "interfaces <word> disable",
    ("interfaces <word> mtu <int>", 3),
    ("interfaces <word> unit <int> description <rest>", 5),
    ("interfaces <word> unit <int> bandwidth <word>", 5),
    ("interfaces <word> unit <int> vlan-id <int>", 5),
    "interfaces <word> unit <int> disable",
    "interfaces <word> unit <int> family inet address <prefix> ...",
    "interfaces <word> unit <int> family inet|inet6|mpls|iso|ethernet-switching ...",
    "interfaces <word> vlan-tagging|flexible-vlan-tagging|encapsulation|gigether-options|"
    "ether-options|speed|link-mode|hold-time|damping|native-vlan-id ...",
    "interfaces interface-range ...",
    ("routing-options router-id <ip>", 2),
    ("routing-options autonomous-system <int> ...", 2),
    "routing-options static route <prefix> ...",
    "routing-options rib|forwarding-table|graceful-restart|maximum-paths|aggregate|generate ...",
    ("protocols bgp group <word> type internal|external", 5),
    ("protocols bgp group <word> peer-as <int>", 5),
    ("protocols bgp group <word> local-address <ip>", 5),
    ("protocols bgp group <word> neighbor <ip> peer-as <int>", 6),
    ("protocols bgp group <word> neighbor <ip> description <rest>", 6),
    "protocols bgp group <word> neighbor <ip> ...",
    "protocols bgp group <word> ...",
    "protocols bgp ...",
    "protocols " + PROTOCOLS + " ...",
    TOP + " ...",
)


def match_statement(words: list[str]) -> tuple[Spec | None, Outcome, int]:
    """The spec a statement matches, or how far the best attempt got (for the caret)."""
    best = (Outcome.INVALID, 0)
    for spec in STATEMENTS:
        outcome, index = spec.match(words)
        if outcome is Outcome.OK:
            return spec, outcome, -1
        if (index, outcome is Outcome.INCOMPLETE) > (best[1], best[0] is Outcome.INCOMPLETE):
            best = (outcome, index)
    return None, best[0], best[1]


def valid_path(words: list[str]) -> bool:
    """Whether `edit`/`delete` may use this path (a prefix of some statement)."""
    for spec in STATEMENTS:
        outcome, _ = spec.match(words)
        if outcome is not Outcome.INVALID:
            return True
    return False
