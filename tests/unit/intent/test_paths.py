"""Data paths: reading, setting and removing values, list selectors, bad paths, no mutation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from services.intent.paths import (
    Segment,
    element_path,
    get_value,
    leaf_paths,
    parse_path,
    set_value,
)

DATA: dict[str, Any] = {
    "qos_profile": "standard",
    "wan": {"interface": "Gi0/0", "bandwidth_mbps": 200},
    "vlan_handoffs": [
        {"vlan_id": 120, "address": "10.77.0.1/24", "description": "Guest WiFi"},
        {"vlan_id": 300, "address": "10.78.0.1/24"},
    ],
    "bgp_neighbors": [{"ip": "198.51.100.2", "remote_as": 64500}],
    "ntp_servers": ["192.0.2.10", "192.0.2.11"],
}


def test_parse_path_reads_keys_and_selectors() -> None:
    assert parse_path("wan.bandwidth_mbps") == [Segment("wan"), Segment("bandwidth_mbps")]
    assert parse_path("vlan_handoffs[vlan_id=300].address") == [
        Segment("vlan_handoffs", "vlan_id", 300),
        Segment("address"),
    ]
    assert parse_path("x[name=core-1]") == [Segment("x", "name", "core-1")]
    assert parse_path("x[n=-5]") == [Segment("x", "n", -5)]


def test_a_selector_value_may_hold_dots() -> None:
    """An IP address selects a BGP neighbour: its dots do not split the path."""
    assert parse_path("bgp_neighbors[ip=198.51.100.2].remote_as") == [
        Segment("bgp_neighbors", "ip", "198.51.100.2"),
        Segment("remote_as"),
    ]
    assert get_value(DATA, "bgp_neighbors[ip=198.51.100.2].remote_as") == 64500


@pytest.mark.parametrize(
    ("path", "part"),
    [
        ("", ""),
        ("wan..bandwidth_mbps", ""),
        ("wan.", ""),
        ("1wan", "1wan"),
        ("wan bandwidth", "wan bandwidth"),
        ("vlan_handoffs[vlan_id]", "vlan_handoffs[vlan_id]"),
        ("vlan_handoffs[vlan_id=]", "vlan_handoffs[vlan_id=]"),
        ("vlan_handoffs[vlan_id=3", "vlan_handoffs[vlan_id=3"),
        ("wan.bandwidth_mbps[0]", "bandwidth_mbps[0]"),
    ],
)
def test_bad_paths_raise_value_error_naming_the_part(path: str, part: str) -> None:
    with pytest.raises(ValueError, match="bad data path") as caught:
        parse_path(path)
    assert f"at {part!r}" in str(caught.value)
    for function in (lambda: get_value(DATA, path), lambda: set_value(DATA, path, 1)):
        with pytest.raises(ValueError, match="bad data path"):
            function()


def test_element_path_parses_back() -> None:
    path = element_path("vlan_handoffs", "vlan_id", 300)
    assert path == "vlan_handoffs[vlan_id=300]"
    assert parse_path(path) == [Segment("vlan_handoffs", "vlan_id", 300)]


def test_get_value() -> None:
    assert get_value(DATA, "qos_profile") == "standard"
    assert get_value(DATA, "wan.bandwidth_mbps") == 200
    assert get_value(DATA, "wan") == {"interface": "Gi0/0", "bandwidth_mbps": 200}
    assert get_value(DATA, "vlan_handoffs[vlan_id=300]") == DATA["vlan_handoffs"][1]
    assert get_value(DATA, "vlan_handoffs[vlan_id=120].description") == "Guest WiFi"


@pytest.mark.parametrize(
    "path",
    [
        "missing",
        "wan.missing",
        "wan.bandwidth_mbps.deeper",  # through a scalar
        "vlan_handoffs[vlan_id=999]",
        "vlan_handoffs[vlan_id=300].description",
        "vlan_handoffs[vlan_id=120x]",  # a string does not match the integer
        "wan[interface=Gi0/0]",  # a selector on a mapping
        "qos_profile[name=x]",
    ],
)
def test_absent_values_are_none(path: str) -> None:
    assert get_value(DATA, path) is None


def test_set_value_sets_nested_values_and_makes_parents() -> None:
    assert set_value(DATA, "wan.bandwidth_mbps", 500)["wan"] == {
        "interface": "Gi0/0",
        "bandwidth_mbps": 500,
    }
    assert set_value(DATA, "qos_profile", "premium")["qos_profile"] == "premium"
    assert set_value({}, "a.b.c", 1) == {"a": {"b": {"c": 1}}}
    assert set_value({"a": 5}, "a.b", 1) == {"a": {"b": 1}}  # a scalar parent is replaced
    made = set_value({}, "vlan_handoffs[vlan_id=5].description", "x")
    assert made == {"vlan_handoffs": [{"vlan_id": 5, "description": "x"}]}


def test_set_value_replaces_appends_and_removes_list_elements() -> None:
    replaced = {"vlan_id": 300, "address": "10.79.0.1/24", "description": "new"}
    result = set_value(DATA, "vlan_handoffs[vlan_id=300]", replaced)
    assert result["vlan_handoffs"] == [DATA["vlan_handoffs"][0], replaced]

    added = {"vlan_id": 400, "address": "10.80.0.1/24"}
    result = set_value(DATA, "vlan_handoffs[vlan_id=400]", added)
    assert result["vlan_handoffs"] == [*DATA["vlan_handoffs"], added]

    result = set_value(DATA, "vlan_handoffs[vlan_id=120]", None)
    assert result["vlan_handoffs"] == [DATA["vlan_handoffs"][1]]

    result = set_value(DATA, "vlan_handoffs[vlan_id=300].description", "core")
    assert result["vlan_handoffs"][1] == {**DATA["vlan_handoffs"][1], "description": "core"}

    result = set_value(DATA, "bgp_neighbors[ip=198.51.100.2].remote_as", 64501)
    assert result["bgp_neighbors"] == [{"ip": "198.51.100.2", "remote_as": 64501}]


def test_none_removes_keys() -> None:
    assert "qos_profile" not in set_value(DATA, "qos_profile", None)
    assert set_value(DATA, "wan.bandwidth_mbps", None)["wan"] == {"interface": "Gi0/0"}
    result = set_value(DATA, "vlan_handoffs[vlan_id=120].description", None)
    assert result["vlan_handoffs"][0] == {"vlan_id": 120, "address": "10.77.0.1/24"}


@pytest.mark.parametrize(
    "path",
    [
        "missing",
        "missing.deeper",
        "wan.missing",
        "wan.bandwidth_mbps.deeper",
        "vlan_handoffs[vlan_id=999]",
        "vlan_handoffs[vlan_id=999].description",
        "absent_list[vlan_id=1]",
        "absent_list[vlan_id=1].description",
    ],
)
def test_removing_an_absent_value_changes_nothing(path: str) -> None:
    """No empty parent mapping, no empty list and no stub list element appear."""
    assert set_value(DATA, path, None) == DATA


def test_set_value_never_mutates_its_input() -> None:
    data = copy.deepcopy(DATA)
    paths = [
        ("wan.bandwidth_mbps", 1000),
        ("wan", None),
        ("wan.extra.deep", 1),
        ("vlan_handoffs[vlan_id=300]", {"vlan_id": 300}),
        ("vlan_handoffs[vlan_id=300].description", "x"),
        ("vlan_handoffs[vlan_id=120]", None),
        ("vlan_handoffs[vlan_id=500].address", "10.0.0.1/24"),
        ("ntp_servers", ["192.0.2.99"]),
    ]
    for path, value in paths:
        result = set_value(data, path, value)
        assert data == DATA, path
        assert result is not data


def test_set_value_copies_the_value_it_sets() -> None:
    value = {"vlan_id": 400, "tags": ["a"]}
    result = set_value({}, "vlan_handoffs[vlan_id=400]", value)
    value["tags"].append("b")
    assert result["vlan_handoffs"][0]["tags"] == ["a"]


def test_leaf_paths() -> None:
    data = {"wan": {"bandwidth_mbps": 200}, "ntp_servers": ["a", "b"], "x": 1, "v": [{"id": 1}]}
    assert leaf_paths(data) == [
        ("wan.bandwidth_mbps", 200),
        ("ntp_servers[0]", "a"),
        ("ntp_servers[1]", "b"),
        ("x", 1),
        ("v[0].id", 1),
    ]
    assert leaf_paths(5, "p") == [("p", 5)]
