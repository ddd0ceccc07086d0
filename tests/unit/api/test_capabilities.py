"""Requests a platform cannot serve are refused at the door (422 naming device and platform),
before anything is stored or any workflow starts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from services.campaigns.resolve import resolve_campaign
from services.campaigns.spec import CampaignSpec
from services.changes.contract import load_contract
from services.changes.requests import VlanHandoffChange, WanBandwidthChange, validate_request
from services.core.errors import ChangeValidationError
from services.core.settings import Settings
from services.network.inventory import Device, TenantInventory
from services.store.db import get_engine, make_session_factory
from services.store.repos import images as image_repo
from tests.utils.api import bearer, make_token

REPO = Path(__file__).resolve().parents[3]


def frr_site() -> TenantInventory:
    router = Device(
        name="rt1",
        tenant="acme",
        hostname="127.0.0.1",
        port=10901,
        platform="frr",
        credential="lab-acme",
        site="branch1",
        role="edge",
        data={
            "site": "branch1",
            "role": "edge",
            "wan": {"interface": "eth1", "bandwidth_mbps": 50, "address": "10.0.1.1/30"},
            "lan": {"interface": "lan0", "address": "172.16.1.1/24"},
        },
    )
    return TenantInventory(
        tenant="acme", path=REPO / "inventories" / "acme", devices={"rt1": router}
    )


def test_a_vlan_handoff_on_frr_names_the_device_and_platform() -> None:
    contract = load_contract(REPO / "inventories", "acme")
    request = VlanHandoffChange.model_validate(
        {"site": "branch1", "vlan_id": 30, "address": "10.30.0.1/24"}
    )
    with pytest.raises(ChangeValidationError) as caught:
        validate_request(request, frr_site(), contract)
    assert caught.value.errors == [
        (
            "kind",
            "rt1 runs frr, where netwave cannot make a vlan_handoff change (it can: wan_bandwidth)",
        )
    ]
    bandwidth = WanBandwidthChange(site="branch1", bandwidth_mbps=80)
    assert [d.name for d in validate_request(bandwidth, frr_site(), contract)] == ["rt1"]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(
        create_app(settings.model_copy(update={"temporal_address": "127.0.0.1:1"}))
    ) as c:
        yield c


def test_an_image_no_campaign_can_use_is_refused(client: TestClient, settings: Settings) -> None:
    engineer = bearer(make_token(settings, "engineer"))
    image = {
        "platform": "frr",
        "version": "10.1",
        "filename": "frr-10.1.deb",
        "size": 1000,
        "md5": "0" * 32,
    }
    refused = client.post("/v1/images", json=image, headers=engineer)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "platform"]
    assert "cannot upgrade 'frr'" in refused.json()["detail"][0]["msg"]
    with make_session_factory(get_engine(settings.database_url))() as session:
        assert image_repo.list_images(session, platform="frr") == []


def test_an_os_upgrade_of_frr_is_refused_before_it_starts() -> None:
    spec = CampaignSpec(name="frr-up", kind="os_upgrade", target_versions={"frr": "10.1"})
    with pytest.raises(ChangeValidationError) as caught:
        resolve_campaign(spec, {"acme": frr_site()}, lambda platform, version: None)
    assert caught.value.errors == [
        ("target_versions.frr", "netwave cannot upgrade 'frr' devices (acme/rt1)")
    ]


def test_the_platforms_route_says_what_each_platform_serves(
    client: TestClient, settings: Settings
) -> None:
    tenant = bearer(make_token(settings, "tenant", tenant="acme"))
    listed = client.get("/v1/platforms", headers=tenant)
    assert listed.status_code == 200, listed.text
    by_name = {p["platform"]: p for p in listed.json()}
    assert by_name["frr"]["change_kinds"] == ["wan_bandwidth"]
    assert by_name["frr"]["os_upgrade"] is False
    assert by_name["juniper_junos"]["safety_net"] == "commit confirmed"
    assert client.get("/v1/platforms").status_code == 401
