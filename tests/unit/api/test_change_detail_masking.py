"""A change's detail as a tenant reads it: plan diff, commands, rollback, the failure and the
timeline with secrets masked; staff read them whole."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.network.masking import MASK
from services.store.repos import changes as change_repo
from tests.utils.api import bearer, make_token

SECRET = "s3cr3tCommunity"
LINE = f"snmp-server community {SECRET} RO"


@pytest.fixture
def client(settings: Settings) -> Iterator[tuple[TestClient, Settings, str]]:
    sessions = prepare_local(settings)
    with sessions.begin() as session:
        change, _ = change_repo.create_change(
            session,
            tenant="acme",
            site="hq",
            kind="remediation",
            params={"kind": "remediation"},
            requested_by="noc",
        )
        device = {
            "device": "acme-hq-r1",
            "platform": "cisco_ios",
            "features": ["snmp"],
            "sections": [LINE],
            "commands": [LINE],
            "rollback": [f"no {LINE}"],
            "diff": f"+{LINE}\n",
            "intended_hash": "a",
            "running_hash": "b",
            "future_hash": "c",
        }
        change_repo.add_plan(
            session, tenant="acme", change_id=change.id, devices=[device], plan_hash="h" * 64
        )
        change_repo.transition(
            session,
            tenant="acme",
            change_id=change.id,
            to_status="failed",
            actor="netwave",
            failure=f"the device refused {LINE!r}",
            detail={"error": f"the device refused {LINE!r}"},
        )
    with TestClient(create_app(settings)) as api:
        yield api, settings, change.id


def test_a_tenant_reads_the_change_masked_and_staff_whole(
    client: tuple[TestClient, Settings, str],
) -> None:
    api, settings, change_id = client
    path = f"/v1/tenants/acme/changes/{change_id}"
    tenant = api.get(path, headers=bearer(make_token(settings, "tenant", tenant="acme")))
    assert tenant.status_code == 200, tenant.text
    assert SECRET not in tenant.text and MASK in tenant.text
    plan = tenant.json()["plan"]["devices"][0]
    assert plan["commands"] == [f"snmp-server community {MASK} RO"]
    staff = api.get(path, headers=bearer(make_token(settings, "engineer")))
    assert staff.status_code == 200 and SECRET in staff.json()["plan"]["devices"][0]["diff"]
    assert SECRET in staff.json()["change"]["failure"]
