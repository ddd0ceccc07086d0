"""ComplianceAuditWorkflow with fake activities: report opened and closed as local activities,
chunks on the device queue, and histories from before that change still replay."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from workflows.audit.models import (
    AuditChunkInput,
    AuditChunkResult,
    AuditFinishInput,
    AuditInput,
    AuditPlan,
    AuditResult,
    AuditStartInput,
    DeviceAudit,
)
from workflows.audit.workflow import ComplianceAuditWorkflow

HISTORY = Path(__file__).resolve().parents[2] / "data" / "histories" / "audit_remote_bookends.json"
DEVICES = [f"r{i}" for i in range(5)]


@activity.defn(name="start_audit")
def fake_start(request: AuditStartInput) -> AuditPlan:
    return AuditPlan(report_id=f"report-of-{request.workflow_id}", devices=DEVICES)


@activity.defn(name="audit_devices")
def fake_chunk(request: AuditChunkInput) -> AuditChunkResult:
    return AuditChunkResult(
        devices=[DeviceAudit(device=n, status="compliant", score=100.0) for n in request.devices]
    )


@activity.defn(name="finish_audit")
def fake_finish(request: AuditFinishInput) -> AuditResult:
    return AuditResult(
        tenant=request.tenant, report_id=request.report_id, score=100.0, counts={"compliant": 5}
    )


async def run_audit(env: WorkflowEnvironment) -> tuple[AuditResult, WorkflowHistory]:
    queue = f"test-{uuid.uuid4()}"
    with ThreadPoolExecutor(4) as executor:
        async with Worker(
            env.client,
            task_queue=queue,
            workflows=[ComplianceAuditWorkflow],
            activities=[fake_start, fake_chunk, fake_finish],
            activity_executor=executor,
        ):
            handle = await env.client.start_workflow(
                ComplianceAuditWorkflow.run,
                AuditInput(tenant="acme", chunk_size=2, device_task_queue=queue),
                id=f"audit-{uuid.uuid4()}",
                task_queue=queue,
            )
            result = await handle.result()
            return AuditResult.model_validate(result), await handle.fetch_history()


async def test_report_opened_and_closed_locally_chunks_on_the_device_queue(
    temporal_env: WorkflowEnvironment,
) -> None:
    result, history = await run_audit(temporal_env)
    assert result.counts == {"compliant": 5} and result.report_id.startswith("report-of-")
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled == ["audit_devices"] * 3  # 5 devices, chunks of 2
    markers = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    assert len(markers) >= 2  # the two local activities (and the patch marker)
    tasks = [
        e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    ]
    assert len(tasks) <= 1 + 3  # no workflow task of their own for opening or closing


async def test_a_history_from_before_local_bookends_replays(
    temporal_env: WorkflowEnvironment,
) -> None:
    """Recorded with the workflow as it was (start/finish on the device queue)."""
    if os.environ.get("NETWAVE_RECORD_HISTORIES"):
        _result, history = await run_audit(temporal_env)
        HISTORY.write_text(history.to_json())
    history = WorkflowHistory.from_json("audit-before", HISTORY.read_text())
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    assert scheduled[0] == "start_audit" and scheduled[-1] == "finish_audit"
    await Replayer(
        workflows=[ComplianceAuditWorkflow], data_converter=pydantic_data_converter
    ).replay_workflow(history)
