"""OpenTelemetry tracing, off unless `NETWAVE_OTLP_ENDPOINT` is set (or a test hands an exporter).

One trace follows a change from the API request through its workflow, the workflow's
activities and child workflows (Temporal's `TracingInterceptor` carries the context in
workflow and activity headers) down to each device session and push.

netwave keeps its own `TracerProvider` and hands it to each user (the interceptor, FastAPI's
instrumentation, the device spans) instead of installing it as OpenTelemetry's global one:
the global provider can be set only once per process, which a test that turns tracing on and
off again cannot live with, and FastAPI's built-in telemetry follows the global provider
(it would trace every request a second time).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, Status, StatusCode

from services.core.settings import Settings

if TYPE_CHECKING:  # the SDK is imported only when tracing is turned on
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from temporalio.client import Interceptor

API_SERVICE = "netwave-api"
WORKER_SERVICE = "netwave-worker"
TRACER_NAME = "netwave"
TRACES_PATH = "/v1/traces"
# Probes and scrapes would drown the traces that matter (regexes searched in the request URL).
EXCLUDED_URLS = "/healthz$,/metrics$"

_LOCK = threading.Lock()
_provider: TracerProvider | None = None
_endpoint = ""  # where `_provider` exports to; empty for a test's exporter


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL of a collector given by its base URL (as OTLP's own
    `OTEL_EXPORTER_OTLP_ENDPOINT` is), or already by its full `/v1/traces` URL."""
    base = endpoint.rstrip("/")
    return base if urlsplit(base).path.endswith(TRACES_PATH) else base + TRACES_PATH


def _processor(endpoint: str, exporter: SpanExporter | None) -> SpanProcessor | None:
    if exporter is None and not endpoint:
        return None
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if exporter is not None:  # a test's: every span exported as it ends, nothing batched
        return SimpleSpanProcessor(exporter)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url(endpoint)))


def setup_tracing(
    settings: Settings, service_name: str, exporter: SpanExporter | None = None
) -> bool:
    """Turn tracing on for this process; whether it is on.

    Off unless `settings.otlp_endpoint` is set or an `exporter` is given. Once on, later calls
    keep the first set-up (a process that runs the API and a worker together, as the tests and
    the history recorder do, reports under the first service name).
    """
    return _setup(settings.otlp_endpoint, service_name, exporter)


def _setup(endpoint: str, service_name: str, exporter: SpanExporter | None) -> bool:
    global _provider, _endpoint
    with _LOCK:  # an audit helper's jobs, each in its own thread, may all start at once
        if _provider is not None:
            return True
        processor = _processor(endpoint, exporter)
        if processor is None:
            return False
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider

        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
        provider.add_span_processor(processor)
        _provider, _endpoint = provider, "" if exporter is not None else endpoint
        return True


def tracing_on() -> bool:
    return _provider is not None


def shutdown_tracing() -> None:
    """Send the spans still batched and turn tracing off (tests; a process's provider does it
    itself at exit)."""
    global _provider, _endpoint
    provider, _provider, _endpoint = _provider, None, ""
    if provider is not None:
        provider.shutdown()


def tracer() -> trace.Tracer:
    """netwave's tracer; a no-op one while tracing is off."""
    if _provider is None:
        return trace.NoOpTracer()
    return _provider.get_tracer(TRACER_NAME)


def client_interceptors() -> list[Interceptor]:
    """Temporal client interceptors: the tracing one when tracing is on, else none.

    A client interceptor that is also a worker interceptor (this one is) is used by every
    worker built from that client. Workflow spans are made even without a parent span, so a
    scheduled audit, which no API request started, still gets a trace of its own.
    """
    if _provider is None:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(tracer(), always_create_workflow_spans=True)]


def instrument_api(app: FastAPI, settings: Settings) -> bool:
    """Trace the app's requests (not /healthz and /metrics) when tracing is on; whether it is."""
    if not setup_tracing(settings, API_SERVICE):
        return False
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    from opentelemetry.metrics import NoOpMeterProvider

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=_provider,
        meter_provider=NoOpMeterProvider(),  # metrics are Prometheus' (`/metrics`), not OTLP
        excluded_urls=EXCLUDED_URLS,
        exclude_spans=["receive", "send"],  # one span per request, not one per ASGI message
    )
    return True


@dataclass(frozen=True)
class TraceCarrier:
    """The current span and where spans go, for work handed to another process (the audit's
    helper processes), which knows neither."""

    endpoint: str
    headers: dict[str, str]


def trace_carrier() -> TraceCarrier | None:
    """The current span to continue elsewhere; None when tracing is off, or exports where no
    other process can (a test's in-memory exporter)."""
    if _provider is None or not _endpoint:
        return None
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return TraceCarrier(_endpoint, headers)


@contextmanager
def continued_trace(carrier: TraceCarrier | None) -> Iterator[None]:
    """In a helper process: trace as its worker does, under the worker's span, and send the
    spans before the block ends (a helper leaves by `os._exit`: no exit handler flushes)."""
    if carrier is None or not _setup(carrier.endpoint, WORKER_SERVICE, None):
        yield
        return
    token = otel_context.attach(propagate.extract(carrier.headers))
    try:
        yield
    finally:
        otel_context.detach(token)
        if _provider is not None:
            _provider.force_flush()


class DeviceSpan:
    """A device session or push in the trace: platform, tenant, device and outcome, never a
    credential or a line of config."""

    def __init__(self, span: Span) -> None:
        self.span = span
        self.outcome = "ok"

    def fail(self, exc: BaseException, outcome: str = "failed") -> None:
        """Mark it failed: the outcome and the exception's type (its text may quote a device's
        answer, which stays out of the trace)."""
        self.outcome = outcome
        self.span.set_attribute("error.type", type(exc).__name__)

    def end(self) -> None:
        self.span.set_attribute("netwave.outcome", self.outcome)
        if self.outcome != "ok":
            self.span.set_status(Status(StatusCode.ERROR, self.outcome))
        self.span.end()


def start_device_span(
    kind: str, platform: str, tenant: str, device: str, *, parent: DeviceSpan | None = None
) -> DeviceSpan:
    """A started span under `parent`, else under the current span (the activity's); the
    caller ends it. For a session whose end is not where it began (`DeviceSession`)."""
    context = trace.set_span_in_context(parent.span) if parent is not None else None
    span = tracer().start_span(
        f"device {kind}",
        context=context,
        attributes={
            "netwave.platform": platform,
            "netwave.tenant": tenant,
            "netwave.device": device,
        },
    )
    return DeviceSpan(span)


@contextmanager
def device_span(
    kind: str, platform: str, tenant: str, device: str, *, parent: DeviceSpan | None = None
) -> Iterator[DeviceSpan]:
    """A device session or push as the current span; an exception marks it failed unless the
    caller set a more precise outcome first."""
    span = start_device_span(kind, platform, tenant, device, parent=parent)
    with trace.use_span(span.span, record_exception=False, set_status_on_exception=False):
        try:
            yield span
        except BaseException as exc:
            if span.outcome == "ok":
                span.fail(exc)
            raise
        finally:
            span.end()
