"""FleetBackupWorkflow logic with mocked activities: chunking, per-device outcomes, progress."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from temporalio import activity
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from workflows.backup.models import (
    BackupChunkInput,
    BackupChunkResult,
    BackupOutcome,
    BackupTargets,
    BackupTargetsInput,
    DeviceBackup,
    FleetBackupInput,
    FleetBackupResult,
)
from workflows.backup.workflow import FleetBackupWorkflow

seen_chunks: list[BackupChunkInput] = []


@activity.defn(name="list_backup_targets")
async def fake_targets(request: BackupTargetsInput) -> BackupTargets:
    return BackupTargets(devices={"acme": [f"r{i}" for i in range(5)], "globex": ["g1"]})


@activity.defn(name="backup_devices")
async def fake_backup(request: BackupChunkInput) -> BackupChunkResult:
    seen_chunks.append(request)
    return BackupChunkResult(
        devices=[
            DeviceBackup(
                tenant=request.tenant,
                device=name,
                outcome=BackupOutcome.unreachable if name == "r3" else BackupOutcome.backed_up,
                version=None if name == "r3" else 1,
            )
            for name in request.devices
        ]
    )


async def test_chunks_and_counts(temporal_env: WorkflowEnvironment) -> None:
    queue = f"test-{uuid.uuid4()}"
    seen_chunks.clear()
    async with Worker(
        temporal_env.client,
        task_queue=queue,
        workflows=[FleetBackupWorkflow],
        activities=[fake_targets, fake_backup],
    ):
        result = await temporal_env.client.execute_workflow(
            FleetBackupWorkflow.run,
            FleetBackupInput(chunk_size=2, device_task_queue=queue),
            id=f"backup-{uuid.uuid4()}",
            task_queue=queue,
            result_type=FleetBackupResult,
        )
    assert sorted(len(c.devices) for c in seen_chunks) == [1, 1, 2, 2]
    assert {c.run_id for c in seen_chunks} == {result.run_id}
    assert result.counts == {"backed_up": 5, "unreachable": 1}
    assert len(result.devices) == 6


HISTORY = Path(__file__).resolve().parents[2] / "data" / "histories" / "fleet_backup.json"


async def test_saved_history_replays(temporal_env: WorkflowEnvironment) -> None:
    """A history recorded with an earlier version still replays: no non-determinism."""
    if os.environ.get("NETWAVE_RECORD_HISTORIES"):
        queue = f"test-{uuid.uuid4()}"
        async with Worker(
            temporal_env.client,
            task_queue=queue,
            workflows=[FleetBackupWorkflow],
            activities=[fake_targets, fake_backup],
        ):
            handle = await temporal_env.client.start_workflow(
                FleetBackupWorkflow.run,
                FleetBackupInput(chunk_size=2, device_task_queue=queue),
                id=f"backup-{uuid.uuid4()}",
                task_queue=queue,
            )
            await handle.result()
        HISTORY.write_text((await handle.fetch_history()).to_json())
    history = WorkflowHistory.from_json("fleet-backup", HISTORY.read_text())
    await Replayer(
        workflows=[FleetBackupWorkflow], data_converter=pydantic_data_converter
    ).replay_workflow(history)
