"""ComplianceAuditWorkflow: one tenant, devices in chunks with bounded parallelism."""

from __future__ import annotations

import asyncio
from collections import Counter

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.audit.activities import AuditActivities
    from workflows.audit.models import (
        AuditChunkInput,
        AuditChunkResult,
        AuditFinishInput,
        AuditInput,
        AuditProgress,
        AuditResult,
        AuditStartInput,
    )
    from workflows.common.options import LOCAL_BOOKEND, fleet_bookend, fleet_chunk

# Since this patch, opening and closing the report run as local activities on the workflow's
# own worker: no task-queue hop and no workflow task of their own, which at 10 devices a tenant
# was most of an audit's time. Histories from before it replay the device-queue activities.
LOCAL_BOOKENDS = "audit-report-opened-and-closed-locally"


@workflow.defn(name="ComplianceAuditWorkflow")
class ComplianceAuditWorkflow:
    def __init__(self) -> None:
        self._progress = AuditProgress()

    @workflow.run
    async def run(self, request: AuditInput) -> AuditResult:
        opening = AuditStartInput(
            tenant=request.tenant,
            workflow_id=workflow.info().workflow_id,
            requested_by=request.requested_by,
        )
        if workflow.patched(LOCAL_BOOKENDS):
            plan = await workflow.execute_local_activity_method(
                AuditActivities.start_audit,
                opening,
                **LOCAL_BOOKEND,
            )
        else:
            plan = await workflow.execute_activity_method(
                AuditActivities.start_audit,
                opening,
                **fleet_bookend(request.device_task_queue),
            )
        self._progress.report_id = plan.report_id
        self._progress.total = len(plan.devices)
        size = request.chunk_size
        chunks = [
            AuditChunkInput(
                tenant=request.tenant,
                report_id=plan.report_id,
                run_id=workflow.info().workflow_id,
                devices=plan.devices[i : i + size],
            )
            for i in range(0, len(plan.devices), size)
        ]
        slots = asyncio.Semaphore(request.max_parallel_chunks)
        await asyncio.gather(*(self._audit_chunk(chunk, request, slots) for chunk in chunks))
        closing = AuditFinishInput(tenant=request.tenant, report_id=plan.report_id)
        if workflow.patched(LOCAL_BOOKENDS):
            return await workflow.execute_local_activity_method(
                AuditActivities.finish_audit,
                closing,
                **LOCAL_BOOKEND,
            )
        return await workflow.execute_activity_method(
            AuditActivities.finish_audit,
            closing,
            **fleet_bookend(request.device_task_queue),
        )

    async def _audit_chunk(
        self, chunk: AuditChunkInput, request: AuditInput, slots: asyncio.Semaphore
    ) -> None:
        async with slots:
            result: AuditChunkResult = await workflow.execute_activity_method(
                AuditActivities.audit_devices,
                chunk,
                **fleet_chunk(request.device_task_queue, request.heartbeat_timeout_seconds),
            )
        self._progress.done += len(result.devices)
        counts = Counter(self._progress.counts)
        counts.update(d.status for d in result.devices)
        self._progress.counts = dict(counts)

    @workflow.query(name="progress")
    def progress(self) -> AuditProgress:
        return self._progress
