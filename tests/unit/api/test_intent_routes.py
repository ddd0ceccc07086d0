"""The intent routes: merged values with their source, superseded edits, history, config, diff."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.core.settings import Settings
from services.intent.model import IntentEdit
from services.store.db import get_engine, make_session_factory
from services.store.models import ChangeKind
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from tests.utils.api import bearer, make_token

DEVICE = "acme-branch1-r1"  # cisco_ios, 50 Mbps, qos standard, with lab drift settings
BASE = f"/v1/tenants/acme/devices/{DEVICE}/intent"
HANDOFF = {"vlan_id": 300, "address": "10.1.30.1/24", "description": "guest wifi"}


@pytest.fixture
def acme(api_settings: Settings) -> dict[str, str]:
    return bearer(make_token(api_settings, "tenant", tenant="acme"))


def revise(
    settings: Settings, kind: ChangeKind, edits: list[IntentEdit], device: str = DEVICE
) -> str:
    """A change of acme and the revision it wrote on `device` once verified; its id."""
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions.begin() as session:
        change, _ = change_repo.create_change(
            session,
            tenant="acme",
            site="branch1",
            kind=kind,
            params={"kind": kind},
            requested_by="alice@acme",
        )
        intent_repo.record_revisions(
            session,
            tenant="acme",
            change_id=change.id,
            kind=kind,
            requested_by="alice@acme",
            approved_by="bob@msp",
            edits={device: edits},
        )
    return change.id


@pytest.fixture
def revised(api_settings: Settings, client: TestClient) -> list[str]:
    """Revision 1 applied (bandwidth + a VLAN hand-off), 2 superseded (the file holds another
    QoS profile than it replaced), 3 folded (written back to the files)."""
    first = revise(
        api_settings,
        "wan_bandwidth",
        [
            IntentEdit(path="wan.bandwidth_mbps", before=50, after=100),
            IntentEdit(path="vlan_handoffs[vlan_id=300]", before=None, after=HANDOFF),
        ],
    )
    second = revise(
        api_settings,
        "qos_profile",
        [IntentEdit(path="qos_profile", before="gold", after="premium")],
    )
    third = revise(
        api_settings,
        "qos_profile",
        [IntentEdit(path="snmp_location", before="old", after="Acme Branch 1")],
    )
    sessions = make_session_factory(get_engine(api_settings.database_url))
    with sessions.begin() as session:
        ids = [
            r.id for r in intent_repo.revisions_of_change(session, tenant="acme", change_id=third)
        ]
        intent_repo.fold(session, tenant="acme", ids=ids, actor="cli:test")
    return [first, second, third]


def by_path(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["path"]: v for v in doc["values"]}


def test_values_name_the_file_or_the_change_that_set_them(
    client: TestClient, acme: dict[str, str], revised: list[str]
) -> None:
    response = client.get(BASE, headers=acme)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["device"] == DEVICE and doc["platform"] == "cisco_ios" and doc["revision"] == 3
    assert doc["data"]["wan"]["bandwidth_mbps"] == 100
    values = by_path(doc)
    assert values["wan.bandwidth_mbps"]["value"] == 100
    assert values["wan.bandwidth_mbps"]["source"] == {
        "kind": "change",
        "change_id": revised[0],
        "revision": 1,
        "requested_by": "alice@acme",
        "approved_by": "bob@msp",
        "at": values["wan.bandwidth_mbps"]["source"]["at"],
    }
    assert values["wan.interface"]["source"] == {"kind": "file"}
    # The edit selects the hand-off by VLAN id; the value list spells it by position.
    for leaf in ("vlan_id", "address", "description"):
        value = values[f"vlan_handoffs[0].{leaf}"]
        assert value["value"] == HANDOFF[leaf]
        assert value["source"]["change_id"] == revised[0]
    assert values["qos_profile"] == {
        "path": "qos_profile",
        "value": "standard",
        "source": {"kind": "file"},
    }
    assert values["ntp_servers[0]"]["source"] == {"kind": "file"}


def test_an_edit_of_a_whole_list_is_the_source_of_its_items(
    client: TestClient, acme: dict[str, str], api_settings: Settings
) -> None:
    servers = ["192.0.2.10", "192.0.2.11"]
    change_id = revise(
        api_settings,
        "remediation",
        [IntentEdit(path="ntp_servers", before=servers, after=[servers[0], "192.0.2.99"])],
    )
    values = by_path(client.get(BASE, headers=acme).json())
    assert values["ntp_servers[1]"]["value"] == "192.0.2.99"
    assert values["ntp_servers[0]"]["source"]["change_id"] == change_id
    assert values["ntp_servers[1]"]["source"]["change_id"] == change_id


def test_credential_and_lab_settings_never_leave(
    client: TestClient, acme: dict[str, str], revised: list[str]
) -> None:
    doc = client.get(BASE, headers=acme).json()
    assert "credential" not in doc["data"] and "lab" not in doc["data"]
    assert not [p for p in by_path(doc) if p.startswith(("credential", "lab"))]
    assert "lab-acme" not in client.get(BASE, headers=acme).text
    assert "203.0.113.123" not in client.get(BASE, headers=acme).text  # the lab's drift


def test_superseded_edits_show_what_the_file_holds(
    client: TestClient, acme: dict[str, str], revised: list[str]
) -> None:
    doc = client.get(BASE, headers=acme).json()
    assert doc["superseded"] == [
        {
            "path": "qos_profile",
            "revision": 2,
            "change_id": revised[1],
            "value": "premium",
            "file_value": "standard",
        }
    ]


def test_history_lists_every_revision_with_its_state(
    client: TestClient, acme: dict[str, str], revised: list[str]
) -> None:
    response = client.get(f"{BASE}/history", headers=acme)
    assert response.status_code == 200, response.text
    revisions = response.json()["revisions"]
    assert [(r["revision"], r["change_id"], r["state"]) for r in revisions] == [
        (1, revised[0], "applied"),
        (2, revised[1], "superseded"),
        (3, revised[2], "folded"),
    ]
    assert [e["path"] for e in revisions[0]["edits"]] == [
        "wan.bandwidth_mbps",
        "vlan_handoffs[vlan_id=300]",
    ]
    assert revisions[0]["edits"][0] | {"found": None} == {
        "path": "wan.bandwidth_mbps",
        "before": 50,
        "after": 100,
        "applied": True,
        "found": None,
    }
    superseded = revisions[1]["edits"][0]
    assert superseded["applied"] is False and superseded["found"] == "standard"
    assert revisions[2]["folded_by"] == "cli:test" and revisions[2]["folded_at"]


def test_config_is_rendered_from_the_intent(
    client: TestClient, acme: dict[str, str], revised: list[str]
) -> None:
    response = client.get(f"{BASE}/config", headers=acme)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert (doc["device"], doc["platform"], doc["revision"]) == (DEVICE, "cisco_ios", 3)
    assert " bandwidth 100000\n" in doc["config"]
    assert "encapsulation dot1Q 300" in doc["config"]
    assert "203.0.113.123" not in doc["config"]


def test_diff_from_the_files_to_a_revision(
    client: TestClient, acme: dict[str, str], revised: list[str]
) -> None:
    response = client.get(f"{BASE}/diff", params={"from": 0, "to": 1}, headers=acme)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert (doc["from_revision"], doc["to_revision"]) == (0, 1)
    lines = doc["diff"].splitlines()
    assert lines[:2] == [f"--- {DEVICE}@0", f"+++ {DEVICE}@1"]
    assert "- bandwidth 50000" in lines and "+ bandwidth 100000" in lines
    # Defaults: from the files to the newest revision; revisions 2 and 3 render nothing new.
    latest = client.get(f"{BASE}/diff", headers=acme).json()
    assert (latest["from_revision"], latest["to_revision"]) == (0, 3)
    assert latest["diff"] == doc["diff"].replace("@1", "@3")
    same = client.get(f"{BASE}/diff", params={"from": 1, "to": 3}, headers=acme).json()
    assert same["diff"] == ""


def test_unknown_revision_is_404(
    client: TestClient, acme: dict[str, str], revised: list[str]
) -> None:
    response = client.get(f"{BASE}/diff", params={"to": 4}, headers=acme)
    assert response.status_code == 404 and "revision 4" in response.json()["detail"]


def test_a_device_without_revisions_is_its_files(client: TestClient, acme: dict[str, str]) -> None:
    doc = client.get(BASE, headers=acme).json()
    assert doc["revision"] == 0 and doc["superseded"] == []
    assert {v["source"]["kind"] for v in doc["values"]} == {"file"}
    assert client.get(f"{BASE}/history", headers=acme).json()["revisions"] == []
    assert client.get(f"{BASE}/diff", headers=acme).json()["diff"] == ""


def test_template_error_is_422_naming_it(
    client: TestClient, acme: dict[str, str], api_settings: Settings
) -> None:
    # A profile the tenant's qos_profiles does not define: the QoS template cannot render it.
    revise(
        api_settings,
        "qos_profile",
        [IntentEdit(path="qos_profile", before="standard", after="gold")],
    )
    response = client.get(f"{BASE}/config", headers=acme)
    assert response.status_code == 422, response.text
    assert "qos.j2" in response.json()["detail"]


def test_another_tenant_and_unknown_devices_are_404(
    client: TestClient, api_settings: Settings, revised: list[str]
) -> None:
    globex = bearer(make_token(api_settings, "tenant", tenant="globex"))
    engineer = bearer(make_token(api_settings, "engineer"))
    for suffix in ("", "/history", "/config", "/diff"):
        response = client.get(BASE + suffix, headers=globex)
        assert response.status_code == 404, suffix
        assert DEVICE not in response.text and revised[0] not in response.text
        # A globex device through acme's path, and an unknown device, even for staff.
        for device in ("globex-nyc-r1", "no-such-device"):
            url = f"/v1/tenants/acme/devices/{device}/intent{suffix}"
            response = client.get(url, headers=engineer)
            assert response.status_code == 404, url
            assert f"device {device!r} not found in tenant 'acme'" in response.json()["detail"]
    assert client.get(BASE, headers=engineer).status_code == 200
