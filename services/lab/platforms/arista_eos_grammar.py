"""Arista EOS configuration-mode grammar, as data (see grammar.py for the format)."""

from __future__ import annotations

from ipaddress import IPv4Interface

from services.lab.platforms.grammar import (
    ACCOUNT_LEAVES,
    LOGGING_LEAVES,
    Grammar,
    Section,
    Spec,
    header_normalizer,
    interface_namer,
    specs,
)

SHORT_NAMES = {
    "Ethernet": "Et",
    "Loopback": "Lo",
    "Management": "Ma",
    "Vlan": "Vl",
    "Port-Channel": "Po",
    "Vxlan": "Vx",
    "Tunnel": "Tu",
}
expand_interface = interface_namer(tuple(SHORT_NAMES))
_headers = header_normalizer(expand_interface)

IF_IP = (
    "access-group|helper-address|ospf|pim|igmp|mtu|proxy-arp|verify|dhcp|virtual-router|"
    "local-proxy-arp|attached-host|tcp|unreachables|redirects"
)
GLOBAL_IP = (
    "routing|route|prefix-list|name-server|domain-name|domain|community-list|as-path|"
    "virtual-router|host|icmp|ftp|http|tftp|multicast-routing|igmp|pim|dhcp|load-sharing|"
    "hardware|extcommunity-list|radius|tacacs|ssh|domain-list|fhrp"
)

SECTIONS = (
    Section("if", "global", Spec.of("interface <word> ..."), "config-if"),
    Section("bgp", "global", Spec.of("router bgp <int>"), "config-router-bgp"),
    Section("ospf", "global", Spec.of("router ospf <int> ..."), "config-router-ospf"),
    Section("bgp-af", "bgp", Spec.of("address-family ipv4|ipv6 ..."), "config-router-bgp-af"),
    Section("bgp-vrf", "bgp", Spec.of("vrf <word>"), "config-router-bgp-vrf"),
    Section("pmap", "global", Spec.of("policy-map ..."), "config-pmap"),
    Section("pmap-c", "pmap", Spec.of("class <word>"), "config-pmap-c"),
    Section("cmap", "global", Spec.of("class-map ..."), "config-cmap"),
    Section("acl", "global", Spec.of("ip access-list <word> ..."), "config-acl"),
    Section("route-map", "global", Spec.of("route-map <word> ..."), "config-route-map"),
    Section("vlan", "global", Spec.of("vlan <int>"), "config-vlan"),
    Section("vrf", "global", Spec.of("vrf instance <word>"), "config-vrf"),
    Section("mgmt", "global", Spec.of("management <rest>"), "config-mgmt"),
)

LEAVES = {
    "global": specs(
        ("hostname <word>", 1),
        ("ip domain-name <word>", 2),
        "ip " + GLOBAL_IP + " ...",
        "ipv6 ...",
        ("ntp source <word>", 2),
        "ntp server <word> ...",
        "ntp ...",
        *LOGGING_LEAVES,
        ("snmp-server location <rest>", 2),
        ("snmp-server contact <rest>", 2),
        "snmp-server ...",
        *ACCOUNT_LEAVES,
        ("clock timezone <word>", 2),
        "aaa ...",
        "spanning-tree ...",
        "transceiver ...",
        "daemon ...",
        "event-handler ...",
        "errdisable ...",
        "lldp ...",
        "mac ...",
        "queue-monitor ...",
        "platform ...",
        "hardware ...",
        "qos ...",
        "dot1x ...",
        "switchport ...",
        "tacacs-server ...",
        "radius-server ...",
        "sflow ...",
        "load-interval ...",
        "prompt ...",
        "terminal ...",
        "agent ...",
        "monitor ...",
        "mpls ...",
        "peer-filter ...",
    ),
    "if": specs(
        ("description <rest>", 1),
        "ip address <prefix> secondary",
        ("ip address <prefix>", 2),
        ("ip address <ip> <mask>", 2),
        "ip " + IF_IP + " ...",
        "ipv6 ...",
        "shutdown",
        "switchport ...",
        ("mtu <int>", 1),
        ("speed <word> ...", 1),
        ("shape rate <int> ...", 2),
        ("bandwidth <int>", 1),
        ("service-policy type qos input|output <word>", 4),
        ("service-policy input|output <word>", 2),
        ("channel-group <int> mode <word>", 1),
        "lldp ...",
        "spanning-tree ...",
        "storm-control ...",
        ("load-interval <int>", 1),
        ("vrf <word>", 1),
        ("mac-address <word>", 1),
        "qos ...",
        "tx-queue ...",
        "logging ...",
        "bfd ...",
        "pim ...",
        "mpls ...",
        "arp ...",
        ("encapsulation ...", 1),
        "flowcontrol ...",
        "errdisable ...",
        "sflow ...",
    ),
    "bgp": specs(
        ("router-id <ip>", 1),
        ("neighbor <word> remote-as <int>", 3),
        ("neighbor <word> description <rest>", 3),
        "neighbor <word> shutdown",
        ("neighbor <word> update-source <word>", 3),
        ("neighbor <word> maximum-routes <int> ...", 3),
        ("neighbor <word> password ...", 3),
        "neighbor <word> <rest>",
        "network <prefix> ...",
        "redistribute ...",
        ("maximum-paths ...", 1),
        ("timers bgp ...", 2),
        "bgp ...",
        ("distance bgp ...", 2),
        "aggregate-address ...",
        "graceful-restart ...",
    ),
    "bgp-af": specs("neighbor <word> <rest>", "network <prefix> ...", "redistribute ..."),
    "bgp-vrf": specs(
        ("rd <word>", 1), "route-target ...", "neighbor <word> <rest>", "redistribute ..."
    ),
    "ospf": specs(
        ("router-id <ip>", 1),
        "network <prefix> area <word>",
        "passive-interface ...",
        "redistribute ...",
        ("max-lsa <int> ...", 1),
        "area ...",
        ("maximum-paths <int>", 1),
    ),
    "pmap": specs(("description <rest>", 1)),
    "pmap-c": specs(
        "set ...", ("police ...", 1), ("shape rate ...", 2), ("bandwidth ...", 1), "priority ..."
    ),
    "cmap": specs("match ...", ("description <rest>", 1)),
    "acl": specs(
        "permit|deny ...", "remark <rest>", "<int> permit|deny|remark ...", "statistics ..."
    ),
    "route-map": specs("match ...", "set ...", ("description <rest>", 1), "continue ..."),
    "vlan": specs(("name <word>", 1), ("state ...", 1)),
    "vrf": specs(("description <rest>", 1), ("rd <word>", 1)),
    "mgmt": specs(
        "shutdown", "protocol ...", ("idle-timeout <int>", 1), "authentication ...", "vrf ..."
    ),
}

STORED_NEGATIONS = {
    "global": ("aaa root", "ip routing", "logging console", "logging monitor"),
    "if": ("switchport",),
    "mgmt": ("shutdown",),
}

RANKS = (
    ("aaa root", 2),
    ("username", 4),
    ("transceiver", 6),
    ("service", 8),
    ("logging buffered", 9),
    ("logging console", 9),
    ("hostname", 10),
    ("ip name-server", 11),
    ("ip domain", 12),
    ("ntp", 13),
    ("snmp-server", 14),
    ("spanning-tree", 15),
    ("aaa", 16),
    ("enable", 17),
    ("vrf instance", 18),
    ("vlan", 19),
    ("class-map", 20),
    ("policy-map", 21),
    ("interface", 30),
    ("ip access-list", 35),
    ("ip routing", 36),
    ("ip prefix-list", 37),
    ("ip route", 38),
    ("route-map", 40),
    ("router", 45),
    ("logging", 48),
    ("banner", 60),
    ("management", 62),
)


def normalize(line: str) -> str:
    """Interface names in full; `ip address A M` stored as `ip address A/len` like EOS."""
    line = _headers(line)
    words = line.split()
    if len(words) in (4, 5) and words[:2] == ["ip", "address"] and "/" not in words[2]:
        try:
            prefix = IPv4Interface(f"{words[2]}/{words[3]}")
        except ValueError:
            return line
        return " ".join(["ip", "address", prefix.with_prefixlen, *words[4:]])
    return line


def _protected(header: str) -> str | None:
    """Physical ports cannot be removed; sub-interfaces (`Ethernet2.120`) and virtual ones can."""
    words = header.split()
    if words[0] == "interface" and len(words) > 1:
        name = words[1]
        if name.startswith(("Ethernet", "Management")) and "." not in name:
            return "% Removal of physical interfaces is not permitted"
    return None


def short_interface(name: str) -> str:
    for full, short in SHORT_NAMES.items():
        if name.startswith(full):
            return short + name[len(full) :]
    return name


EOS_GRAMMAR = Grammar(
    sections=SECTIONS,
    leaves=LEAVES,
    stored_negations=STORED_NEGATIONS,
    ranks=RANKS,
    normalize=normalize,
    protected=_protected,
)
