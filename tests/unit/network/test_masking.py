"""Secrets masked per platform: each kind of secret line masked, every other line untouched."""

from __future__ import annotations

import re

import pytest

from services.network.masking import MASK, mask_config, mask_diff, mask_lines, masker
from services.network.platforms import PLATFORMS

# (platform, line, what the line shows masked). The lab's own lines come first
# (services/lab/platforms/initial.py).
MASKED = [
    # Cisco IOS / IOS-XE
    ("cisco_ios", "enable secret 9 $9$nL0s$9f0e", f"enable secret 9 {MASK}"),
    ("cisco_ios", "enable password 7 0822455D0A16", f"enable password 7 {MASK}"),
    ("cisco_ios", "enable secret level 5 5 $1$abc", f"enable secret level 5 5 {MASK}"),
    (
        "cisco_ios",
        "username netwave privilege 15 secret 9 $9$2b1fa1d0c3e4",
        f"username netwave privilege 15 secret 9 {MASK}",
    ),
    (
        "cisco_ios",
        "username bob privilege 15 password 0 two words",
        f"username bob privilege 15 password 0 {MASK}",
    ),
    (
        "cisco_ios",
        "username bob secret 0 my password is long",
        f"username bob secret 0 {MASK}",
    ),
    ("cisco_ios", "username eve secret 5 $1$mERr$hx5r", f"username eve secret 5 {MASK}"),
    ("cisco_ios", " password 7 0822455D0A16", f" password 7 {MASK}"),
    ("cisco_ios", "snmp-server community S3cr3tRO RO 10", f"snmp-server community {MASK} RO 10"),
    ("cisco_ios", "no snmp-server community S3cr3tRO RO", f"no snmp-server community {MASK} RO"),
    (
        "cisco_ios",
        "snmp-server host 192.0.2.50 version 2c TrapComm",
        f"snmp-server host 192.0.2.50 version 2c {MASK}",
    ),
    ("cisco_ios", "snmp-server host 192.0.2.50 TrapComm", f"snmp-server host 192.0.2.50 {MASK}"),
    (
        "cisco_ios",
        "snmp-server user ops OPS v3 auth sha AuthPass1 priv aes 128 PrivPass1",
        f"snmp-server user ops OPS v3 auth sha {MASK} priv aes 128 {MASK}",
    ),
    ("cisco_ios", "tacacs-server key 7 01100F175804", f"tacacs-server key 7 {MASK}"),
    ("cisco_ios", "radius-server key RadKey", f"radius-server key {MASK}"),
    (
        "cisco_ios",
        "radius-server host 192.0.2.5 auth-port 1812 acct-port 1813 key 7 1511021F07",
        f"radius-server host 192.0.2.5 auth-port 1812 acct-port 1813 key 7 {MASK}",
    ),
    ("cisco_ios", " key 7 02050D480809", f" key 7 {MASK}"),  # under `tacacs server X`
    ("cisco_ios", "  key-string 7 045802150C2E", f"  key-string 7 {MASK}"),
    (
        "cisco_ios",
        " standby 1 authentication md5 key-string Hsrp1",
        f" standby 1 authentication md5 key-string {MASK}",
    ),
    (
        "cisco_ios",
        " neighbor 198.51.100.2 password 7 01100F175804",
        f" neighbor 198.51.100.2 password 7 {MASK}",
    ),
    (
        "cisco_ios",
        " neighbor 198.51.100.2 password bgp pass",
        f" neighbor 198.51.100.2 password {MASK}",
    ),
    (
        "cisco_ios",
        " ip ospf authentication-key 7 1234",
        f" ip ospf authentication-key 7 {MASK}",
    ),
    (
        "cisco_ios",
        " ip ospf message-digest-key 1 md5 7 0822",
        f" ip ospf message-digest-key 1 md5 7 {MASK}",
    ),
    (
        "cisco_ios",
        "ntp authentication-key 1 md5 104D000A0618 7",
        f"ntp authentication-key 1 md5 {MASK} 7",
    ),
    (
        "cisco_ios",
        "crypto isakmp key IkeKey address 203.0.113.1",
        f"crypto isakmp key {MASK} address 203.0.113.1",
    ),
    (
        "cisco_ios",
        " pre-shared-key address 203.0.113.1 key PskKey",
        f" pre-shared-key address 203.0.113.1 key {MASK}",
    ),
    # Arista EOS
    (
        "arista_eos",
        "username netwave privilege 15 role network-admin secret sha512 $6$8a3c$e1f",
        f"username netwave privilege 15 role network-admin secret sha512 {MASK}",
    ),
    ("arista_eos", "enable secret sha512 $6$0f9e$d2c", f"enable secret sha512 {MASK}"),
    ("arista_eos", "enable password sha512 $6$0f9e$d2c", f"enable password sha512 {MASK}"),
    ("arista_eos", "aaa root secret sha512 $6$root", f"aaa root secret sha512 {MASK}"),
    ("arista_eos", "snmp-server community S3cr3tRO ro", f"snmp-server community {MASK} ro"),
    (
        "arista_eos",
        "tacacs-server host 192.0.2.9 key 7 070C285F4D06",
        f"tacacs-server host 192.0.2.9 key 7 {MASK}",
    ),
    (
        "arista_eos",
        "   neighbor 198.51.100.2 password 7 Ag5uiSv5FQ==",
        f"   neighbor 198.51.100.2 password 7 {MASK}",
    ),
    (
        "arista_eos",
        "ntp authentication-key 1 md5 7 06120A3258",
        f"ntp authentication-key 1 md5 7 {MASK}",
    ),
    # Juniper Junos (display set)
    (
        "juniper_junos",
        'set system root-authentication encrypted-password "$6$lab$rootpassword"',
        f'set system root-authentication encrypted-password "{MASK}"',
    ),
    (
        "juniper_junos",
        'set system login user netwave authentication encrypted-password "$6$lab$user"',
        f'set system login user netwave authentication encrypted-password "{MASK}"',
    ),
    (
        "juniper_junos",
        'set system tacplus-server 192.0.2.9 secret "$9$dkb.f3nCuBE"',
        f'set system tacplus-server 192.0.2.9 secret "{MASK}"',
    ),
    (
        "juniper_junos",
        'set protocols bgp group EBGP authentication-key "$9$BgpKey"',
        f'set protocols bgp group EBGP authentication-key "{MASK}"',
    ),
    (
        "juniper_junos",
        'set system ntp authentication-key 1 value "$9$NtpKey"',
        f'set system ntp authentication-key 1 value "{MASK}"',
    ),
    (
        "juniper_junos",
        "set snmp community S3cr3tRO authorization read-only",
        f"set snmp community {MASK} authorization read-only",
    ),
    ("juniper_junos", "delete snmp community S3cr3tRO", f"delete snmp community {MASK}"),
    (
        "juniper_junos",
        'set snmp community "two words" clients 10.0.0.0/8',
        f'set snmp community "{MASK}" clients 10.0.0.0/8',
    ),
    (
        "juniper_junos",
        'set protocols ospf area 0 interface ge-0/0/1 authentication md5 1 key "$9$Md5Key"',
        f'set protocols ospf area 0 interface ge-0/0/1 authentication md5 1 key "{MASK}"',
    ),
    (
        "juniper_junos",
        'set security ike policy P pre-shared-key ascii-text "$9$Psk"',
        f'set security ike policy P pre-shared-key ascii-text "{MASK}"',
    ),
    (
        "juniper_junos",
        '            encrypted-password "$6$braces"; ## SECRET-DATA',
        f'            encrypted-password "{MASK}"; ## SECRET-DATA',
    ),
    # FRRouting (vtysh)
    ("frr", "password zebra", f"password {MASK}"),
    ("frr", "enable password zebra2", f"enable password {MASK}"),
    ("frr", "password 8 Cb/yfFsI.abgc", f"password 8 {MASK}"),
    ("frr", " neighbor 10.0.0.2 password bgp pass", f" neighbor 10.0.0.2 password {MASK}"),
    ("frr", " ip ospf authentication-key OspfKey", f" ip ospf authentication-key {MASK}"),
    (
        "frr",
        " ip ospf message-digest-key 1 md5 Md5Key",
        f" ip ospf message-digest-key 1 md5 {MASK}",
    ),
    ("frr", "  key-string ChainKey", f"  key-string {MASK}"),
    ("frr", " isis password clear IsisKey", f" isis password clear {MASK}"),
    ("frr", " area-password md5 AreaKey", f" area-password md5 {MASK}"),
    (
        "frr",
        " ip rip authentication string RipKey",
        f" ip rip authentication string {MASK}",
    ),
]

# Lines that hold no secret, byte for byte as they were (some look close to secret lines).
UNTOUCHED = {
    "cisco_ios": [
        "service password-encryption",
        "username carol privilege 15 nopassword",
        "snmp-server location Acme HQ, 1 Main Street",
        "snmp-server host 192.0.2.50 version 3 priv v3user",
        "key chain ROUTING",
        " key 1",
        " neighbor 198.51.100.2 remote-as 64500",
        " description WAN ISP-A circuit ACME-0001",
        "banner motd ^C",
        "Use your password to log in.",
        "aaa authentication login default local",
        " login local",
        "ip ssh version 2",
    ],
    "arista_eos": [
        "username noc privilege 15 role network-admin nopassword",
        "no aaa root",
        "   neighbor 198.51.100.2 description ISP-A",
        "management api http-commands",
        "snmp-server contact noc@acme.example.net",
    ],
    "juniper_junos": [
        "set system login user netwave uid 2000",
        "set system login user netwave class super-user",
        "set system ntp authentication-key 1 type md5",
        "set system authentication-order password",
        'set snmp location "Acme Branch 2, 5 Harbour Way"',
        "set policy-options community CUST members 65000:100",
        'set protocols bgp group EBGP neighbor 198.51.100.14 description "ISP-A"',
    ],
    "frr": [
        "hostname frr1",
        "log syslog informational",
        " neighbor 10.0.0.2 remote-as 65102",
        " neighbor 10.0.0.2 route-map LAN-OUT out",
        "key chain K",
        " key 1",
        "service password-encryption",
    ],
}


@pytest.mark.parametrize(("platform", "line", "masked"), MASKED)
def test_each_kind_of_secret_is_masked(platform: str, line: str, masked: str) -> None:
    assert mask_config(platform, line + "\n") == masked + "\n"
    assert mask_config(platform, masked + "\n") == masked + "\n"  # idempotent
    assert mask_lines(platform, [line]) == [masked]


@pytest.mark.parametrize("platform", sorted(UNTOUCHED))
def test_other_lines_stay_byte_identical(platform: str) -> None:
    text = "\r\n".join(UNTOUCHED[platform]) + "\n"
    assert mask_config(platform, text) == text


@pytest.mark.parametrize("platform", sorted(UNTOUCHED))
def test_a_whole_config_keeps_its_structure(platform: str) -> None:
    secret_lines = [(line, masked) for p, line, masked in MASKED if p == platform]
    config = [*UNTOUCHED[platform][:2], *(s for s, _ in secret_lines), *UNTOUCHED[platform][2:]]
    expected = [*UNTOUCHED[platform][:2], *(m for _, m in secret_lines)]
    expected += UNTOUCHED[platform][2:]
    masked = mask_config(platform, "\n".join(config) + "\n")
    assert masked.splitlines() == expected
    assert mask_config(platform, masked) == masked  # idempotent
    assert mask_config(platform, "\n".join(config)) == "\n".join(expected)  # no final newline


def test_every_platform_has_patterns_with_a_group() -> None:
    assert set(UNTOUCHED) <= set(PLATFORMS)
    for name, platform in PLATFORMS.items():
        assert platform.secret_patterns, name
        for pattern in platform.secret_patterns:
            assert re.compile(pattern).groups >= 1, (name, pattern)


def test_an_unknown_platform_is_masked_with_every_platforms_rules() -> None:
    config = (
        "enable secret 9 $9$abc\n"
        'set system root-authentication encrypted-password "$6$root"\n'
        "password zebra\n"
        "hostname r1\n"
    )
    for platform in (None, "no_such_platform"):
        masked = mask_config(platform, config)
        assert "$9$abc" not in masked and "$6$root" not in masked and "zebra" not in masked
        assert masked.endswith("hostname r1\n")


def test_a_stored_diff_is_masked_in_its_content_lines() -> None:
    diff = (
        "--- r1 running\n+++ r1 intended\n@@ -1,3 +1,3 @@\n hostname r1\n"
        "-username bob privilege 15 secret 9 $9$old\n+username bob privilege 15 secret 9 $9$new\n"
        " snmp-server community S3cr3tRO RO\n"
    )
    masked = mask_diff("cisco_ios", diff)
    assert masked.splitlines() == [
        "--- r1 running",
        "+++ r1 intended",
        "@@ -1,3 +1,3 @@",
        " hostname r1",
        f"-username bob privilege 15 secret 9 {MASK}",
        f"+username bob privilege 15 secret 9 {MASK}",
        f" snmp-server community {MASK} RO",
    ]


def test_a_message_is_masked_where_it_quotes_config_lines() -> None:
    message = (
        "forbidden /^snmp-server community / matches: snmp-server community S3cr3tRO RO\n"
        "lines left over: username bob secret 9 $9$bob; enable secret 9 $9$en; ntp server 192.0.2.1"
    )
    # A secret that runs to the end of its line takes the rest of the message with it.
    assert masker("cisco_ios").prose(message) == (
        f"forbidden /^snmp-server community / matches: snmp-server community {MASK} RO\n"
        f"lines left over: username bob secret 9 {MASK}"
    )
    assert masker("cisco_ios").prose(
        "left: snmp-server community S3 RO; enable secret 9 $9$en"
    ) == (f"left: snmp-server community {MASK} RO; enable secret 9 {MASK}")
    assert masker("cisco_ios").prose("no config here: ntp server 192.0.2.1") == (
        "no config here: ntp server 192.0.2.1"
    )
