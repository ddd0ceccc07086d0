"""Initial configs: lab scaffolding plus the managed sections (golden templates or built-in).

`*_base` is what every lab device has outside netwave's golden config (boot image, loopback,
unused ports, the automation user, vty lines). `*_managed` is the built-in stand-in for the
templated sections, used when a device's inventory cannot render the templates.
"""

from __future__ import annotations

from services.lab import images
from services.lab.config_tree import ConfigTree
from services.lab.device import DeviceSpec
from services.lab.platforms.seed import Seed, fake_hash, mask, network_mask, seed_of


def merge(managed: ConfigTree, base: ConfigTree) -> ConfigTree:
    """Add base sections and lines the managed config does not have (managed wins)."""
    for node in base.root.children:
        if managed.root.child(node.line) is None:
            managed.root.insert(node)
    return managed


def _ports(seed: Seed, ports: list[str]) -> tuple[str, str, list[str]]:
    wan = seed.wan_interface or ports[0]
    lan = seed.lan_interface or next(p for p in ports if p != wan)
    return wan, lan, [p for p in ports if p not in (wan, lan)]


IOS_PORTS = ["GigabitEthernet0/0", "GigabitEthernet0/1", "GigabitEthernet0/2", "GigabitEthernet0/3"]
EOS_PORTS = ["Ethernet1", "Ethernet2", "Ethernet3", "Ethernet4"]
JUNOS_PORTS = ["ge-0/0/0", "ge-0/0/1", "ge-0/0/2", "ge-0/0/3"]


def ios_base(spec: DeviceSpec) -> str:
    s = seed_of(spec)
    image = images.for_version("cisco_ios", str(spec.data.get("version") or ""))
    _, _, unused = _ports(s, IOS_PORTS)
    lines = [
        "service timestamps debug datetime msec",
        "service timestamps log datetime msec",
        "service password-encryption",
        "no service pad",
        "boot-start-marker",
        f"boot system flash:{image.filename}",
        "boot-end-marker",
        "logging buffered 64000",
        "no logging console",
        f"enable secret 9 $9${fake_hash(s, 'enable')}",
        "no ip domain lookup",
        f"username {s.username} privilege 15 secret 9 $9${fake_hash(s, s.username)}",
        "interface Loopback0",
        " description Router-ID",
        f" ip address {mask(s.loopback)}",
    ]
    for port in unused:
        lines += [f"interface {port}", " no ip address", " shutdown", " negotiation auto"]
    lines += [
        "ip forward-protocol nd",
        "no ip http server",
        "no ip http secure-server",
        "ip ssh version 2",
        "ip route 10.250.0.0 255.255.0.0 Null0",
        "line con 0",
        " logging synchronous",
        "line vty 0 4",
        " login local",
        " transport input ssh",
        *s.extra_config,
    ]
    return "\n".join(lines) + "\n"


def ios_managed(spec: DeviceSpec) -> str:
    s = seed_of(spec)
    wan, lan, _ = _ports(s, IOS_PORTS)
    lines = [f"hostname {s.hostname}", f"ip domain name {s.domain}", f"interface {wan}"]
    if s.wan_address is not None:
        lines += [
            f" description {s.wan_description}",
            f" bandwidth {s.wan_mbps * 1000}",
            f" ip address {mask(s.wan_address)}",
        ]
    lines += [
        f"interface {lan}",
        f" description {s.lan_description}",
        f" ip address {mask(s.lan)}",
        f"router bgp {s.asn}",
        " bgp log-neighbor-changes",
        f" network {network_mask(s.lan)}",
    ]
    for n in s.neighbors:
        lines += [
            f" neighbor {n.ip} remote-as {n.remote_as}",
            f" neighbor {n.ip} description {n.description}",
        ]
    if s.syslog_server:
        lines += ["logging trap informational", f"logging host {s.syslog_server}"]
    lines += [
        "banner motd ^C",
        f"Authorized access only. {s.hostname} is managed by netwave.",
        "^C",
        *[f"ntp server {server}" for server in s.ntp_servers],
    ]
    return "\n".join(lines) + "\n"


def eos_base(spec: DeviceSpec) -> str:
    s = seed_of(spec)
    _, _, unused = _ports(s, EOS_PORTS)
    lines = [
        "no aaa root",
        f"username {s.username} privilege 15 role network-admin secret sha512 "
        f"$6${fake_hash(s, s.username)}",
        "transceiver qsfp default-mode 4x10G",
        "service routing protocols model multi-agent",
        "spanning-tree mode mstp",
        f"enable secret sha512 $6${fake_hash(s, 'enable')}",
    ]
    for port in unused:
        lines += [f"interface {port}", "   shutdown"]
    lines += [
        "interface Loopback0",
        "   description Router-ID",
        f"   ip address {s.loopback.with_prefixlen}",
        "interface Management1",
        "   description oob",
        "ip routing",
        "ip route 10.250.0.0/16 Null0",
        "management api http-commands",
        "   no shutdown",
        *s.extra_config,
    ]
    return "\n".join(lines) + "\n"


def eos_managed(spec: DeviceSpec) -> str:
    s = seed_of(spec)
    wan, lan, _ = _ports(s, EOS_PORTS)
    lines = [
        f"hostname {s.hostname}",
        f"ip domain-name {s.domain}",
        "ip routing",
        *[f"ntp server {server}" for server in s.ntp_servers],
        f"interface {wan}",
    ]
    if s.wan_address is not None:
        lines += [
            f"   description {s.wan_description}",
            "   no switchport",
            f"   ip address {s.wan_address.with_prefixlen}",
            f"   shape rate {s.wan_mbps * 1000}",
        ]
    lines += [
        f"interface {lan}",
        f"   description {s.lan_description}",
        "   no switchport",
        f"   ip address {s.lan.with_prefixlen}",
        f"router bgp {s.asn}",
    ]
    for n in s.neighbors:
        lines += [
            f"   neighbor {n.ip} remote-as {n.remote_as}",
            f"   neighbor {n.ip} description {n.description}",
        ]
    lines += [f"   network {s.lan.network}"]
    if s.syslog_server:
        lines += ["logging trap informational", f"logging host {s.syslog_server}"]
    lines += ["banner motd", f"Authorized access only. {s.hostname} is managed by netwave.", "EOF"]
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    """Junos quotes values with spaces, as `display set` prints them."""
    return f'"{text}"' if " " in text else text


def junos_base(spec: DeviceSpec) -> list[str]:
    s = seed_of(spec)
    _, _, unused = _ports(s, JUNOS_PORTS)
    return [
        'set system root-authentication encrypted-password "$6$lab$rootpassword"',
        f"set system login user {s.username} uid 2000",
        f"set system login user {s.username} class super-user",
        f'set system login user {s.username} authentication encrypted-password "$6$lab$user"',
        "set system services ssh",
        "set system services netconf ssh",
        *[f"set interfaces {port} disable" for port in unused],
        f"set interfaces lo0 unit 0 family inet address {s.loopback.with_prefixlen}",
        f"set routing-options router-id {s.router_id}",
        "set routing-options static route 10.250.0.0/16 discard",
        *[line if line.startswith("set ") else f"set {line}" for line in s.extra_config],
    ]


def junos_managed(spec: DeviceSpec) -> list[str]:
    s = seed_of(spec)
    wan, lan, _ = _ports(s, JUNOS_PORTS)
    lines = [
        f"set system host-name {s.hostname}",
        f"set system domain-name {s.domain}",
        *[f"set system ntp server {server}" for server in s.ntp_servers],
    ]
    if s.syslog_server:
        lines.append(f"set system syslog host {s.syslog_server} any info")
    if s.wan_address is not None:
        lines += [
            f"set interfaces {wan} description {_q(s.wan_description)}",
            f"set interfaces {wan} unit 0 bandwidth {s.wan_mbps}m",
            f"set interfaces {wan} unit 0 family inet address {s.wan_address.with_prefixlen}",
        ]
    lines += [
        f"set interfaces {lan} description {_q(s.lan_description)}",
        f"set interfaces {lan} unit 0 family inet address {s.lan.with_prefixlen}",
        f"set routing-options autonomous-system {s.asn}",
    ]
    for n in s.neighbors:
        group = "IBGP" if n.remote_as == s.asn else "EBGP"
        lines += [
            f"set protocols bgp group {group} type {'internal' if group == 'IBGP' else 'external'}",
            f"set protocols bgp group {group} neighbor {n.ip} description {_q(n.description)}",
            f"set protocols bgp group {group} neighbor {n.ip} peer-as {n.remote_as}",
        ]
    return lines
