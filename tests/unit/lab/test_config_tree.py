from __future__ import annotations

import pytest

from services.lab.config_tree import ConfigTree, RenderStyle, SetConfig, render_tree, split_junos
from services.lab.platforms import get_cli
from services.lab.platforms.ios_like import IosLikeCli
from tests.unit.lab.conftest import make_device

IOS_STYLE = RenderStyle(" ", (("address-family", "exit-address-family"),))


def test_keyed_lines_replace_and_others_accumulate() -> None:
    tree = ConfigTree()
    tree.set_line(["interface Gi0/0"], "description a", "description")
    tree.set_line(["interface Gi0/0"], "description b", "description")
    tree.set_line([], "ntp server 1.1.1.1", None)
    tree.set_line([], "ntp server 2.2.2.2", None)
    assert tree.flat() == [
        "interface Gi0/0",
        "interface Gi0/0 / description b",
        "ntp server 1.1.1.1",
        "ntp server 2.2.2.2",
    ]


def test_remove_is_by_word_prefix() -> None:
    tree = ConfigTree()
    tree.set_line([], "ntp server 1.1.1.1", None)
    tree.set_line([], "ntp server 1.1.1.10", None)
    assert tree.remove([], "ntp server 1.1.1.1") == 1
    assert tree.flat() == ["ntp server 1.1.1.10"]


def test_rank_orders_new_top_level_lines() -> None:
    tree = ConfigTree()
    tree.set_line([], "line vty 0 4", None, rank=80)
    tree.set_line([], "hostname r1", None, rank=10)
    tree.set_line([], "ntp server 1.1.1.1", None, rank=85)
    assert [n.line for n in tree.root.children] == [
        "hostname r1",
        "line vty 0 4",
        "ntp server 1.1.1.1",
    ]


def test_render_nested_footer_and_separators() -> None:
    text = "router bgp 1\n neighbor 1.1.1.1 remote-as 2\n address-family ipv4\n  network 10.0.0.0\n"
    lines = render_tree(ConfigTree.from_text(text), IOS_STYLE)
    assert lines == [
        "!",
        "router bgp 1",
        " neighbor 1.1.1.1 remote-as 2",
        " !",
        " address-family ipv4",
        "  network 10.0.0.0",
        " exit-address-family",
        "!",
    ]


@pytest.mark.parametrize("platform", ["cisco_ios", "arista_eos"])
def test_initial_config_round_trips_through_show_running(platform: str) -> None:
    device = make_device(platform)
    cli = get_cli(platform)
    assert isinstance(cli, IosLikeCli)
    text = cli.running_config(device)
    assert isinstance(device.state.running, ConfigTree)
    assert cli.config_from_text(text) == device.state.running


def test_copy_is_independent() -> None:
    tree = ConfigTree.from_text("interface Gi0/0\n description x\n")
    other = tree.copy()
    other.set_line(["interface Gi0/0"], "description y", "description")
    assert tree != other
    assert tree.flat()[-1] == "interface Gi0/0 / description x"


def test_banner_blocks_parse_as_one_line() -> None:
    tree = ConfigTree.from_text("banner motd ^C\nhello\nworld\n^C\nhostname r1\n")
    assert [n.line for n in tree.root.children] == [
        "banner motd ^C\nhello\nworld\n^C",
        "hostname r1",
    ]


def test_set_config_set_delete_and_keys() -> None:
    config = SetConfig()
    config.set("system host-name a", "system host-name")
    config.set("system host-name b", "system host-name")
    config.set("system ntp server 1.1.1.1")
    config.set("system ntp server 2.2.2.2")
    assert config.statements == [
        "system host-name b",
        "system ntp server 1.1.1.1",
        "system ntp server 2.2.2.2",
    ]
    assert config.delete("system ntp") == 2
    assert config.render("21.4R3") == ["set version 21.4R3", "set system host-name b"]


def test_split_junos_keeps_quoted_strings() -> None:
    assert split_junos('set interfaces ge-0/0/0 description "WAN link"') == [
        "set",
        "interfaces",
        "ge-0/0/0",
        "description",
        '"WAN link"',
    ]


def test_set_config_keeps_hierarchy_order_when_a_statement_is_set_again() -> None:
    config = SetConfig.from_lines(
        [
            "set system host-name r1",
            "set interfaces ge-0/0/0 description WAN",
            "set interfaces ge-0/0/0 unit 0 bandwidth 100m",
            "set interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/30",
            "set routing-options autonomous-system 65001",
            "set interfaces lo0 unit 0 family inet address 10.255.0.1/32",  # joins interfaces
            "set system ntp server 192.0.2.10",  # grouped with system
        ]
    )
    original = list(config.statements)
    assert original == [
        "system host-name r1",
        "system ntp server 192.0.2.10",
        "interfaces ge-0/0/0 description WAN",
        "interfaces ge-0/0/0 unit 0 bandwidth 100m",
        "interfaces ge-0/0/0 unit 0 family inet address 192.0.2.1/30",
        "interfaces lo0 unit 0 family inet address 10.255.0.1/32",
        "routing-options autonomous-system 65001",
    ]
    candidate = config.copy()
    assert candidate.delete("interfaces ge-0/0/0 unit 0 bandwidth") == 1
    assert candidate.set("interfaces ge-0/0/0 unit 0 bandwidth 150m")
    assert candidate.statements.index("interfaces ge-0/0/0 unit 0 bandwidth 150m") == 3
    candidate.delete("interfaces ge-0/0/0 unit 0 bandwidth 150m")
    candidate.set("interfaces ge-0/0/0 unit 0 bandwidth 100m")
    assert candidate == config  # back to the exact text, not just the same statements
    candidate.delete("interfaces ge-0/0/0")  # a whole subtree comes back in place too
    for statement in reversed(original[2:5]):
        candidate.set(statement)
    assert candidate.statements == original
    candidate.set("interfaces ge-0/0/1 unit 120 vlan-id 120")  # new: last among its siblings
    assert candidate.statements[6] == "interfaces ge-0/0/1 unit 120 vlan-id 120"
    candidate.set("interfaces ge-0/0/0 unit 120 vlan-id 120")
    assert candidate.statements[5] == "interfaces ge-0/0/0 unit 120 vlan-id 120"
    assert config.statements == original  # copies are independent


def test_set_config_keyed_replacement_stays_in_place() -> None:
    config = SetConfig()
    config.set("system host-name a", "system host-name")
    config.set("system domain-name example.net", "system domain-name")
    config.set("system host-name b", "system host-name")
    assert config.statements == ["system host-name b", "system domain-name example.net"]
