"""Auth and tenant scoping of the read routes (no Temporal needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import backups as backup_repo
from tests.utils.api import bearer, make_token


@pytest.fixture
def stored(api_settings: Settings, client: TestClient) -> None:
    sessions = make_session_factory(get_engine(api_settings.database_url))
    with sessions.begin() as session:
        for content in ("hostname a\n", "hostname a\nntp server 1.1.1.1\n"):
            backup_repo.store_backup(
                session,
                tenant="acme",
                device="acme-hq-r1",
                content=content,
                run_id=None,
                collected_at=datetime.now(UTC),
            )
        backup_repo.store_backup(
            session,
            tenant="globex",
            device="globex-nyc-r1",
            content="x\n",
            run_id=None,
            collected_at=datetime.now(UTC),
        )


def test_missing_malformed_and_expired_tokens_are_401(
    client: TestClient, api_settings: Settings
) -> None:
    expired = make_token(api_settings, "engineer", expired=True)
    for headers in ({}, bearer("garbage"), bearer("nw_000000000000_" + "a" * 43), bearer(expired)):
        response = client.get("/v1/tenants", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["www-authenticate"] == "Bearer"


def test_tenant_token_sees_only_its_tenant(client: TestClient, api_settings: Settings) -> None:
    token = make_token(api_settings, "tenant", tenant="acme")
    names = [t["name"] for t in client.get("/v1/tenants", headers=bearer(token)).json()]
    assert names == ["acme"]
    assert client.get("/v1/tenants/acme/devices", headers=bearer(token)).status_code == 200
    for path in (
        "/v1/tenants/globex",
        "/v1/tenants/globex/devices",
        "/v1/tenants/globex/backups",
        "/v1/tenants/globex/devices/globex-nyc-r1/backups",
    ):
        response = client.get(path, headers=bearer(token))
        assert response.status_code == 404, path
        assert "globex-nyc-r1" not in response.text


def test_engineer_sees_every_tenant(client: TestClient, api_settings: Settings) -> None:
    token = make_token(api_settings, "engineer")
    names = {t["name"] for t in client.get("/v1/tenants", headers=bearer(token)).json()}
    assert {"acme", "globex", "initech"} <= names
    devices = client.get("/v1/tenants/globex/devices", headers=bearer(token)).json()
    assert {d["platform"] for d in devices} == {"cisco_ios", "arista_eos", "juniper_junos"}
    assert all("password" not in d for d in devices)


def test_tenant_token_cannot_start_backups(client: TestClient, api_settings: Settings) -> None:
    token = make_token(api_settings, "tenant", tenant="acme")
    assert client.post("/v1/tenants/acme/backup-runs", headers=bearer(token)).status_code == 403
    assert client.post("/v1/backup-runs", headers=bearer(token)).status_code == 403


@pytest.mark.usefixtures("stored")
def test_backup_versions_content_and_diff(client: TestClient, api_settings: Settings) -> None:
    token = make_token(api_settings, "tenant", tenant="acme")
    base = "/v1/tenants/acme/devices/acme-hq-r1/backups"
    versions = client.get(base, headers=bearer(token)).json()
    assert [v["version"] for v in versions] == [2, 1]
    one = client.get(f"{base}/1", headers=bearer(token)).json()
    assert one["content"] == "hostname a\n"
    diff = client.get(f"{base}/diff?from=1&to=2", headers=bearer(token))
    assert diff.status_code == 200 and "+ntp server 1.1.1.1" in diff.text
    assert client.get(f"{base}/9", headers=bearer(token)).status_code == 404
    latest = client.get("/v1/tenants/acme/backups", headers=bearer(token)).json()
    assert [(b["device"], b["version"]) for b in latest] == [("acme-hq-r1", 2)]


def test_database_holds_no_plaintext_token(client: TestClient, api_settings: Settings) -> None:
    token = make_token(api_settings, "admin")
    engine = get_engine(api_settings.database_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_tokens")).fetchall()
    assert rows and all(token not in " ".join(map(str, row)) for row in rows)
    secret_part = token.split("_", 2)[2]
    assert all(secret_part not in " ".join(map(str, row)) for row in rows)


def test_health_reports_temporal_down(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["temporal"].startswith("error")
