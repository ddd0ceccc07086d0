"""`netwave auditlog` against the real API: filters sent, pages followed, errors printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.api.main import create_app
from services.cli import app
from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import audit_log as audit_log_repo
from tests.utils.api import make_token
from tests.utils.cli import use_http

runner = CliRunner()
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
UNTIL = (T0 + timedelta(hours=1)).isoformat()  # before the lab's own host-key entries


pytestmark = pytest.mark.usefixtures("scratch_env")


@pytest.fixture
def scratch_variables() -> dict[str, str | None]:
    return {"COLUMNS": "200"}


@pytest.fixture
def api(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The real API with five entries: acme's, globex's and a fleet-wide one."""
    settings = settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    with TestClient(create_app(settings)) as client:
        use_http(monkeypatch, client)
        sessions = make_session_factory(get_engine(settings.database_url))
        with sessions.begin() as session:
            for n, tenant in enumerate(("acme", "globex", None, "acme", "acme")):
                audit_log_repo.record(
                    session,
                    actor="alice",
                    action="change.request" if tenant else "token.create",
                    tenant=tenant,
                    object=f"[bold]obj{n}",  # markup in a name is shown as written
                    detail={"n": n},
                    at=T0 + timedelta(minutes=n),
                )
        yield settings


def _auditlog(settings: Settings, role: str, *args: str, tenant: str | None = None) -> str:
    env = {"NETWAVE_TOKEN": make_token(settings, role, tenant=tenant)}
    result = runner.invoke(app, ["auditlog", "--until", UNTIL, *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_table_of_every_entry_for_staff(api: Settings) -> None:
    shown = _auditlog(api, "engineer")
    assert all(f"[bold]obj{n}" in shown for n in range(5))
    assert "token.create" in shown and '{"n": 2}' in shown


def test_json_page_and_all_pages(api: Settings) -> None:
    page = json.loads(_auditlog(api, "engineer", "--limit", "2", "-o", "json"))
    assert [e["object"] for e in page["entries"]] == ["[bold]obj4", "[bold]obj3"]
    assert page["next_cursor"]
    rest = json.loads(_auditlog(api, "engineer", "--cursor", page["next_cursor"], "-o", "json"))
    assert [e["object"] for e in rest["entries"]] == [f"[bold]obj{n}" for n in (2, 1, 0)]
    everything = json.loads(_auditlog(api, "admin", "--limit", "2", "--all", "-o", "json"))
    assert [e["object"] for e in everything["entries"]] == [
        f"[bold]obj{n}" for n in range(4, -1, -1)
    ]
    assert everything["next_cursor"] is None


def test_filters_and_tenant_scope(api: Settings) -> None:
    args = ("--tenant", "acme", "--action", "change.", "--actor", "alice", "-o", "json")
    staff = json.loads(
        _auditlog(api, "approver", *args, "--since", (T0 + timedelta(minutes=1)).isoformat())
    )
    assert [e["object"] for e in staff["entries"]] == ["[bold]obj4", "[bold]obj3"]
    own = json.loads(_auditlog(api, "tenant", "-o", "json", tenant="globex"))
    assert [e["object"] for e in own["entries"]] == ["[bold]obj1"]


def test_api_errors_are_printed(api: Settings) -> None:
    env = {"NETWAVE_TOKEN": make_token(api, "tenant", tenant="acme")}
    foreign = runner.invoke(app, ["auditlog", "--tenant", "globex"], env=env)
    assert foreign.exit_code == 1 and "tenant 'globex' not found" in foreign.output
    bad = runner.invoke(app, ["auditlog", "--since", "yesterday"], env=env)
    assert bad.exit_code == 1 and "since" in bad.output
