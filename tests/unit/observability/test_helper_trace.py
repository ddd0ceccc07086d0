"""The audit's helper processes continue the activity's trace: their device sessions are
exported (OTLP, as the worker's own spans) under the span that handed them the job."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.core.settings import Settings
from services.network.inventory import load_tenant
from services.observability import tracing
from services.observability.tracing import setup_tracing, shutdown_tracing
from tests.unit.workflows.test_audit_assess import job_for
from tests.utils.lab import ThreadedLab
from tests.utils.otlp import Received, attributes, otlp_receiver
from workflows.audit.assess import Outcome
from workflows.audit.session_pool import SessionPool


@pytest.fixture
def collector(lab_settings: Settings) -> Iterator[Received]:
    with otlp_receiver() as received:
        settings = lab_settings.model_copy(update={"otlp_endpoint": received.url})
        assert setup_tracing(settings, tracing.WORKER_SERVICE)
        yield received
        shutdown_tracing()


def test_helper_sessions_are_children_of_the_activity_span(
    collector: Received, lab: ThreadedLab, lab_settings: Settings
) -> None:
    devices = [
        lab.trusted(d) for d in load_tenant(lab_settings.inventories_path, "acme").devices.values()
    ]
    pool = SessionPool(1)
    got: list[Outcome] = []
    try:
        with tracing.tracer().start_as_current_span("RunActivity:audit_devices") as activity:
            left = pool.audit(job_for(lab_settings, devices), got.append)
    finally:
        pool.close()
    assert left == [] and len(got) == len(devices)
    shutdown_tracing()

    spans = collector.spans()
    sessions = [span for _, span in spans if span.name == "device session"]
    assert sorted(attributes(s)["netwave.device"] for s in sessions) == sorted(
        d.name for d in devices
    )
    wanted = activity.get_span_context()
    for session in sessions:
        assert int.from_bytes(session.trace_id, "big") == wanted.trace_id
        assert int.from_bytes(session.parent_span_id, "big") == wanted.span_id
        assert attributes(session)["netwave.outcome"] == "ok"
    assert {service for service, _ in spans} == {"netwave-worker"}
