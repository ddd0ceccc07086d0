"""The commands made from tables (control verbs and reads of campaign, audit, schedule, change,
intent, devices): each calls its own endpoint with the body the API expects, and prints what
it says it prints."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from services.cli import app
from services.cli.audit import READS as AUDIT_READS
from services.cli.audit import SCHEDULE_VERBS
from services.cli.campaign import VERBS as CAMPAIGN_VERBS
from services.cli.change import VERBS as CHANGE_VERBS
from services.cli.devices import READS as DEVICE_READS
from services.cli.intent import READS as INTENT_READS
from tests.utils.cli import mock_api

runner = CliRunner()
ENV = {"NETWAVE_TOKEN": "nw_test"}
# One answer for every call: each verb reads only its own part of it.
ANSWER: dict[str, Any] = {
    "change": {"id": "ch1", "status": "approved"},
    "campaign": {
        "id": "c0ffee",
        "name": "ios-17-9",
        "kind": "os_upgrade",
        "status": "paused",
        "summary": {},
    },
    "waves": [],
    "devices": [],
    "progress": None,
    "schedule_id": "audit-acme",
    "cron": "0 2 * * *",
    "timezone": "UTC",
    "every_seconds": None,
    "paused": True,
    "next_runs": ["2026-01-02T02:00:00Z"],
}
SCHEDULE = "/v1/tenants/acme/audit-schedule"
CHANGE = "/v1/tenants/acme/changes/ch1"
INTENT = "/v1/tenants/acme/devices/r1/intent"
DEVICE = ["--tenant", "acme", "--device", "r1"]
JSON = ["-o", "json"]
NIGHTLY = {"timezone": "UTC", "cron": "0 2 * * *", "every_seconds": None}

# (command line, method, path, JSON body or None when the request has none)
CALLS: list[tuple[list[str], str, str, dict[str, Any] | None]] = [
    *(
        (["campaign", verb, "c0ffee", "--comment", "NOC"], "POST", f"/v1/campaigns/c0ffee/{verb}",
         {"comment": "NOC"})
        for verb in ("pause", "resume", "cancel", "approve")
    ),
    (["campaign", "pause", "c0ffee"], "POST", "/v1/campaigns/c0ffee/pause", {"comment": ""}),
    (["campaign", "retry", "c0ffee"], "POST", "/v1/campaigns/c0ffee/retry", None),
    (["campaign", "list", "--limit", "5", *JSON], "GET", "/v1/campaigns?limit=5", None),
    (["campaign", "events", "c0ffee", *JSON], "GET", "/v1/campaigns/c0ffee/events", None),
    (["campaign", "override-window", "c0ffee", "--reason", "outage"], "POST",
     "/v1/campaigns/c0ffee/override-window", {"reason": "outage"}),
    (["campaign", "override-window", "c0ffee", "--reason", "outage", "--tenant", "acme"], "POST",
     "/v1/campaigns/c0ffee/override-window", {"reason": "outage", "tenant": "acme"}),
    (["change", "list", *JSON], "GET", "/v1/changes", None),
    (["change", "list", "--tenant", "acme", "--status", "scheduled", *JSON], "GET",
     "/v1/tenants/acme/changes?status=scheduled", None),
    (["change", "show", "--tenant", "acme", "ch1", *JSON], "GET", CHANGE, None),
    (["audit", "reports", "--tenant", "acme", *JSON], "GET",
     "/v1/tenants/acme/compliance/reports", None),
    (["audit", "show", "--tenant", "acme", "rep1", *JSON], "GET",
     "/v1/tenants/acme/compliance/reports/rep1", None),
    (["intent", "show", *DEVICE, *JSON], "GET", INTENT, None),
    (["intent", "history", *DEVICE, *JSON], "GET", f"{INTENT}/history", None),
    (["intent", "diff", *DEVICE, "--from", "1", "--to", "2", *JSON], "GET",
     f"{INTENT}/diff?from=1&to=2", None),
    (["devices", "attention", "--tenant", "acme", *JSON], "GET", "/v1/tenants/acme/attention",
     None),
    (["devices", "host-keys", "--tenant", "acme", *JSON], "GET", "/v1/tenants/acme/host-keys",
     None),
    (["audit", "schedule", "show", "--tenant", "acme"], "GET", SCHEDULE, None),
    (["audit", "schedule", "set", "--tenant", "acme"], "PUT", SCHEDULE, NIGHTLY),
    (["audit", "schedule", "set", "--tenant", "acme", "--every-seconds", "3600",
      "--timezone", "Europe/Berlin"], "PUT", SCHEDULE,
     {"timezone": "Europe/Berlin", "cron": None, "every_seconds": 3600}),
    *(
        (["audit", "schedule", verb, "--tenant", "acme"], "POST", f"{SCHEDULE}/{verb}", {})
        for verb in ("pause", "resume", "trigger")
    ),
    (["audit", "schedule", "delete", "--tenant", "acme"], "DELETE", SCHEDULE, None),
    (["change", "approve", "--tenant", "acme", "ch1", "--comment", "ok"], "POST",
     f"{CHANGE}/approve", {"comment": "ok"}),
    (["change", "approve", "--tenant", "acme", "ch1", "--comment", "ok", "--feature", "ntp",
      "--feature", "snmp"], "POST", f"{CHANGE}/approve",
     {"comment": "ok", "features": ["ntp", "snmp"]}),
    (["change", "reject", "--tenant", "acme", "ch1", "--comment", "no"], "POST",
     f"{CHANGE}/reject", {"comment": "no"}),
    (["change", "override-window", "--tenant", "acme", "ch1", "--reason", "outage"], "POST",
     f"{CHANGE}/override-window", {"reason": "outage"}),
    (["change", "withdraw", "--tenant", "acme", "ch1", "--reason", "not needed"], "POST",
     f"{CHANGE}/withdraw", {"reason": "not needed"}),
    (["change", "cancel", "--tenant", "acme", "ch1", "--reason", "freeze"], "POST",
     f"{CHANGE}/cancel", {"reason": "freeze"}),
]  # fmt: skip


pytestmark = pytest.mark.usefixtures("scratch_env")


def record(monkeypatch: pytest.MonkeyPatch, status: int = 200) -> list[httpx.Request]:
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(status, json=ANSWER if status < 400 else {"detail": "refused"})

    mock_api(monkeypatch, handler)
    return requests


@pytest.mark.parametrize(
    ("args", "method", "path", "body"), CALLS, ids=[" ".join(c[0]) for c in CALLS]
)
def test_each_verb_calls_its_endpoint(
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    requests = record(monkeypatch)
    result = runner.invoke(app, args, env=ENV)
    assert result.exit_code == 0, result.output
    query = [f"?{r.url.query.decode()}" if r.url.query else "" for r in requests]
    assert [(r.method, r.url.path + q) for r, q in zip(requests, query, strict=True)] == [
        (method, path)
    ]
    sent = json.loads(requests[0].content) if requests[0].content else None
    assert sent == body
    assert requests[0].headers["Authorization"] == "Bearer nw_test"


def test_every_table_verb_is_tested_and_registered() -> None:
    tested = {tuple(args[:3]) for args, *_ in CALLS} | {tuple(args[:2]) for args, *_ in CALLS}
    tables = [
        (("campaign",), CAMPAIGN_VERBS),
        (("audit", "schedule"), SCHEDULE_VERBS),
        (("audit",), AUDIT_READS),
        (("change",), CHANGE_VERBS),
        (("intent",), INTENT_READS),
        (("devices",), DEVICE_READS),
    ]
    for group, verbs in tables:
        listed = runner.invoke(app, [*group, "--help"]).output
        for verb, spec in verbs.items():
            assert (*group, verb) in tested
            assert verb in listed and spec.help.split()[0] in listed


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (["campaign", "approve", "c0ffee"], "c0ffee ios-17-9 os_upgrade paused"),
        (["campaign", "retry", "c0ffee"], "retry of c0ffee:"),
        (["campaign", "override-window", "c0ffee", "--reason", "outage"],
         "c0ffee ios-17-9 os_upgrade paused"),
        (["change", "approve", "--tenant", "acme", "ch1", "--comment", "ok"],
         "change ch1: approved"),
        (["audit", "schedule", "pause", "--tenant", "acme"],
         "audit-acme: cron '0 2 * * *' UTC, paused"),
        (["audit", "schedule", "delete", "--tenant", "acme"], "delete: done"),
    ],
)  # fmt: skip
def test_what_a_verb_prints(monkeypatch: pytest.MonkeyPatch, args: list[str], printed: str) -> None:
    record(monkeypatch)
    result = runner.invoke(app, args, env=ENV)
    assert result.exit_code == 0 and printed in result.stdout, result.output


def test_withdraw_and_cancel_say_the_status_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    record(monkeypatch)
    args = ["change", "withdraw", "--tenant", "acme", "ch1", "--reason", "not needed"]
    result = runner.invoke(app, args, env=ENV)
    assert result.exit_code == 0 and result.stdout == ""
    assert "change ch1: approved" in result.stderr


def test_a_blank_reason_is_refused_before_the_api_is_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    requests = record(monkeypatch)
    for verb in ("withdraw", "cancel"):
        args = ["change", verb, "--tenant", "acme", "ch1", "--reason", "  "]
        result = runner.invoke(app, args, env=ENV)
        assert result.exit_code == 2 and "--reason must say why" in result.output
    assert requests == []


def test_a_refusal_exits_1_with_the_api_s_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    record(monkeypatch, status=409)
    result = runner.invoke(app, ["audit", "schedule", "trigger", "--tenant", "acme"], env=ENV)
    assert result.exit_code == 1
    assert f"POST {SCHEDULE}/trigger -> 409: refused" in result.stderr


def test_required_options_stay_required() -> None:
    missing = runner.invoke(app, ["change", "approve", "--tenant", "acme", "ch1"], env=ENV)
    assert missing.exit_code == 2 and "--comment" in missing.output
    reason = runner.invoke(app, ["change", "override-window", "--tenant", "acme", "ch1"], env=ENV)
    assert reason.exit_code == 2 and "--reason" in reason.output
