"""netwave end to end on PostgreSQL: a fresh database, the lab, real workers on a real Temporal
server, the API; a backup, an audit, a change and a campaign, each to its successful end, then
the rows read straight from PostgreSQL. The database is dropped afterwards.

Without a PostgreSQL server on 127.0.0.1:5432 the test is skipped, or fails when CI is set.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings, get_settings
from services.store.db import get_engine, make_engine
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.utils.api import bearer, make_token
from tests.utils.lab import ThreadedLab
from tests.utils.postgres import fresh_database, require_postgres

pytestmark = pytest.mark.postgres

TARGET = "17.9.4a"
ACME_IOS = ["acme-branch1-r1", "acme-hq-r1"]
CHANGE_FINAL = {"verified", "rolled_back", "failed", "rejected", "expired"}
CAMPAIGN_FINAL = {"completed", "halted", "cancelled", "failed"}
CAMPAIGN = {
    "name": "ios-17-9-on-postgres",
    "kind": "os_upgrade",
    "targets": {"tenants": ["acme"], "platforms": ["cisco_ios"]},
    "target_versions": {"cisco_ios": TARGET},
    "strategy": {"canary_size": 1, "wave_size": 1, "max_concurrency": 1},
    "respect_windows": False,  # an admin launches it: the lab's windows are closed
    "reload_timeout_seconds": 20,
    "post_check": {"settle_seconds": 1},
}


@pytest.fixture(scope="session", autouse=True)
def _postgres_first() -> None:
    """Skip (or fail, in CI) before the lab and Temporal start when PostgreSQL is missing."""
    require_postgres()


@pytest.fixture
def postgres_settings(
    lab_settings: Settings, temporal_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The lab's settings on this test's task queues and a fresh PostgreSQL database (also in
    NETWAVE_DATABASE_URL, for anything that reads the environment), migrated and trusting the
    lab's host key."""
    with fresh_database("netwave_flow") as created:
        # The plain postgresql:// form an operator writes (netwave picks psycopg 3 itself).
        url = make_url(created).set(drivername="postgresql").render_as_string(hide_password=False)
        monkeypatch.setenv("NETWAVE_DATABASE_URL", url)
        get_settings.cache_clear()
        settings = scoped(lab_settings, temporal_env).model_copy(update={"database_url": url})
        prepare_local(settings, lab=True)
        try:
            yield settings
        finally:
            get_engine(url).dispose()  # before the database is dropped
            get_settings.cache_clear()


@pytest.fixture
def api(postgres_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(postgres_settings)) as client:
        yield client


async def call(api: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    return await asyncio.to_thread(lambda: api.request(method, path, **kwargs))


async def poll(
    api: TestClient,
    path: str,
    headers: dict[str, str],
    done: Callable[[dict[str, Any]], bool],
    timeout: float = 60,
) -> dict[str, Any]:
    """GET `path` until `done` says so (or fail, showing the last answer, after `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        response = await call(api, "GET", path, headers=headers)
        assert response.status_code == 200, response.text
        doc: dict[str, Any] = response.json()
        if done(doc):
            return doc
        assert time.monotonic() < deadline, doc
        await asyncio.sleep(0.25)


def run_over(doc: dict[str, Any]) -> bool:
    return doc["status"] not in ("RUNNING", "UNKNOWN")


async def test_backup_audit_change_and_campaign_on_postgresql(
    temporal_env: WorkflowEnvironment,
    lab: ThreadedLab,
    postgres_settings: Settings,
    api: TestClient,
) -> None:
    settings = postgres_settings
    engineer = bearer(make_token(settings, "engineer"))
    admin = bearer(make_token(settings, "admin"))
    acme = bearer(make_token(settings, "tenant", tenant="acme"))

    async with workers(temporal_env.client, settings):
        # A backup of globex's four routers.
        started = await call(api, "POST", "/v1/tenants/globex/backup-runs", headers=engineer)
        assert started.status_code == 202, started.text
        backup = await poll(
            api, f"/v1/tenants/globex/backup-runs/{started.json()['run_id']}", engineer, run_over
        )
        assert backup["status"] == "COMPLETED", backup
        assert backup["result"]["counts"] == {"backed_up": 4}, backup["result"]

        # An audit of acme: the lab seeds a hand-made NTP server on acme-branch1-r1.
        started = await call(api, "POST", "/v1/tenants/acme/audit-runs", headers=engineer)
        assert started.status_code == 202, started.text
        audit = await poll(
            api, f"/v1/tenants/acme/audit-runs/{started.json()['run_id']}", engineer, run_over
        )
        assert audit["status"] == "COMPLETED", audit
        report_id = audit["result"]["report_id"]
        assert audit["result"]["counts"]["drift"] >= 1, audit["result"]

        # A change: auto-approved, waits for acme's (closed) window, an admin overrides it.
        body = {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 80}
        created = await call(api, "POST", "/v1/tenants/acme/changes", json=body, headers=acme)
        assert created.status_code == 201, created.text
        change_id = created.json()["change"]["id"]
        path = f"/v1/tenants/acme/changes/{change_id}"
        doc = await poll(api, path, acme, lambda d: d["change"]["status"] == "scheduled")
        assert "auto-approved" in (doc["change"]["policy_reason"] or "")
        opened = await call(
            api, "POST", f"{path}/override-window", json={"reason": "pg flow"}, headers=admin
        )
        assert opened.status_code == 200, opened.text
        doc = await poll(api, path, acme, lambda d: d["change"]["status"] in CHANGE_FINAL)
        assert doc["change"]["status"] == "verified", doc["change"]
        assert len(lab.record("acme-branch1-r1").config_sessions) == 1

        # A campaign: acme's two IOS routers, the canary first.
        launched = await call(api, "POST", "/v1/campaigns", json=CAMPAIGN, headers=admin)
        assert launched.status_code == 201, launched.text
        campaign_id = launched.json()["campaign"]["id"]
        doc = await poll(
            api,
            f"/v1/campaigns/{campaign_id}",
            engineer,
            lambda d: d["campaign"]["status"] in CAMPAIGN_FINAL,
        )
        assert doc["campaign"]["status"] == "completed", doc
        assert {d["device"]: d["status"] for d in doc["devices"]} == dict.fromkeys(
            ACME_IOS, "upgraded"
        )
        for name in ACME_IOS:
            assert lab.version(name) == TARGET

    check_rows(settings, report_id=report_id, change_id=change_id, campaign_id=campaign_id)


def check_rows(settings: Settings, *, report_id: str, change_id: str, campaign_id: str) -> None:
    """What the flow left in PostgreSQL, read with SQL (not through netwave's repositories)."""
    engine = make_engine(settings.database_url, poolclass=NullPool)
    try:
        with engine.connect() as db:

            def rows(sql: str, **params: Any) -> list[tuple[Any, ...]]:
                return [tuple(r) for r in db.execute(text(sql), params)]

            assert engine.dialect.name == "postgresql"
            assert rows("SELECT current_database()") == [
                (make_url(settings.database_url).database,)
            ]
            backups = rows(
                "SELECT b.device, b.version FROM config_backups b"
                " JOIN tenants t ON t.id = b.tenant_id WHERE t.name = 'globex' ORDER BY b.device"
            )
            assert [v for _, v in backups] == [1, 1, 1, 1], backups
            assert rows("SELECT kind FROM runs ORDER BY kind") == [("audit",), ("backup",)]

            report = rows(
                "SELECT status, devices_total FROM compliance_reports WHERE id = :id",
                id=report_id,
            )
            assert len(report) == 1 and report[0][0] == "completed", report
            results = rows(
                "SELECT device, status FROM device_compliance_results WHERE report_id = :id",
                id=report_id,
            )
            assert len(results) == report[0][1] and ("acme-branch1-r1", "drift") in results

            assert rows("SELECT status FROM change_requests WHERE id = :id", id=change_id) == [
                ("verified",)
            ]
            events = rows(
                "SELECT to_status FROM change_events WHERE change_id = :id ORDER BY id",
                id=change_id,
            )
            assert [e for (e,) in events] == [
                "submitted",
                "planned",
                "approved",
                "scheduled",
                "scheduled",  # the override
                "applying",
                "verified",
            ]

            assert rows("SELECT status FROM campaigns WHERE id = :id", id=campaign_id) == [
                ("completed",)
            ]
            devices = rows(
                "SELECT device, wave, status, to_version FROM campaign_devices"
                " WHERE campaign_id = :id ORDER BY wave, device",
                id=campaign_id,
            )
            assert devices == [
                ("acme-branch1-r1", 0, "upgraded", TARGET),
                ("acme-hq-r1", 1, "upgraded", TARGET),
            ], devices

            actions = {a for (a,) in rows("SELECT action FROM audit_log")}
            assert {
                "backup.start",
                "audit.start",
                "change.request",
                "change.override_window",
                "campaign.launch",
            } <= actions, actions
    finally:
        engine.dispose()
    assert not (settings.var_dir / "netwave.db").exists(), "something wrote to SQLite"
