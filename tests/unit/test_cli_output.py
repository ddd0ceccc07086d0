"""`--output json` (`-o json`, and the older `--json`) on every read command: stdout is the
API's answer as JSON and nothing else, so `netwave ... -o json | jq` works."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from services.cli import app
from services.core.settings import get_settings
from tests.utils.cli import mock_api

runner = CliRunner()
ENV = {"NETWAVE_TOKEN": "nw_test"}
# One answer for every call (a finished run, a completed campaign): JSON output echoes it.
ANSWER: dict[str, Any] = {
    "run_id": "r1",
    "status": "COMPLETED",
    "result": {"report_id": "rep1", "devices": []},
    "campaign": {"id": "c0ffee", "status": "completed"},
    "hosts": [],
    "note": "[bold]not markup[/]",
}
TENANT = ["--tenant", "acme"]
DEVICE = [*TENANT, "--device", "acme-branch1-r1"]
READS = [
    ["backup", "run"],
    ["audit", "run", *TENANT],
    ["audit", "reports", *TENANT],
    ["audit", "show", *TENANT, "rep1"],
    ["audit", "schedule", "show", *TENANT],
    ["change", "list"],
    ["change", "show", *TENANT, "ch1"],
    ["campaign", "list"],
    ["campaign", "show", "c0ffee"],
    ["campaign", "show", "c0ffee", "--watch", "--interval", "0"],
    ["image", "list"],
    ["intent", "show", *DEVICE],
    ["intent", "history", *DEVICE],
    ["intent", "diff", *DEVICE],
    ["devices", "attention", *TENANT],
    ["devices", "host-keys", *TENANT],
    ["devices", "trust", *TENANT],
]


pytestmark = pytest.mark.usefixtures("scratch_env")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> None:
    mock_api(monkeypatch, lambda request: httpx.Response(200, json=ANSWER))


@pytest.mark.usefixtures("api")
@pytest.mark.parametrize("flag", [["--output", "json"], ["-o", "json"], ["--json"]])
@pytest.mark.parametrize("args", READS, ids=[" ".join(a[:3]) for a in READS])
def test_read_commands_print_the_answer_as_json(args: list[str], flag: list[str]) -> None:
    result = runner.invoke(app, [*args, *flag], env=ENV)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == ANSWER


def test_table_is_the_default_and_a_bad_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    mock_api(monkeypatch, lambda request: httpx.Response(200, json=[]))
    for args in (["campaign", "list"], ["campaign", "list", "-o", "table"]):
        table = runner.invoke(app, args, env=ENV)
        assert table.exit_code == 0 and "created by" in table.stdout
    bad = runner.invoke(app, ["image", "list", "-o", "yaml"], env=ENV)
    assert bad.exit_code == 2 and "'yaml' is not one of 'table', 'json'" in " ".join(
        bad.output.replace("│", " ").split()
    )


def test_local_read_commands_print_json() -> None:
    created = runner.invoke(app, ["token", "create", "--role", "engineer", "--name", "ci"])
    assert created.exit_code == 0, created.output
    tokens = json.loads(runner.invoke(app, ["token", "list", "-o", "json"]).stdout)
    assert [t["name"] for t in tokens] == ["ci"] and "hash" not in tokens[0]
    assert created.stdout.strip() not in json.dumps(tokens)
    platforms = json.loads(runner.invoke(app, ["platforms", "-o", "json"]).stdout)
    assert {p["platform"] for p in platforms} >= {"cisco_ios", "frr"}


def test_health_prints_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETWAVE_TEMPORAL_ADDRESS", "127.0.0.1:1")
    get_settings.cache_clear()
    result = runner.invoke(app, ["health", "-o", "json"])
    assert result.exit_code == 1
    status = json.loads(result.stdout)
    assert status["database"] == "ok" and status["temporal"].startswith("error")
