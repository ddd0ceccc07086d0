"""GET /v1/audit-log: scoped per tenant and role, filtered, paged by cursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import audit_log as audit_log_repo
from tests.utils.api import bearer, make_token

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# The lab's setup records host keys trusted now: queries here stop before.
UNTIL = (T0 + timedelta(hours=1)).isoformat()


@pytest.fixture
def entries(api_settings: Settings, client: TestClient) -> None:
    """Entries of acme, globex and none (fleet-wide); token creation adds none here."""
    sessions = make_session_factory(get_engine(api_settings.database_url))
    with sessions.begin() as session:
        for n, (tenant, action) in enumerate(
            (
                ("acme", "change.request"),
                ("acme", "change.approve"),
                ("globex", "change.request"),
                (None, "token.create"),
                ("acme", "backup.run"),
            )
        ):
            audit_log_repo.record(
                session,
                actor=f"user{n % 2}",
                action=action,
                tenant=tenant,
                object=f"obj{n}",
                at=T0 + timedelta(minutes=n),
            )


def _objects(client: TestClient, token: str, **params: str | int) -> list[str]:
    response = client.get("/v1/audit-log", headers=bearer(token), params={"until": UNTIL, **params})
    assert response.status_code == 200, response.text
    return [entry["object"] for entry in response.json()["entries"]]


@pytest.mark.usefixtures("entries")
@pytest.mark.parametrize("role", ["engineer", "approver", "admin"])
def test_staff_read_every_entry_and_filter(
    client: TestClient, api_settings: Settings, role: str
) -> None:
    token = make_token(api_settings, role)
    assert _objects(client, token) == ["obj4", "obj3", "obj2", "obj1", "obj0"]
    assert _objects(client, token, tenant="globex") == ["obj2"]
    assert _objects(client, token, tenant="gone") == []  # a removed tenant's name still filters
    assert _objects(client, token, action="change.") == ["obj2", "obj1", "obj0"]
    assert _objects(client, token, action="change.request", actor="user0") == ["obj2", "obj0"]
    since, until = (T0 + timedelta(minutes=1)).isoformat(), (T0 + timedelta(minutes=3)).isoformat()
    assert _objects(client, token, since=since, until=until) == ["obj2", "obj1"]


@pytest.mark.usefixtures("entries")
def test_tenant_token_reads_only_its_own_entries(
    client: TestClient, api_settings: Settings
) -> None:
    token = make_token(api_settings, "tenant", tenant="acme")
    assert _objects(client, token) == ["obj4", "obj1", "obj0"]  # no globex, no fleet-wide
    assert _objects(client, token, tenant="acme", action="change.") == ["obj1", "obj0"]
    response = client.get("/v1/audit-log", headers=bearer(token), params={"tenant": "globex"})
    assert response.status_code == 404
    assert response.json() == {"detail": "tenant 'globex' not found"}


@pytest.mark.usefixtures("entries")
def test_cursor_pages_through_everything(client: TestClient, api_settings: Settings) -> None:
    token = make_token(api_settings, "engineer")
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 2, "until": UNTIL}
    while True:
        body = client.get("/v1/audit-log", headers=bearer(token), params=params).json()
        assert len(body["entries"]) <= 2
        seen += [entry["object"] for entry in body["entries"]]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == ["obj4", "obj3", "obj2", "obj1", "obj0"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-12-01T09:00:00"}, "until"),  # no timezone
        ({"limit": 1001}, "limit"),
        ({"limit": "5.0"}, "limit"),
        ({"tenant": "ac\x00me"}, "tenant"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_query_is_422_naming_the_field(
    client: TestClient, api_settings: Settings, params: dict[str, str | int], field: str
) -> None:
    token = make_token(api_settings, "engineer")
    response = client.get("/v1/audit-log", headers=bearer(token), params=params)
    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["query", field]]


def test_no_token_is_401(client: TestClient) -> None:
    assert client.get("/v1/audit-log").status_code == 401
