"""`netwave intent`: show, history and diff through the API; export writes a copy of the
inventories and folds the revisions, with an audit entry."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.cli import app
from services.core.settings import Settings, get_settings
from services.intent.model import IntentEdit
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import changes as change_repo
from services.store.repos import intent as intent_repo
from tests.conftest import REPO
from tests.utils.api import make_token
from tests.utils.cli import use_http

runner = CliRunner()
DEVICE = "acme-branch1-r1"  # cisco_ios, 50 Mbps
HANDOFF = {"vlan_id": 300, "address": "10.1.30.1/24", "description": "guest wifi"}


pytestmark = pytest.mark.usefixtures("scratch_env", "wide_console")


@pytest.fixture
def scratch_variables() -> dict[str, str | None]:
    return {"NETWAVE_TEMPLATES_PATH": str(REPO / "templates")}


@pytest.fixture
def scratch_inventories(tmp_path: Path) -> Path:
    """A copy of the shipped inventories (export writes into it)."""
    inventories = tmp_path / "inventories"
    shutil.copytree(REPO / "inventories", inventories)
    return inventories


@pytest.fixture
def local() -> Settings:
    return get_settings().model_copy(update={"temporal_address": "127.0.0.1:1"})


@pytest.fixture
def token(local: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A tenant token of acme, and every NetwaveClient the CLI makes talks to the real API."""
    with TestClient(create_app(local)) as http:
        use_http(monkeypatch, http)
        yield make_token(local, "tenant", tenant="acme")


def revise(settings: Settings, edits: list[IntentEdit]) -> str:
    """A verified change of acme with its revision of DEVICE; its id."""
    sessions = prepare_local(settings, lab=True)
    with sessions.begin() as session:
        change, _ = change_repo.create_change(
            session,
            tenant="acme",
            site="branch1",
            kind="wan_bandwidth",
            params={"kind": "wan_bandwidth"},
            requested_by="alice@acme",
        )
        intent_repo.record_revisions(
            session,
            tenant="acme",
            change_id=change.id,
            kind="wan_bandwidth",
            requested_by="alice@acme",
            approved_by="bob@msp",
            edits={DEVICE: edits},
        )
    return change.id


@pytest.fixture
def revised(local: Settings) -> str:
    return revise(
        local,
        [
            IntentEdit(path="wan.bandwidth_mbps", before=50, after=100),
            IntentEdit(path="vlan_handoffs[vlan_id=300]", before=None, after=HANDOFF),
        ],
    )


def flat(output: str) -> str:
    """Output with its line wrapping undone (the error console is 80 columns wide)."""
    return " ".join(output.split())


def intent(*args: str, token: str = "") -> list[str]:
    return ["intent", *args, "--tenant", "acme", "--token", token]


def test_show_lists_values_with_their_source(token: str, revised: str) -> None:
    result = runner.invoke(app, intent("show", "--device", DEVICE, token=token))
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert "100" in rows["wan.bandwidth_mbps"] and f"change {revised}" in rows["wan.bandwidth_mbps"]
    assert "rev 1" in rows["vlan_handoffs[0].vlan_id"]
    assert rows["wan.interface"].split("│")[3].strip() == "file"
    assert "credential" not in result.output and "lab-acme" not in result.output


def test_history_and_diff(token: str, revised: str) -> None:
    history = runner.invoke(app, intent("history", "--device", DEVICE, token=token))
    assert history.exit_code == 0, history.output
    assert "applied" in history.output and revised in history.output
    assert "wan.bandwidth_mbps: 50 -> 100" in history.output
    diff = runner.invoke(app, intent("diff", "--device", DEVICE, "--from", "0", token=token))
    assert diff.exit_code == 0, diff.output
    assert "- bandwidth 50000" in diff.output and "+ bandwidth 100000" in diff.output
    same = runner.invoke(app, intent("diff", "--device", DEVICE, "--from", "1", token=token))
    assert same.exit_code == 0 and "no difference between revision 1 and 1" in same.output


def test_api_errors_exit_1_and_a_missing_token_2(token: str) -> None:
    unknown = runner.invoke(app, intent("show", "--device", "no-such-device", token=token))
    assert unknown.exit_code == 1 and "device 'no-such-device' not found" in flat(unknown.output)
    bad = runner.invoke(app, intent("diff", "--device", DEVICE, "--to", "7", token=token))
    assert bad.exit_code == 1 and "revision 7" in flat(bad.output)
    missing = runner.invoke(app, intent("history", "--device", DEVICE), env={"NETWAVE_TOKEN": ""})
    assert missing.exit_code == 2 and "NETWAVE_TOKEN" in flat(missing.output)


def test_export_writes_the_files_folds_and_audits(
    scratch_inventories: Path, local: Settings, revised: str
) -> None:
    hosts = scratch_inventories / "acme" / "hosts.yaml"
    before = hosts.read_text()
    result = runner.invoke(app, ["intent", "export", "--tenant", "acme", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"wrote {hosts}" in flat(result.output)
    assert f"devices: {DEVICE}" in result.output and "folded revisions: " in result.output
    text = hosts.read_text()
    assert text != before and "vlan_id: 300" in text
    assert (REPO / "inventories" / "acme" / "hosts.yaml").read_text() == before
    sessions = prepare_local(local, lab=True)
    with sessions() as session:
        revisions = intent_repo.revisions(session, tenant="acme", device=DEVICE)
        entries = [e for e in audit_log_repo.list_entries(session) if e.action == "intent.export"]
    assert [r.folded_by for r in revisions] == [entries[0].actor]
    assert entries[0].tenant == "acme" and entries[0].detail["folded"] == [revisions[0].id]
    again = runner.invoke(app, ["intent", "export", "--tenant", "acme", "--yes"])
    assert again.exit_code == 0 and "nothing to export" in again.output


def test_export_asks_first_and_refuses_an_unknown_tenant(
    scratch_inventories: Path, revised: str
) -> None:
    hosts = scratch_inventories / "acme" / "hosts.yaml"
    before = hosts.read_text()
    declined = runner.invoke(app, ["intent", "export", "--tenant", "acme"], input="n\n")
    assert declined.exit_code == 1 and hosts.read_text() == before
    unknown = runner.invoke(app, ["intent", "export", "--tenant", "nobody", "--yes"])
    assert unknown.exit_code == 1 and "nobody" in flat(unknown.output)
