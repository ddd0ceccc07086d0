"""Change requests: models, 422 errors naming the field, validation against fleet and contract."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.changes.contract import TenantContract
from services.changes.plan import apply_request
from services.changes.requests import (
    DESCRIPTION_MAX,
    QosProfileChange,
    VlanHandoffChange,
    WanBandwidthChange,
    parse_request,
    validate_request,
)
from services.core.errors import ChangeValidationError
from services.network.inventory import TenantInventory
from services.network.render import renderer_for
from tests.unit.changes.conftest import FLEET, TEMPLATES


def fields(exc: ChangeValidationError) -> list[str]:
    return [field for field, _ in exc.errors]


def test_kind_selects_the_model() -> None:
    assert isinstance(
        parse_request({"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 300}),
        WanBandwidthChange,
    )
    assert isinstance(
        parse_request({"kind": "qos_profile", "site": "hq", "profile": "premium"}),
        QosProfileChange,
    )
    handoff = parse_request(
        {"kind": "vlan_handoff", "site": "hq", "vlan_id": 120, "address": "10.20.30.1/24"}
    )
    assert isinstance(handoff, VlanHandoffChange)
    assert str(handoff.address) == "10.20.30.1/24"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "wan_bandwidth", "site": "hq"}, "bandwidth_mbps", "Field required"),
        (
            {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 0},
            "bandwidth_mbps",
            "greater than or equal to 1",
        ),
        ({"kind": "wan_bandwidth", "site": "HQ!", "bandwidth_mbps": 5}, "site", "pattern"),
        (
            {"kind": "vlan_handoff", "site": "hq", "vlan_id": 1, "address": "10.0.0.1/24"},
            "vlan_id",
            "greater than or equal to 2",
        ),
        (
            {"kind": "vlan_handoff", "site": "hq", "vlan_id": 4095, "address": "10.0.0.1/24"},
            "vlan_id",
            "less than or equal to 4094",
        ),
        (
            {"kind": "vlan_handoff", "site": "hq", "vlan_id": 9, "address": "10.0.0.1"},
            "address",
            "",
        ),
        (
            {"kind": "vlan_handoff", "site": "hq", "vlan_id": 9, "address": "10.0.0.0/24"},
            "address",
            "network or broadcast",
        ),
        (
            {"kind": "vlan_handoff", "site": "hq", "vlan_id": 9, "address": "224.0.0.1/24"},
            "address",
            "unicast",
        ),
        (
            {"kind": "vlan_handoff", "site": "hq", "vlan_id": 9, "address": "300.0.0.1/24"},
            "address",
            "",
        ),
        (
            {"kind": "qos_profile", "site": "hq", "profile": "premium", "extra": 1},
            "extra",
            "unknown field",
        ),
        ({"kind": "teleport", "site": "hq"}, "kind", "does not match any"),
    ],
)
def test_bad_fields_are_named(data: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ChangeValidationError) as caught:
        parse_request(data)
    assert field in fields(caught.value)
    assert message in str(caught.value)
    detail = caught.value.as_detail()
    assert detail[0]["loc"] == ["body", *fields(caught.value)[0].split(".")]
    assert detail[0]["type"] == "value_error"


def test_validate_returns_the_sites_edge_devices(
    inventories: dict[str, TenantInventory], contracts: dict[str, TenantContract]
) -> None:
    request = WanBandwidthChange(site="hq", bandwidth_mbps=500)
    devices = validate_request(request, inventories["acme"], contracts["acme"])
    # acme-hq-r2 is the core router of hq: its link is not the site's WAN.
    assert [d.name for d in devices] == ["acme-hq-r1"]
    nyc = WanBandwidthChange(site="nyc", bandwidth_mbps=800)
    devices = validate_request(nyc, inventories["globex"], contracts["globex"])
    assert [d.name for d in devices] == ["globex-nyc-r1", "globex-nyc-r2"]


@pytest.mark.parametrize(
    ("tenant", "request_", "field", "message"),
    [
        ("acme", WanBandwidthChange(site="moon", bandwidth_mbps=10), "site", "unknown site 'moon'"),
        (
            "acme",
            WanBandwidthChange(site="hq", bandwidth_mbps=1500),
            "bandwidth_mbps",
            "above the 1000 Mbps that the circuit of site 'hq' carries",
        ),
        (
            "acme",
            WanBandwidthChange(site="branch1", bandwidth_mbps=150),
            "bandwidth_mbps",
            "above the 100 Mbps that the circuit of site 'branch1' carries",
        ),
        (
            "acme",
            WanBandwidthChange(site="hq", bandwidth_mbps=20000),
            "bandwidth_mbps",
            "above the cisco_ios maximum of 10000 Mbps (acme-hq-r1)",
        ),
        (
            "acme",
            QosProfileChange(site="hq", profile="gold"),
            "profile",
            "unknown QoS profile 'gold' (contract offers: standard, premium)",
        ),
        (
            "acme",
            VlanHandoffChange.model_validate(
                {"site": "hq", "vlan_id": 50, "address": "10.1.0.200/24"}
            ),
            "address",
            "overlaps LAN 10.1.0.2/24 on acme-hq-r1",
        ),
        (
            "globex",
            VlanHandoffChange.model_validate(
                {"site": "nyc", "vlan_id": 50, "address": "10.99.0.1/24"}
            ),
            "device",
            "has 2 edge devices (globex-nyc-r1, globex-nyc-r2): name one",
        ),
        (
            "globex",
            VlanHandoffChange.model_validate(
                {"site": "nyc", "vlan_id": 50, "address": "10.99.0.1/24", "device": "globex-lon-r1"}
            ),
            "device",
            "not an edge device of site 'nyc'",
        ),
    ],
)
def test_validation_names_the_field(
    inventories: dict[str, TenantInventory],
    contracts: dict[str, TenantContract],
    tenant: str,
    request_: Any,
    field: str,
    message: str,
) -> None:
    with pytest.raises(ChangeValidationError) as caught:
        validate_request(request_, inventories[tenant], contracts[tenant])
    assert field in fields(caught.value)
    assert message in str(caught.value)


def test_vlan_address_overlaps_a_handoff(
    inventories: dict[str, TenantInventory], contracts: dict[str, TenantContract]
) -> None:
    inventory = inventories["acme"]
    device = inventory.devices["acme-hq-r1"]
    data = {**device.data, "vlan_handoffs": [{"vlan_id": 120, "address": "10.77.0.1/24"}]}
    changed = TenantInventory(
        tenant="acme",
        path=inventory.path,
        devices={**inventory.devices, device.name: device.model_copy(update={"data": data})},
    )
    # The same VLAN again is a duplicate (409, tests/unit/changes/test_duplicates.py).
    again = VlanHandoffChange.model_validate(
        {"site": "hq", "vlan_id": 120, "address": "10.77.0.1/24"}
    )
    assert validate_request(again, changed, contracts["acme"])
    overlapping = VlanHandoffChange.model_validate(
        {"site": "hq", "vlan_id": 121, "address": "10.77.0.9/24"}
    )
    with pytest.raises(ChangeValidationError, match=r"overlaps VLAN 120 10\.77\.0\.1/24"):
        validate_request(overlapping, changed, contracts["acme"])


def test_every_problem_is_reported_at_once(
    inventories: dict[str, TenantInventory], contracts: dict[str, TenantContract]
) -> None:
    request = WanBandwidthChange(site="hq", bandwidth_mbps=50000)
    with pytest.raises(ChangeValidationError) as caught:
        validate_request(request, inventories["acme"], contracts["acme"])
    assert fields(caught.value) == ["bandwidth_mbps", "bandwidth_mbps"]  # platform and contract


def handoff(description: str) -> dict[str, Any]:
    return {
        "kind": "vlan_handoff",
        "site": "hq",
        "vlan_id": 120,
        "address": "10.77.0.1/24",
        "description": description,
    }


INJECTIONS = [
    "Guest\nhostname pwned",
    "Guest\rend",
    "Guest\x1a",
    "Guest\x00",
    "Guest?",
    'Guest"; set system root-authentication',
    "Guest | include",
    "Guest\\",
    "Guest; delete",
    "Guest {",
    "Guest ! comment",
    "Guest # x",
    " Guest",
    "Guest ",
    "-Guest",
    "Gäst",
]


@pytest.mark.parametrize("description", INJECTIONS)
def test_cli_injection_in_description_is_refused(description: str) -> None:
    with pytest.raises(ChangeValidationError) as caught:
        parse_request(handoff(description))
    assert fields(caught.value) == ["description"]


CONTROL = st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp"])
SAFE = string.ascii_letters + string.digits + " _.,:/()@+&=-"


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(alphabet=SAFE, max_size=30),
    bad=CONTROL | st.sampled_from(list("?\"\\|;{}!#`$'<>[]~^*%\t")),
    suffix=st.text(alphabet=SAFE, max_size=30),
)
def test_any_unsafe_character_is_refused(prefix: str, bad: str, suffix: str) -> None:
    with pytest.raises(ChangeValidationError) as caught:
        parse_request(handoff("G" + prefix + bad + suffix))
    assert fields(caught.value) == ["description"]


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=SAFE, min_size=DESCRIPTION_MAX + 1, max_size=400))
def test_oversized_description_is_refused(text: str) -> None:
    with pytest.raises(ChangeValidationError, match="description"):
        parse_request(handoff("G" + text))


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=64, max_size=2000))
def test_oversized_or_odd_site_is_refused(site: str) -> None:
    with pytest.raises(ChangeValidationError) as caught:
        parse_request({"kind": "wan_bandwidth", "site": site, "bandwidth_mbps": 10})
    assert "site" in fields(caught.value)


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet=SAFE, max_size=DESCRIPTION_MAX - 1).map(lambda s: ("G" + s).strip()),
    st.sampled_from(["acme-hq-r1", "acme-branch3-r1", "acme-branch2-r1"]),
)
def test_accepted_descriptions_render_as_one_line(description: str, name: str) -> None:
    """Whatever passes validation renders on exactly one config line of each platform."""
    request = parse_request({**handoff(description), "site": FLEET[name].site})
    assert isinstance(request, VlanHandoffChange)
    text = renderer_for(TEMPLATES).render_feature(
        apply_request(FLEET[name], request), "vlan_handoffs"
    )
    lines = [line for line in text.splitlines() if "description" in line]
    assert len(lines) == 1 and description in lines[0]
