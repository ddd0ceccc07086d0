"""apply_drift: the drifted running config the lab boots, in each platform's syntax."""

from __future__ import annotations

import pytest

from services.compliance.blocks import parse_blocks, render_blocks
from services.compliance.drift import Drift, apply_drift, device_drift
from services.core.errors import InventoryError
from tests.unit.compliance.conftest import FLEET

IOS = """\
hostname r1
!
interface GigabitEthernet0/0
 description WAN
 bandwidth 100000
 ip address 192.0.2.1 255.255.255.252
!
banner motd ^C
Authorised access only
^C
!
ntp server 192.0.2.10 prefer
ntp server 192.0.2.100
!
end
"""


@pytest.mark.parametrize("name", sorted(FLEET))
def test_no_drift_keeps_the_intended_text(name: str, intended: dict[str, str]) -> None:
    platform = FLEET[name].platform
    assert apply_drift(platform, intended[name], None) == intended[name]
    assert apply_drift(platform, intended[name], Drift()) == intended[name]
    if platform != "juniper_junos":
        assert render_blocks(parse_blocks(intended[name])) == intended[name]


def test_remove_matches_whole_words() -> None:
    out = apply_drift("cisco_ios", IOS, {"remove": ["ntp server 192.0.2.10"]})
    assert "ntp server 192.0.2.10 prefer" not in out
    assert "ntp server 192.0.2.100" in out


def test_remove_banner_block() -> None:
    out = apply_drift("cisco_ios", IOS, {"remove": ["banner motd"]})
    assert "banner" not in out and "Authorised" not in out
    assert out.count("^C") == 0


def test_added_line_takes_the_place_of_the_removed_one() -> None:
    drift = {
        "remove": ["interface GigabitEthernet0/0\n bandwidth 100000"],
        "add": ["interface GigabitEthernet0/0\n bandwidth 50000"],
    }
    out = apply_drift("cisco_ios", IOS, drift)
    assert " description WAN\n bandwidth 50000\n ip address" in out


def test_new_section_goes_before_end_with_the_device_indentation() -> None:
    out = apply_drift("arista_eos", "hostname r1\ninterface Ethernet1\n   mtu 9000\n!\nend\n", {
        "add": ["interface Loopback9\n description test\n shutdown"],
    })  # fmt: skip
    assert out.endswith("!\ninterface Loopback9\n   description test\n   shutdown\nend\n")


def test_junos_remove_deletes_the_subtree_and_add_sits_with_its_relatives() -> None:
    text = (
        "set system host-name r1\n"
        "set system login user netops class super-user\n"
        'set system login message "hello"\n'
        "set snmp location lab\n"
    )
    drift = {
        "remove": ["set system login message"],
        "add": ["set system login user x class operator"],
    }
    assert apply_drift("juniper_junos", text, drift).splitlines() == [
        "set system host-name r1",
        "set system login user netops class super-user",
        "set system login user x class operator",
        "set snmp location lab",
    ]


def test_drift_with_unknown_keys_is_refused() -> None:
    device = FLEET["acme-hq-r1"]
    bad = device.model_copy(update={"data": {**device.data, "lab": {"drift": {"added": ["x"]}}}})
    with pytest.raises(InventoryError, match=r"acme/acme-hq-r1: data\.lab\.drift"):
        device_drift(bad)
