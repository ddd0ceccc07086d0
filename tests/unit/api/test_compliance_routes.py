"""Compliance report routes: listing, JSON/CSV export, trend, device diff, tenant isolation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from services.compliance.report import DeviceCompliance, FeatureResult
from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import backups as backup_repo
from services.store.repos import compliance as report_repo
from tests.utils.api import bearer, make_token


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    with TestClient(create_app(settings)) as test_client:
        test_client.app_settings = settings  # type: ignore[attr-defined]
        yield test_client


def _store_run(settings: Settings, run: int, ntp_ok: bool) -> str:
    sessions = make_session_factory(get_engine(settings.database_url))
    started = datetime.now(UTC) + timedelta(minutes=run)
    with sessions.begin() as session:
        report = report_repo.start_report(
            session,
            tenant="acme",
            workflow_id=f"audit-acme-{run}",
            requested_by="t",
            started_at=started,
        )
        backup = backup_repo.store_backup(
            session,
            tenant="acme",
            device="acme-hq-r1",
            run_id=f"audit-acme-{run}",
            content="hostname r1\n"
            + ("ntp server 192.0.2.10\n" if ntp_ok else "ntp server 9.9.9.9\n"),
            collected_at=started,
        )
        ntp = FeatureResult(
            feature="ntp",
            status="compliant" if ntp_ok else "drift",
            missing=[] if ntp_ok else ["ntp server 192.0.2.10"],
            extra=[] if ntp_ok else ["ntp server 9.9.9.9"],
        )
        system = FeatureResult(feature="system", status="compliant")
        result = DeviceCompliance.from_features("acme", "acme-hq-r1", "cisco_ios", [system, ntp])
        report_repo.record_device(
            session,
            report_id=report.id,
            tenant="acme",
            device="acme-hq-r1",
            platform="cisco_ios",
            status=result.status,
            score=result.score,
            result=result.model_dump(mode="json"),
            backup_version=backup.version,
        )
        report_repo.finish_report(session, report_id=report.id, tenant="acme", finished_at=started)
    return report.id


def test_reports_trend_csv_and_diff(client: TestClient) -> None:
    settings: Settings = client.app_settings  # type: ignore[attr-defined]
    first = _store_run(settings, 1, ntp_ok=False)
    second = _store_run(settings, 2, ntp_ok=True)
    token = bearer(make_token(settings, "tenant", tenant="acme"))
    base = "/v1/tenants/acme"

    listing = client.get(f"{base}/compliance/reports", headers=token).json()
    assert [r["id"] for r in listing] == [second, first]
    assert [p["score"] for p in client.get(f"{base}/compliance/trend", headers=token).json()] == [
        50.0,
        100.0,
    ]
    detail = client.get(f"{base}/compliance/reports/{first}", headers=token).json()
    ntp = next(f for f in detail["devices"][0]["result"]["features"] if f["feature"] == "ntp")
    assert ntp["missing"] == ["ntp server 192.0.2.10"]

    csv = client.get(f"{base}/compliance/reports/{first}/csv", headers=token)
    assert csv.headers["content-type"].startswith("text/csv")
    assert "acme-hq-r1" in csv.text and "ntp" in csv.text

    diff = client.get(
        f"{base}/devices/acme-hq-r1/compliance/diff",
        params={"from": first, "to": second},
        headers=token,
    ).json()
    assert diff["features_changed"] == {"ntp": ["drift", "compliant"]}
    assert "+ntp server 192.0.2.10" in diff["config_diff"]


def test_foreign_tenant_reports_and_schedules_are_404(client: TestClient) -> None:
    settings: Settings = client.app_settings  # type: ignore[attr-defined]
    report = _store_run(settings, 1, ntp_ok=True)
    globex = bearer(make_token(settings, "tenant", tenant="globex"))
    for path in (
        "/v1/tenants/acme/compliance/reports",
        f"/v1/tenants/acme/compliance/reports/{report}",
        f"/v1/tenants/acme/compliance/reports/{report}/csv",
        "/v1/tenants/acme/compliance/trend",
        "/v1/tenants/acme/audit-schedule",
        "/v1/tenants/acme/audit-runs",
    ):
        assert client.get(path, headers=globex).status_code == 404, path
    # and the report id is not readable through the caller's own tenant either
    own = client.get(f"/v1/tenants/globex/compliance/reports/{report}", headers=globex)
    assert own.status_code == 404
    assert client.post("/v1/tenants/globex/audit-runs", headers=globex).status_code == 403
    assert (
        client.put("/v1/tenants/globex/audit-schedule", json={}, headers=globex).status_code == 403
    )


def test_schedule_spec_validation(client: TestClient) -> None:
    settings: Settings = client.app_settings  # type: ignore[attr-defined]
    token = bearer(make_token(settings, "engineer"))
    bad = client.put(
        "/v1/tenants/acme/audit-schedule",
        json={"cron": "61 * *", "timezone": "Mars/Olympus"},
        headers=token,
    )
    assert bad.status_code == 422
    text = bad.text
    assert "cron must have 5 fields" in text and "unknown timezone" in text
