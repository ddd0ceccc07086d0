from __future__ import annotations

import pytest

from services.lab.config_tree import ConfigTree
from services.lab.platforms.arista_eos_grammar import EOS_GRAMMAR
from services.lab.platforms.cisco_ios_grammar import IOS_GRAMMAR
from services.lab.platforms.grammar import Frame, Grammar, Outcome, Spec, apply_line
from services.lab.platforms.juniper_junos_grammar import match_statement, valid_path


def push(grammar: Grammar, lines: list[str]) -> tuple[ConfigTree, list[Frame]]:
    tree = ConfigTree()
    frames = [Frame("global")]
    for line in lines:
        applied = apply_line(grammar, tree, frames, line)
        assert applied.ok, line
        frames = applied.frames
    return tree, frames


def test_spec_matching() -> None:
    spec = Spec.of("ip address <ip> <mask>", key=2)
    assert spec.match(["ip", "address", "1.1.1.1", "255.0.0.0"]) == (Outcome.OK, -1)
    assert spec.match(["ip", "address", "x", "255.0.0.0"]) == (Outcome.INVALID, 2)
    assert spec.match(["ip", "address"]) == (Outcome.INCOMPLETE, 2)
    assert spec.identity(["ip", "address", "1.1.1.1", "255.0.0.0"]) == "ip address"


def test_ios_submodes_and_parent_fallback() -> None:
    tree, frames = push(
        IOS_GRAMMAR,
        [
            "interface gi0/1",
            "description x",
            "router bgp 65001",
            "neighbor 1.1.1.1 remote-as 2",
            "address-family ipv4",
            "neighbor 1.1.1.1 activate",
            "ntp server 1.2.3.4",
        ],
    )
    assert [f.context for f in frames] == ["global"]
    assert "interface GigabitEthernet0/1 / description x" in tree.flat()
    assert "router bgp 65001 / address-family ipv4 / neighbor 1.1.1.1 activate" in tree.flat()


def test_ios_invalid_input_caret_and_incomplete() -> None:
    tree = ConfigTree()
    frames = [Frame("global"), Frame("if", "interface GigabitEthernet0/0")]
    tree.ensure_section(["interface GigabitEthernet0/0"])
    bad = apply_line(IOS_GRAMMAR, tree, frames, "bandwidth fast")
    assert not bad.ok and bad.caret == len("bandwidth ")
    unknown = apply_line(IOS_GRAMMAR, tree, frames, "frobnicate")
    assert not unknown.ok and unknown.caret == 0
    incomplete = apply_line(IOS_GRAMMAR, tree, frames, "hostname")
    assert incomplete.incomplete


def test_ios_negation_removes_or_is_stored() -> None:
    tree, _ = push(
        IOS_GRAMMAR,
        [
            "ntp server 1.1.1.1",
            "no ntp server 1.1.1.1",
            "no ip domain lookup",
            "interface Gi0/0",
            "shutdown",
            "no shutdown",
        ],
    )
    assert tree.flat() == ["no ip domain lookup", "interface GigabitEthernet0/0"]
    tree2, _ = push(IOS_GRAMMAR, ["no ip domain lookup", "ip domain lookup"])
    assert tree2.flat() == ["ip domain lookup"]


def test_ios_refuses_to_remove_physical_interfaces() -> None:
    tree, _frames = push(IOS_GRAMMAR, ["interface GigabitEthernet0/0", "interface Loopback9"])
    refused = apply_line(IOS_GRAMMAR, tree, [Frame("global")], "no interface Gi0/0")
    assert not refused.ok and refused.message
    assert apply_line(IOS_GRAMMAR, tree, [Frame("global")], "no interface Loopback9").ok
    assert tree.flat() == ["interface GigabitEthernet0/0"]


def test_eos_normalises_addresses_and_interface_names() -> None:
    tree, frames = push(EOS_GRAMMAR, ["interface et1", "ip address 10.0.0.1 255.255.255.0"])
    assert frames[-1].header == "interface Ethernet1"
    assert tree.flat() == ["interface Ethernet1", "interface Ethernet1 / ip address 10.0.0.1/24"]


def test_junos_statements() -> None:
    spec, _, _ = match_statement(["system", "host-name", "r1"])
    assert spec is not None and spec.key == 2
    assert match_statement(["system", "host-name"])[1] is Outcome.INCOMPLETE
    spec, _, index = match_statement(["frobnicate", "x"])
    assert spec is None and index == 0
    assert valid_path(["interfaces", "ge-0/0/0"])
    assert not valid_path(["frobnicate"])


@pytest.mark.parametrize(
    ("grammar", "port", "sub"),
    [
        (IOS_GRAMMAR, "GigabitEthernet0/1", "GigabitEthernet0/1.120"),
        (EOS_GRAMMAR, "Ethernet2", "Ethernet2.120"),
    ],
)
def test_sub_interfaces_can_be_removed_physical_ports_cannot(
    grammar: Grammar, port: str, sub: str
) -> None:
    tree, _ = push(grammar, [f"interface {port}", f"interface {sub}", "description guest"])
    refused = apply_line(grammar, tree, [Frame("global")], f"no interface {port}")
    assert not refused.ok and refused.message == "% Removal of physical interfaces is not permitted"
    removed = apply_line(grammar, tree, [Frame("global")], f"no interface {sub}")
    assert removed.ok and removed.changed
    assert tree.flat() == [f"interface {port}"]
