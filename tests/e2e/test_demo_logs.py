"""`netwave demo` with JSON logs on PostgreSQL: every line of every netwave log it wrote is a
JSON object with the ids that apply, and its audit log holds its actions, scoped per tenant.

`var/logs/temporal.log` is the Temporal dev server's own log (its format, not netwave's) and is
left out. The demo runs with NETWAVE_ENV=test, not production: production refuses on purpose
what a demo needs (development credentials in var/secrets.yaml, trusting the lab's host key),
so the format is chosen with NETWAVE_LOG_FORMAT=json, which production sets by default.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.api.main import create_app
from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import audit_log as audit_log_repo
from tests.utils.api import bearer, make_token
from tests.utils.postgres import fresh_database
from tests.utils.processes import settings_env
from tests.utils.secrets import passwords

pytestmark = pytest.mark.slow

NOT_OURS = {"temporal.log"}  # the Temporal dev server's own log


def read_logs(logs: Path) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """Each netwave log file's records, and every line that is not a JSON object."""
    records: dict[str, list[dict[str, Any]]] = {}
    bad: list[str] = []
    for path in sorted(logs.glob("*.log")):
        if path.name in NOT_OURS:
            continue
        records[path.name] = []
        for number, line in enumerate(path.read_text().splitlines(), 1):
            try:
                parsed = json.loads(line)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                bad.append(f"{path.name}:{number}: {line[:300]}")
                continue
            records[path.name].append(parsed)
    return records, bad


def check_ids(records: list[dict[str, Any]]) -> None:
    for r in records:
        assert {"ts", "level", "logger", "msg"} <= r.keys(), r
        if r["logger"] == "netwave.device":
            assert r.get("tenant") and r.get("device") and r.get("outcome"), r
        if r.get("workflow_id"):
            assert r.get("run_id"), r
            if r["workflow_id"].startswith("change-"):
                assert r.get("change_id"), r
            if r["workflow_id"].startswith("campaign-"):
                assert r.get("campaign_id"), r


def run_demo(settings: Settings) -> None:
    env = {**settings_env(settings), "NETWAVE_LOG_FORMAT": "json", "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "services.cli", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_demo_logs_are_json_lines_with_ids_and_its_audit_log_is_per_tenant(
    stack_settings: Settings,
) -> None:
    with fresh_database("netwave_demo_logs") as url:
        settings = stack_settings.model_copy(update={"database_url": url})
        run_demo(settings)
        records, bad = read_logs(settings.var_dir / "logs")
        assert not bad, "\n".join(bad[:20])
        assert {"api.log", "worker.log", "lab.log"} <= records.keys()
        everything = [r for rs in records.values() for r in rs]
        check_ids(everything)
        check_demo_records(everything)
        text = "".join(p.read_text() for p in (settings.var_dir / "logs").glob("*.log"))
        for secret in passwords(settings.secrets_file):
            assert secret not in text
        check_audit_log(settings)
        get_engine(url).dispose()


def check_demo_records(everything: list[dict[str, Any]]) -> None:
    """The demo's device sessions, pushes, change and campaign steps are all there."""
    device = [r for r in everything if r["logger"] == "netwave.device"]
    events = Counter((r["event"], r["outcome"]) for r in device)
    assert events[("session", "ok")] >= 20, events
    assert events[("push", "ok")] >= 3, events  # the three demo changes at least
    # Every session runs in an activity (Nornir's threads and the heartbeat's included).
    assert all(r.get("workflow_id") and r.get("run_id") for r in device), [
        r for r in device if not r.get("workflow_id")
    ][:5]
    pushes = [r for r in device if r["event"] == "push" and r.get("change_id")]
    assert {r["tenant"] for r in pushes} >= {"acme", "globex", "vandelay"}, pushes
    assert all(r.get("workflow_id") and r.get("activity") for r in pushes), pushes
    # The change workflows' own records: their workflow, run, change and tenant.
    changes = [r for r in everything if r["logger"] == "temporalio.workflow"]
    assert {r["status"] for r in changes} >= {"approved", "applying", "verified"}, changes
    assert all(r.get("change_id") and r.get("tenant") for r in changes), changes
    # The campaign's activities: the campaign and, per device, its tenant.
    campaign = [r for r in everything if r.get("campaign_id")]
    assert any(r["msg"].endswith(" completed") for r in campaign), campaign[-5:]
    rolled_back = [r for r in campaign if r.get("status") == "rolled_back"]
    assert [r.get("tenant") for r in rolled_back] == ["globex"], rolled_back
    # The API's access log, through the same handler.
    assert any(r["logger"] == "netwave.access" and r.get("status") == 202 for r in everything)


def check_audit_log(settings: Settings) -> None:
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions() as session:
        entries = audit_log_repo.list_entries(session, limit=1000)
    actions = Counter(e.action for e in entries)
    for action in ("backup.start", "audit.start", "change.request", "change.approve"):
        assert actions[action] >= 1, actions
    assert actions["campaign.launch"] == 1 and actions["change.verified"] == 3, actions
    with TestClient(create_app(settings)) as api:
        acme = make_token(settings, "tenant", tenant="acme")
        body = api.get("/v1/audit-log?limit=1000", headers=bearer(acme)).json()
        assert body["entries"] and {e["tenant"] for e in body["entries"]} == {"acme"}
        assert "change.verified" in {e["action"] for e in body["entries"]}
        staff = make_token(settings, "engineer")
        every = api.get("/v1/audit-log?limit=1000", headers=bearer(staff)).json()["entries"]
        assert {"acme", "globex", "vandelay"} <= {e["tenant"] for e in every}
        assert "campaign.launch" in {e["action"] for e in every}
