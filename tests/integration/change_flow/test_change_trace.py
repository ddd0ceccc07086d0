"""Issue #23, tracing: one trace follows a change from the API request that asked for it through
its workflow, the child workflow of each device and their activities, to each device session.

The spans go to an in-memory exporter; the API (TestClient on `create_app`) and the workers
are built on clients from `services.core.temporal.connect`, as in production.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.api.main import create_app
from services.app.temporal import change_workflow_id
from services.core.settings import Settings
from services.core.temporal import connect
from services.observability.tracing import setup_tracing, shutdown_tracing
from tests.integration.backup.test_fleet_backup import workers
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.lab import ThreadedLab
from tests.utils.secrets import passwords


@pytest.fixture
def exporter(change_settings: Settings) -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    assert setup_tracing(change_settings, "netwave-test", exporter=spans)
    yield spans
    shutdown_tracing()


def ancestry(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    """The names from `span` up to the root of its trace; fails on a parent that is missing."""
    names = [span.name]
    while span.parent is not None:
        assert span.parent.span_id in by_id, f"{span.name}: its parent is not in the trace"
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


async def test_one_trace_from_the_request_to_each_device_session(
    exporter: InMemorySpanExporter,
    change_settings: Settings,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
) -> None:
    client = await connect(change_settings)
    async with workers(client, change_settings):
        with TestClient(create_app(change_settings)) as api:
            body = {"kind": "qos_profile", "site": "nyc", "profile": "standard"}
            created = await post(
                api, "/v1/tenants/globex/changes", json=body, headers=tokens["globex"]
            )
            assert created.status_code == 201, created.text
            change_id = created.json()["change"]["id"]
            path = f"/v1/tenants/globex/changes/{change_id}"
            doc = await wait_status(api, path, tokens["globex"], {"awaiting_approval"})
            devices = {d["device"] for d in doc["plan"]["devices"]}
            approved = await post(
                api, f"{path}/approve", json={"comment": "ok"}, headers=tokens["approver"]
            )
            assert approved.status_code == 200, approved.text
            await wait_status(api, path, tokens["globex"], {"scheduled"})
            await post(
                api, f"{path}/override-window", json={"reason": "t"}, headers=tokens["admin"]
            )
            doc = await wait_status(api, path, tokens["globex"], FINAL)
            assert doc["change"]["status"] == "verified", doc["change"]
        await client.get_workflow_handle(change_workflow_id(change_id)).result()

    spans = exporter.get_finished_spans()
    request = next(
        s for s in spans if s.name == "POST /v1/tenants/{tenant}/changes" and s.parent is None
    )
    assert request.context is not None
    trace_id = request.context.trace_id
    in_trace = [s for s in spans if s.context is not None and s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in in_trace if s.context is not None}
    names = {s.name for s in in_trace}
    assert {
        "StartWorkflow:ChangeWorkflow",
        "RunWorkflow:ChangeWorkflow",
        "RunActivity:plan_change",
        "RunWorkflow:DeviceChangeWorkflow",
        "RunActivity:device_prepare",
        "RunActivity:device_push",
        "RunActivity:device_verify",
        "HandleUpdate:decide",
    } <= names, sorted(names)

    # One tree: every span of the trace reaches the request that started the change.
    for span in in_trace:
        assert ancestry(span, by_id)[-1] == request.name, span.name

    sessions = [s for s in in_trace if s.name == "device session"]
    assert {s.attributes["netwave.device"] for s in sessions if s.attributes} == devices
    for session in sessions:
        attrs = dict(session.attributes or {})
        assert attrs["netwave.tenant"] == "globex" and attrs["netwave.outcome"] == "ok"
        assert attrs["netwave.platform"] in {"juniper_junos", "cisco_ios"}
        line = ancestry(session, by_id)
        assert line[1].startswith("RunActivity:device_"), line
        # (Temporal's interceptor hangs a workflow's own spans under the span that started it.)
        assert line[3:5] == [
            "StartChildWorkflow:DeviceChangeWorkflow",
            "StartWorkflow:ChangeWorkflow",
        ]
    pushes = [s for s in in_trace if s.name == "device push"]
    assert {s.attributes["netwave.device"] for s in pushes if s.attributes} == devices
    assert all(by_id[s.parent.span_id].name == "device session" for s in pushes if s.parent)

    # The approval is its own request; the workflow's span of it links back to it.
    decide = next(s for s in in_trace if s.name == "HandleUpdate:decide")
    approve = next(
        s for s in spans if s.name == "POST /v1/tenants/{tenant}/changes/{change_id}/approve"
    )
    assert approve.context is not None
    assert [link.context.trace_id for link in decide.links] == [approve.context.trace_id]

    # Neither a device's password nor an API token is in any span.
    bearer_tokens = [h["Authorization"].removeprefix("Bearer ") for h in tokens.values()]
    secrets = [*passwords(change_settings.secrets_file), *bearer_tokens]
    assert secrets and all(len(secret) >= 8 for secret in secrets)
    for span in spans:
        text = repr(dict(span.attributes or {}))
        assert not any(secret in text for secret in secrets), span.name
