"""A fleet backup's device sessions (Nornir threads, under the heartbeat's work thread) are in
the trace of the workflow run, children of the `backup_devices` activity that opened them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.testing import WorkflowEnvironment

from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.core.temporal import connect
from services.network.inventory import load_tenant
from services.observability.tracing import setup_tracing, shutdown_tracing
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.utils.lab import ThreadedLab
from tests.utils.otlp import attributes, otlp_receiver
from tests.utils.processes import running_worker
from workflows.backup.models import FleetBackupInput, FleetBackupResult
from workflows.backup.workflow import FleetBackupWorkflow


@pytest.fixture
def exporter(lab_settings: Settings) -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    assert setup_tracing(lab_settings, "netwave-test", exporter=spans)
    yield spans
    shutdown_tracing()


async def test_backup_sessions_are_children_of_their_activity(
    exporter: InMemorySpanExporter,
    temporal_env: WorkflowEnvironment,
    lab: ThreadedLab,
    lab_settings: Settings,
) -> None:
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    lab.set_fault("initech-aus-r1", unreachable=True)
    client = await connect(settings)
    async with workers(client, settings):
        result = await client.execute_workflow(
            FleetBackupWorkflow.run,
            FleetBackupInput(device_task_queue=settings.device_task_queue, tenants=["initech"]),
            id=f"backup-{uuid.uuid4().hex[:8]}",
            task_queue=settings.task_queue,
            result_type=FleetBackupResult,
        )

    spans = exporter.get_finished_spans()
    by_id = {s.context.span_id: s for s in spans if s.context is not None}
    start = next(s for s in spans if s.name == "StartWorkflow:FleetBackupWorkflow")
    assert start.context is not None
    sessions = [s for s in spans if s.name == "device session"]
    outcomes = {
        str(s.attributes["netwave.device"]): s.attributes["netwave.outcome"]
        for s in sessions
        if s.attributes
    }
    assert outcomes == {
        d.device: ("unreachable" if d.device == "initech-aus-r1" else "ok") for d in result.devices
    }
    for session in sessions:
        assert session.context is not None and session.parent is not None
        assert session.context.trace_id == start.context.trace_id
        assert by_id[session.parent.span_id].name == "RunActivity:backup_devices"


async def test_a_worker_process_continues_the_trace_over_otlp(
    exporter: InMemorySpanExporter,
    temporal_env: WorkflowEnvironment,
    lab: ThreadedLab,
    lab_settings: Settings,
    tmp_path: Path,
) -> None:
    """`netwave worker` with NETWAVE_OTLP_ENDPOINT: its spans reach the collector, in the trace
    of the client (here the test) that started the workflow."""
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    client = await connect(settings)
    with otlp_receiver() as collector:
        env = {"NETWAVE_OTLP_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "100"}
        with running_worker(settings, tmp_path / "worker.log", env=env):
            await client.execute_workflow(
                FleetBackupWorkflow.run,
                FleetBackupInput(device_task_queue=settings.device_task_queue, tenants=["acme"]),
                id=f"backup-{uuid.uuid4().hex[:8]}",
                task_queue=settings.task_queue,
                result_type=FleetBackupResult,
            )
            # the worker exports every 0.1 s; its last batch goes out when it stops
    start = next(s for s in exporter.get_finished_spans() if s.name.startswith("StartWorkflow:"))
    assert start.context is not None
    spans = collector.spans()
    assert {service for service, _ in spans} == {"netwave-worker"}
    in_trace = [s for _, s in spans if int.from_bytes(s.trace_id, "big") == start.context.trace_id]
    names = {s.name for s in in_trace}
    assert {"RunWorkflow:FleetBackupWorkflow", "RunActivity:backup_devices"} <= names, names
    sessions = [s for s in in_trace if s.name == "device session"]
    assert {attributes(s)["netwave.tenant"] for s in sessions} == {"acme"}
    assert len(sessions) == len(load_tenant(settings.inventories_path, "acme").devices)
