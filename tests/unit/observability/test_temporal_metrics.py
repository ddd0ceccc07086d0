"""The Temporal SDK's buffered metrics as the worker serves them: counters summed, gauges
last, histograms bucketed; valid Prometheus text under the SDK's own names. Then the runtime
and the worker's endpoint: one port shows netwave's metrics and the SDK's."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from temporalio.runtime import (
    BUFFERED_METRIC_KIND_COUNTER,
    BUFFERED_METRIC_KIND_GAUGE,
    BUFFERED_METRIC_KIND_HISTOGRAM,
    BufferedMetricKind,
)

from services.core.settings import Settings
from services.observability import runtime
from services.observability.server import MetricsServer
from services.observability.temporal_metrics import TemporalMetrics


@dataclass(frozen=True)
class Metric:
    name: str
    kind: BufferedMetricKind
    unit: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Update:
    metric: Metric
    value: float
    attributes: dict[str, object] = field(default_factory=dict)


COMPLETED = Metric("temporal_workflow_completed", BUFFERED_METRIC_KIND_COUNTER, None, "done")
SLOTS = Metric("temporal_worker_task_slots_available", BUFFERED_METRIC_KIND_GAUGE)
LATENCY = Metric(
    "temporal_workflow_task_schedule_to_start_latency", BUFFERED_METRIC_KIND_HISTOGRAM, "s"
)
QUEUE = {"namespace": "default", "task_queue": "netwave"}


def families(
    text: str,
) -> dict[str, tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]]:
    return {
        f.name: (f.type, {(s.name, tuple(sorted(s.labels.items()))): s.value for s in f.samples})
        for f in text_string_to_metric_families(text)
    }


def test_buffered_updates_render_as_prometheus_text_under_the_sdk_names() -> None:
    sdk = TemporalMetrics(buffer_size=10)
    sdk.add(
        [
            Update(COMPLETED, 1, {**QUEUE, "workflow_type": "ChangeWorkflow"}),
            Update(COMPLETED, 2, {**QUEUE, "workflow_type": "ChangeWorkflow"}),
            Update(COMPLETED, 1, {**QUEUE, "workflow_type": "Audit", "eager": True}),
            Update(SLOTS, 100, QUEUE),
            Update(SLOTS, 97, QUEUE),
            Update(LATENCY, 0.003, QUEUE),
            Update(LATENCY, 0.2, QUEUE),
            Update(LATENCY, 120.0, QUEUE),
        ]  # type: ignore[list-item]
    )
    text = sdk.render().decode()
    assert "# TYPE temporal_workflow_completed counter" in text  # no _total: the SDK's name
    assert 'temporal_workflow_completed{namespace="default",' in text
    parsed = families(text)  # (prometheus-client's parser reads counters as name_total)
    kind, samples = parsed["temporal_workflow_completed"]
    queue = tuple(sorted(QUEUE.items()))
    change = (*queue, ("workflow_type", "ChangeWorkflow"))
    assert samples[("temporal_workflow_completed_total", tuple(sorted(change)))] == 3
    audit = (*queue, ("eager", "true"), ("workflow_type", "Audit"))
    assert samples[("temporal_workflow_completed_total", tuple(sorted(audit)))] == 1

    _, slots = parsed["temporal_worker_task_slots_available"]
    assert slots[("temporal_worker_task_slots_available", queue)] == 97

    kind, latency = parsed["temporal_workflow_task_schedule_to_start_latency"]
    assert kind == "histogram"
    name = "temporal_workflow_task_schedule_to_start_latency"

    def bucket(le: str) -> float:
        return latency[(f"{name}_bucket", tuple(sorted((*queue, ("le", le)))))]

    assert bucket("0.005") == 1
    assert bucket("0.25") == 2
    assert bucket("60.0") == 2
    assert bucket("+Inf") == 3
    assert latency[(f"{name}_count", queue)] == 3
    assert latency[(f"{name}_sum", queue)] == pytest.approx(120.203)


def test_label_values_are_escaped() -> None:
    sdk = TemporalMetrics(buffer_size=10)
    sdk.add([Update(COMPLETED, 1, {"task_queue": 'a"b\\c\nd'})])  # type: ignore[list-item]
    _, samples = families(sdk.render().decode())["temporal_workflow_completed"]
    assert list(samples) == [("temporal_workflow_completed_total", (("task_queue", 'a"b\\c\nd'),))]


def test_nothing_recorded_renders_nothing() -> None:
    assert TemporalMetrics(buffer_size=10).render() == b""


def test_the_runtime_records_sdk_metrics_only_with_a_metrics_port(settings: Settings) -> None:
    plain = runtime.temporal_runtime(settings)
    assert runtime.temporal_runtime(settings) is plain  # once per process
    measured = runtime.temporal_runtime(settings.model_copy(update={"metrics_port": 0}))
    assert measured is not plain
    assert runtime.sdk_metrics() is not None


def test_the_worker_endpoint_serves_metrics_on_its_port_and_nothing_else() -> None:
    server = MetricsServer("127.0.0.1", 0)
    try:
        answer = httpx.get(server.url, timeout=5)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/plain")
        assert "python_info" in answer.text  # the process's registry
        assert httpx.get(server.url.replace("/metrics", "/"), timeout=5).status_code == 404
    finally:
        server.close()


def test_a_port_in_use_is_refused_naming_the_setting() -> None:
    first = MetricsServer("127.0.0.1", 0)
    try:
        with pytest.raises(OSError, match="NETWAVE_METRICS_HOST/_PORT"):
            MetricsServer("127.0.0.1", first.port)
    finally:
        first.close()
