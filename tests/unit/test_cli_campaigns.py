"""`netwave campaign` and `netwave image`: the body sent, live progress, exit codes and the API's
errors (422 with the field, 403, 409) printed so that an engineer knows what to fix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.api.main import create_app
from services.cli import app
from services.cli.campaign import build_spec
from services.core.settings import Settings
from tests.utils.api import make_token
from tests.utils.cli import mock_api, use_http

runner = CliRunner()


pytestmark = pytest.mark.usefixtures("scratch_env")


@pytest.fixture
def scratch_variables() -> dict[str, str | None]:
    return {"COLUMNS": "200"}


@pytest.fixture
def api(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """The real API (no Temporal: only what answers before a workflow starts)."""
    settings = settings.model_copy(update={"temporal_address": "127.0.0.1:1"})
    with TestClient(create_app(settings)) as client:
        use_http(monkeypatch, client)
        yield settings


def campaign_doc(status: str, devices: list[tuple[str, str, str]], **extra: Any) -> dict[str, Any]:
    """A CampaignDetail as GET /v1/campaigns/{id} returns it; devices: (tenant, device, status)."""
    done = {"upgraded", "skipped", "rolled_back", "failed", "not_started"}
    rows: list[dict[str, Any]] = [
        {
            "tenant": tenant,
            "device": device,
            "platform": "cisco_ios",
            "wave": 0 if n == 0 else 1,
            "status": state,
            "step": "post_check",
            "detail": "interfaces: down after the upgrade: Gi0/0" if state == "rolled_back" else "",
            "from_version": "17.6.5",
            "to_version": "17.9.4a",
            "backup_version": 1,
            "updated_at": "2026-01-01T00:00:00Z",
        }
        for n, (tenant, device, state) in enumerate(devices)
    ]
    waves = []
    for index in sorted({r["wave"] for r in rows}):
        members = [r for r in rows if r["wave"] == index]
        counts: dict[str, int] = {}
        for r in members:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        waves.append(
            {
                "index": index,
                "canary": index == 0,
                "devices": len(members),
                "done": sum(r["status"] in done for r in members),
                "failed": sum(r["status"] in {"rolled_back", "failed"} for r in members),
                "counts": counts,
            }
        )
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["status"]] = totals.get(r["status"], 0) + 1
    return {
        "campaign": {
            "id": "c0ffee",
            "name": "ios-17-9",
            "kind": "os_upgrade",
            "spec": {},
            "status": status,
            "created_by": "eng",
            "retry_of": None,
            "workflow_id": "campaign-c0ffee",
            "summary": extra.get("summary", {}),
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        },
        "waves": waves,
        "devices": rows,
        "counts": totals,
        "progress": None,
        "temporal_ui": "http://127.0.0.1:8233/namespaces/default/workflows/campaign-c0ffee",
    }


DEVICES = [("acme", "acme-branch1-r1", "upgraded"), ("globex", "globex-par-r1", "running")]


def test_options_lie_over_the_spec_file() -> None:
    base = {"name": "from-file", "kind": "os_upgrade", "strategy": {"wave_size": 3}}
    spec = build_spec(
        base,
        {"strategy.canary_size": 2, "targets.tenants": ["acme"], "name": None, "features": []},
    )
    assert spec == {
        "name": "from-file",
        "kind": "os_upgrade",
        "strategy": {"wave_size": 3, "canary_size": 2},
        "targets": {"tenants": ["acme"]},
    }
    assert base["strategy"] == {"wave_size": 3}  # the file's content is not changed


def test_launch_sends_the_spec_and_watches_to_completion(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sent: list[dict[str, Any]] = []
    polls = iter(
        [
            campaign_doc("running", DEVICES),
            campaign_doc("completed", [*DEVICES[:1], ("globex", "globex-par-r1", "upgraded")]),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer nw_test"
        if request.method == "POST":
            sent.append(json.loads(request.content))
            return httpx.Response(201, json=campaign_doc("running", DEVICES))
        return httpx.Response(200, json=next(polls))

    mock_api(monkeypatch, handler)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text("name: ios-17-9\ntargets:\n  platforms: [cisco_ios]\n")
    args = [
        "campaign", "launch", "--file", str(spec_file),
        "--version", "cisco_ios=17.9.4a", "--tenant", "acme", "--tenant", "globex",
        "--canary", "1", "--wave-size", "5", "--max-failures", "1",
        "--approve-after-canary", "--ignore-windows", "--reload-timeout", "60",
        "--watch", "--interval", "0",
    ]  # fmt: skip
    result = runner.invoke(app, args, env={"NETWAVE_TOKEN": "nw_test"})
    assert result.exit_code == 0, result.output
    assert sent == [
        {
            "name": "ios-17-9",
            "kind": "os_upgrade",
            "target_versions": {"cisco_ios": "17.9.4a"},
            "targets": {"platforms": ["cisco_ios"], "tenants": ["acme", "globex"]},
            "strategy": {
                "canary_size": 1,
                "wave_size": 5,
                "max_failures": 1,
                "approve_after_canary": True,
            },
            "respect_windows": False,
            "reload_timeout_seconds": 60.0,
        }
    ]
    assert "c0ffee" in result.output and "completed" in result.output
    assert "globex-par-r1" in result.output and "17.6.5 -> 17.9.4a" in result.output


@pytest.mark.parametrize(("final", "code"), [("completed", 0), ("halted", 1), ("cancelled", 1)])
def test_show_watch_exit_code_follows_the_outcome(
    monkeypatch: pytest.MonkeyPatch, final: str, code: int
) -> None:
    polls = iter([campaign_doc("running", DEVICES), campaign_doc(final, DEVICES)])
    mock_api(monkeypatch, lambda request: httpx.Response(200, json=next(polls)))
    result = runner.invoke(
        app,
        ["campaign", "show", "c0ffee", "--watch", "--interval", "0"],
        env={"NETWAVE_TOKEN": "nw_test"},
    )
    assert result.exit_code == code, result.output
    assert final in result.output and "canary" in result.output


def test_show_prints_waves_and_devices_without_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = campaign_doc(
        "halted",
        [("acme", "acme-branch1-r1", "rolled_back"), ("globex", "globex-par-r1", "not_started")],
        summary={"reason": "canary failed on 1 device(s); no further wave"},
    )
    mock_api(monkeypatch, lambda request: httpx.Response(200, json=doc))
    result = runner.invoke(app, ["campaign", "show", "c0ffee"], env={"NETWAVE_TOKEN": "t"})
    assert result.exit_code == 0, result.output
    for text in ("rolled_back", "not_started", "canary failed", "down after the upgrade"):
        assert text in result.output


def test_control_commands_post_the_comment_and_print_409(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append((request.url.path, json.loads(request.content or b"{}")))
        if request.url.path.endswith("/resume"):
            return httpx.Response(409, json={"detail": "the campaign is not paused"})
        return httpx.Response(200, json=campaign_doc("paused", DEVICES))

    mock_api(monkeypatch, handler)
    env = {"NETWAVE_TOKEN": "t"}
    paused = runner.invoke(app, ["campaign", "pause", "c0ffee", "--comment", "NOC call"], env=env)
    assert paused.exit_code == 0 and "paused" in paused.output
    refused = runner.invoke(app, ["campaign", "resume", "c0ffee"], env=env)
    assert refused.exit_code == 1
    assert "409" in refused.output and "the campaign is not paused" in refused.output
    assert calls == [
        ("/v1/campaigns/c0ffee/pause", {"comment": "NOC call"}),
        ("/v1/campaigns/c0ffee/resume", {"comment": ""}),
    ]


EVENTS = [
    {"id": 1, "at": "2026-12-08T03:00:00Z", "actor": "noc-bob", "event": "launched",
     "tenant": None, "comment": ""},
    {"id": 2, "at": "2026-12-08T03:05:00Z", "actor": "noc-admin", "event": "window_overridden",
     "tenant": "acme", "comment": "customer outage [INC-42]"},
    {"id": 3, "at": "2026-12-08T03:20:00Z", "actor": "netwave", "event": "completed",
     "tenant": None, "comment": ""},
]  # fmt: skip


def test_events_prints_the_history_oldest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "GET" and request.url.path == "/v1/campaigns/c0ffee/events"
        return httpx.Response(200, json=EVENTS)

    mock_api(monkeypatch, handler)
    env = {"NETWAVE_TOKEN": "t"}
    result = runner.invoke(app, ["campaign", "events", "c0ffee"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    order = [next(i for i, line in enumerate(lines) if e["event"] in line) for e in EVENTS]
    assert order == sorted(order)
    assert "customer outage [INC-42]" in result.output  # markup-like text printed as it is
    assert "2026-12-08T03:05:00" in result.output and "acme" in result.output
    as_json = runner.invoke(app, ["campaign", "events", "c0ffee", "-o", "json"], env=env)
    assert json.loads(as_json.stdout) == EVENTS


def test_override_window_needs_a_reason_that_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    mock_api(monkeypatch, lambda request: calls.append(request.url.path) or httpx.Response(500))
    env = {"NETWAVE_TOKEN": "t"}
    missing = runner.invoke(app, ["campaign", "override-window", "c0ffee"], env=env)
    assert missing.exit_code == 2 and "--reason" in missing.output
    blank = runner.invoke(app, ["campaign", "override-window", "c0ffee", "--reason", " "], env=env)
    assert blank.exit_code == 2 and "--reason must say why" in blank.output
    assert calls == []


def test_override_window_prints_the_api_s_refusal(api: Settings) -> None:
    env = {"NETWAVE_TOKEN": make_token(api, "engineer")}
    args = ["campaign", "override-window", "c0ffee", "--reason", "outage"]
    refused = runner.invoke(app, args, env=env)
    assert refused.exit_code == 1 and "403" in refused.output
    admin = {"NETWAVE_TOKEN": make_token(api, "admin")}
    missing = runner.invoke(app, args, env=admin)
    assert missing.exit_code == 1 and "404" in missing.output


def test_retry_launches_a_new_campaign(monkeypatch: pytest.MonkeyPatch) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.url.path == "/v1/campaigns/c0ffee/retry"
        return httpx.Response(201, json=campaign_doc("running", DEVICES[1:]))

    mock_api(monkeypatch, handler)
    result = runner.invoke(app, ["campaign", "retry", "c0ffee"], env={"NETWAVE_TOKEN": "t"})
    assert result.exit_code == 0 and "retry of c0ffee" in result.output


def test_launch_refuses_a_bad_version_pair_and_a_missing_name() -> None:
    env = {"NETWAVE_TOKEN": "t"}
    bad = runner.invoke(app, ["campaign", "launch", "--name", "x", "--version", "17.9"], env=env)
    assert bad.exit_code == 2 and "PLATFORM=VERSION" in bad.output
    unnamed = runner.invoke(app, ["campaign", "launch", "--version", "cisco_ios=1"], env=env)
    assert unnamed.exit_code == 2 and "--name" in unnamed.output


def test_launch_needs_a_token() -> None:
    result = runner.invoke(app, ["campaign", "list"], env={"NETWAVE_TOKEN": ""})
    assert result.exit_code == 2 and "NETWAVE_TOKEN" in result.output


def test_launch_422_names_each_field(api: Settings) -> None:
    env = {"NETWAVE_TOKEN": make_token(api, "engineer")}
    invalid = runner.invoke(
        app,
        ["campaign", "launch", "--name", "ios", "--version", "cisco_ios=17.9.4a", "--canary", "-1"],
        env=env,
    )
    assert invalid.exit_code == 1
    assert "422" in invalid.output and "strategy.canary_size:" in invalid.output
    unknown = runner.invoke(
        app,
        ["campaign", "launch", "--name", "ios", "--version", "cisco_ios=99.1", "--tenant", "nope"],
        env=env,
    )
    assert unknown.exit_code == 1
    assert "targets.tenants: unknown tenants: nope" in unknown.output


def test_launch_422_for_an_image_not_in_the_catalogue(api: Settings) -> None:
    env = {"NETWAVE_TOKEN": make_token(api, "engineer")}
    result = runner.invoke(
        app, ["campaign", "launch", "--name", "ios", "--version", "cisco_ios=99.1"], env=env
    )
    assert result.exit_code == 1
    assert "target_versions.cisco_ios: the image catalogue has no cisco_ios 99.1" in result.output


def test_ignore_windows_is_for_admins_only(api: Settings) -> None:
    env = {"NETWAVE_TOKEN": make_token(api, "engineer")}
    args = ["campaign", "launch", "--name", "n", "--version", "cisco_ios=17.9.4a"]
    result = runner.invoke(app, [*args, "--ignore-windows"], env=env)
    assert result.exit_code == 1
    assert "403" in result.output and "only an admin" in result.output


def test_a_tenant_token_cannot_list_campaigns(api: Settings) -> None:
    env = {"NETWAVE_TOKEN": make_token(api, "tenant", tenant="acme")}
    result = runner.invoke(app, ["campaign", "list"], env=env)
    assert result.exit_code == 1 and "403" in result.output


def test_campaign_list_on_an_empty_database(api: Settings) -> None:
    env = {"NETWAVE_TOKEN": make_token(api, "engineer")}
    result = runner.invoke(app, ["campaign", "list"], env=env)
    assert result.exit_code == 0, result.output
    assert "campaign" in result.output and "created by" in result.output


def test_image_list_add_and_duplicate(api: Settings) -> None:
    env = {"NETWAVE_TOKEN": make_token(api, "engineer")}
    listed = runner.invoke(app, ["image", "list", "--platform", "cisco_ios"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "17.9.4a" in listed.output and "EOS" not in listed.output
    args = [
        "image", "add", "--platform", "cisco_ios", "--version", "17.15.1",
        "--filename", "c8000v-universalk9.17.15.01.SPA.bin", "--size", "1000000",
        "--md5", "0123456789ABCDEF0123456789ABCDEF",
    ]  # fmt: skip
    added = runner.invoke(app, args, env=env)
    assert added.exit_code == 0 and "cisco_ios 17.15.1 added" in added.output
    assert "17.15.1" in runner.invoke(app, ["image", "list"], env=env).output
    again = runner.invoke(app, args, env=env)
    assert again.exit_code == 1 and "409" in again.output
    bad = runner.invoke(app, [*args[:-1], "not-an-md5"], env=env)
    assert bad.exit_code == 1 and "md5:" in bad.output


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["campaign", "--help"])
    for command in (
        "launch", "list", "show", "pause", "resume", "cancel", "approve", "retry", "events",
        "override-window",
    ):  # fmt: skip
        assert command in result.output
    assert "add" in runner.invoke(app, ["image", "--help"]).output
