"""services/observability/tracing.py: off unless asked, OTLP export, the API's request spans,
device spans, and the threads that must carry the activity's span to the device work."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from nornir.core import Nornir
from nornir.core.inventory import Defaults, Groups, Host, Hosts, Inventory
from nornir.core.task import Result, Task
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import BaseModel, SecretStr, ValidationError
from temporalio.contrib.opentelemetry import TracingInterceptor
from temporalio.testing import ActivityEnvironment

from services.api.main import create_app
from services.core.secrets import Credential
from services.core.settings import Settings
from services.network import session as session_module
from services.network.inventory import Device
from services.network.nornir_fleet import ContextThreadedRunner
from services.network.session import DeviceSession
from services.observability import tracing
from services.observability.tracing import (
    client_interceptors,
    device_span,
    setup_tracing,
    shutdown_tracing,
    traces_url,
    tracing_on,
)
from tests.utils.otlp import attributes, otlp_receiver
from workflows.common.heartbeat import call_heartbeating, run_heartbeating


@pytest.fixture
def spans(settings: Settings) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert setup_tracing(settings, "netwave-test", exporter=exporter)
    yield exporter
    shutdown_tracing()


@pytest.fixture(autouse=True)
def _tracing_left_off() -> Iterator[None]:
    yield
    shutdown_tracing()


def test_without_an_endpoint_tracing_is_off(settings: Settings) -> None:
    assert settings.otlp_endpoint == ""
    assert not setup_tracing(settings, tracing.WORKER_SERVICE)
    assert not tracing_on()
    assert client_interceptors() == []
    app = create_app(settings)
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
    with device_span("session", "cisco_ios", "acme", "acme-hq-r1") as span:
        assert not span.span.is_recording()


def test_with_an_exporter_the_temporal_client_traces(spans: InMemorySpanExporter) -> None:
    (interceptor,) = client_interceptors()
    assert isinstance(interceptor, TracingInterceptor)


@pytest.mark.parametrize(
    "endpoint", ["collector:4318", "ftp://collector", "http://", "grpc://collector:4317"]
)
def test_an_endpoint_that_is_no_http_url_is_refused(endpoint: str) -> None:
    with pytest.raises(ValidationError, match="otlp_endpoint") as raised:
        Settings(otlp_endpoint=endpoint)
    assert "http:// or https:// URL" in str(raised.value)


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("http://collector:4318", "http://collector:4318/v1/traces"),
        ("http://collector:4318/", "http://collector:4318/v1/traces"),
        ("https://otel.example.net/v1/traces", "https://otel.example.net/v1/traces"),
        ("http://gw:8080/otlp", "http://gw:8080/otlp/v1/traces"),
    ],
)
def test_traces_url_from_the_collectors_base_url(endpoint: str, url: str) -> None:
    assert traces_url(endpoint) == url


def test_spans_go_to_the_otlp_endpoint(settings: Settings) -> None:
    with otlp_receiver() as collector:
        assert setup_tracing(
            settings.model_copy(update={"otlp_endpoint": collector.url}), "netwave-worker"
        )
        with device_span("session", "arista_eos", "initech", "initech-aus-r1"):
            pass
        shutdown_tracing()  # flushes the batch

    assert [(path, kind) for path, kind, _ in collector.posts] == [
        ("/v1/traces", "application/x-protobuf")
    ]
    ((service, span),) = collector.spans()
    assert service == "netwave-worker" and span.name == "device session"
    assert attributes(span) == {
        "netwave.platform": "arista_eos",
        "netwave.tenant": "initech",
        "netwave.device": "initech-aus-r1",
        "netwave.outcome": "ok",
    }


def test_api_requests_are_traced_but_not_health_probes(
    settings: Settings, spans: InMemorySpanExporter
) -> None:
    app = create_app(settings.model_copy(update={"temporal_address": "127.0.0.1:1"}))
    with TestClient(app) as client:
        client.get("/healthz")
        client.get("/v1/tenants/acme/changes")  # no token: 401, traced all the same
    names = [s.name for s in spans.get_finished_spans()]
    assert names == ["GET /v1/tenants/{tenant}/changes"]


def test_a_failed_device_step_names_its_outcome_not_its_message(
    spans: InMemorySpanExporter,
) -> None:
    with (
        pytest.raises(ConnectionRefusedError),
        device_span("session", "cisco_ios", "acme", "acme-hq-r1"),
    ):
        raise ConnectionRefusedError("password hunter2 refused")
    with device_span("push", "cisco_ios", "acme", "acme-hq-r1") as push:
        push.outcome = "rejected"
    failed, rejected = spans.get_finished_spans()
    assert failed.attributes is not None and rejected.attributes is not None
    assert failed.attributes["netwave.outcome"] == "failed"
    assert failed.attributes["error.type"] == "ConnectionRefusedError"
    assert "hunter2" not in repr(dict(failed.attributes)) and not failed.events
    assert failed.status.status_code is trace.StatusCode.ERROR
    assert rejected.attributes["netwave.outcome"] == "rejected"


def test_a_push_is_a_child_of_its_session(spans: InMemorySpanExporter) -> None:
    session = tracing.start_device_span("session", "cisco_ios", "acme", "acme-hq-r1")
    with device_span("push", "cisco_ios", "acme", "acme-hq-r1", parent=session):
        pass
    session.end()
    push, opened = spans.get_finished_spans()
    assert push.parent is not None and opened.context is not None
    assert push.parent.span_id == opened.context.span_id


def _current_span_id(task: Task) -> Result:
    return Result(host=task.host, result=trace.get_current_span().get_span_context().span_id)


def test_nornir_threads_run_under_the_callers_span(spans: InMemorySpanExporter) -> None:
    hosts = Hosts({name: Host(name=name) for name in ("r1", "r2", "r3")})
    inventory = Inventory(hosts=hosts, groups=Groups(), defaults=Defaults())
    nr = Nornir(inventory=inventory, runner=ContextThreadedRunner(num_workers=3))
    with tracing.tracer().start_as_current_span("RunActivity:backup_chunk") as activity_span:
        results = nr.run(task=_current_span_id)
    wanted = activity_span.get_span_context().span_id
    assert {name: multi[0].result for name, multi in results.items()} == dict.fromkeys(
        ("r1", "r2", "r3"), wanted
    )


MARK: contextvars.ContextVar[str] = contextvars.ContextVar("mark", default="")


def test_heartbeating_work_sees_the_activitys_context() -> None:
    def step() -> str:
        MARK.set("device-activity")
        return call_heartbeating(MARK.get)

    assert ActivityEnvironment().run(step) == "device-activity"

    seen: list[str] = []
    MARK.set("chunk")
    run_heartbeating(lambda: seen.append(MARK.get()), BaseModel)
    assert seen == ["chunk"]


def test_a_device_session_that_cannot_log_in_says_why(
    spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(*_: object) -> None:
        raise ConnectionRefusedError("nothing listens")

    monkeypatch.setattr(session_module, "connect", refused)
    device = Device(
        name="acme-hq-r1",
        tenant="acme",
        hostname="192.0.2.1",
        port=22,
        platform="cisco_ios",
        credential="c",
    )
    with DeviceSession(
        device, Credential(username="u", password=SecretStr("p")), timeout=1
    ) as session:
        result = session.push(["hostname r1"])
    assert result.error_kind == "unreachable"
    (span,) = spans.get_finished_spans()
    assert span.name == "device session" and span.attributes is not None
    assert span.attributes["netwave.outcome"] == "unreachable"
    assert span.attributes["netwave.tenant"] == "acme"
