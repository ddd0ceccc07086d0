"""FleetBackupWorkflow: list targets, back up devices in chunks in parallel, report per device."""

from __future__ import annotations

import asyncio
from collections import Counter

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.backup.activities import BackupActivities
    from workflows.backup.models import (
        BackupChunkInput,
        BackupChunkResult,
        BackupProgress,
        BackupTargetsInput,
        DeviceBackup,
        FleetBackupInput,
        FleetBackupResult,
    )
    from workflows.common.options import fleet_bookend, fleet_chunk


@workflow.defn(name="FleetBackupWorkflow")
class FleetBackupWorkflow:
    def __init__(self) -> None:
        self._progress = BackupProgress()

    @workflow.run
    async def run(self, request: FleetBackupInput) -> FleetBackupResult:
        targets = await workflow.execute_activity_method(
            BackupActivities.list_backup_targets,
            BackupTargetsInput(tenants=request.tenants),
            **fleet_bookend(request.device_task_queue),
        )
        run_id = workflow.info().workflow_id
        chunks = [
            BackupChunkInput(
                tenant=tenant, devices=names[i : i + request.chunk_size], run_id=run_id
            )
            for tenant, names in sorted(targets.devices.items())
            for i in range(0, len(names), request.chunk_size)
        ]
        self._progress.total = sum(len(c.devices) for c in chunks)
        results = await asyncio.gather(*(self._backup_chunk(chunk, request) for chunk in chunks))
        devices = [d for chunk_result in results for d in chunk_result.devices]
        return FleetBackupResult(
            run_id=run_id,
            devices=devices,
            counts=dict(Counter(d.outcome.value for d in devices)),
        )

    async def _backup_chunk(
        self, chunk: BackupChunkInput, request: FleetBackupInput
    ) -> BackupChunkResult:
        result = await workflow.execute_activity_method(
            BackupActivities.backup_devices,
            chunk,
            **fleet_chunk(request.device_task_queue, request.heartbeat_timeout_seconds),
        )
        self._count(result.devices)
        return result

    def _count(self, devices: list[DeviceBackup]) -> None:
        self._progress.done += len(devices)
        for d in devices:
            self._progress.counts[d.outcome.value] = (
                self._progress.counts.get(d.outcome.value, 0) + 1
            )

    @workflow.query(name="progress")
    def progress(self) -> BackupProgress:
        return self._progress
