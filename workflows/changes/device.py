"""DeviceChangeWorkflow: one device's part of a change (or remediation), durable on its own:
the device runbook (workflows/runbook) with the change's job: backup, pre-check, push, verify,
and on any failure roll back to the backup."""

from __future__ import annotations

from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.changes.models import (
        DeviceChangeInput,
        DeviceChangeResult,
        DeviceOutcome,
        DeviceStep,
    )
    from workflows.common.options import device_step
    from workflows.runbook.legacy import LegacyRunbookActivities
    from workflows.runbook.models import ChangeJob, RunbookInput, RunbookOutcome
    from workflows.runbook.runbook import RUNBOOK_PATCH, DeviceRunbook

# Histories from before pre-checks could fail replay as they ran.
PRE_CHECK_PATCH = "change-pre-check-targets"
Step = Callable[[LegacyRunbookActivities, DeviceChangeInput], DeviceStep]
OUTCOMES: dict[RunbookOutcome, DeviceOutcome] = {
    "applied": "verified",
    "skipped": "unchanged",
    "refused": "failed",
    "rolled_back": "rolled_back",
    "failed": "failed",
}


@workflow.defn(name="DeviceChangeWorkflow")
class DeviceChangeWorkflow:
    def __init__(self) -> None:
        self._step = "pending"
        self._runbook: DeviceRunbook | None = None

    async def _run(self, step: Step, request: DeviceChangeInput) -> DeviceStep:
        self._step = step.__name__
        return await workflow.execute_activity_method(
            step,
            request,
            **device_step(request.device_task_queue, request.heartbeat_timeout_seconds),
        )

    @workflow.run
    async def run(self, request: DeviceChangeInput) -> DeviceChangeResult:
        if not workflow.patched(RUNBOOK_PATCH):
            return await self._one_activity_a_step(request)
        self._runbook = DeviceRunbook()
        job = ChangeJob(change_id=request.change_id)
        done = await self._runbook.run(
            RunbookInput(
                tenant=request.tenant,
                device=request.device,
                job=job,
                device_task_queue=request.device_task_queue,
                heartbeat_timeout_seconds=request.heartbeat_timeout_seconds,
            )
        )
        kept = done.model_dump(include={"detail", "backup_version"})
        return DeviceChangeResult(device=request.device, outcome=OUTCOMES[done.outcome], **kept)

    async def _one_activity_a_step(self, request: DeviceChangeInput) -> DeviceChangeResult:
        """Changes started before the one runbook: as they ran then."""
        backup = await self._run(LegacyRunbookActivities.change_backup, request)
        version = int(backup.data["version"])
        before = await self._run(LegacyRunbookActivities.change_pre_check, request)
        if not before.ok and workflow.patched(PRE_CHECK_PATCH):
            # A target the device does not have: nothing was pushed, nothing to roll back.
            self._step = "failed"
            return DeviceChangeResult(
                device=request.device,
                outcome="failed",
                detail=f"pre-check failed: {before.detail}",
                backup_version=version,
            )
        request = request.model_copy(update={"before": before.data})
        push = await self._run(LegacyRunbookActivities.change_push, request)
        if push.ok:
            verify = await self._run(LegacyRunbookActivities.change_verify, request)
            if verify.ok:
                self._step = "verified"
                return DeviceChangeResult(
                    device=request.device,
                    outcome="verified",
                    detail=verify.detail,
                    backup_version=version,
                )
            reason = f"verify failed: {verify.detail}"
        else:
            reason = f"push failed: {push.detail}"
        rollback = await self._run(LegacyRunbookActivities.change_rollback, request)
        self._step = "rolled_back" if rollback.ok else "failed"
        return DeviceChangeResult(
            device=request.device,
            outcome="rolled_back" if rollback.ok else "failed",
            detail=f"{reason}; rollback: {rollback.detail}",
            backup_version=version,
        )

    @workflow.query(name="step")
    def step(self) -> str:
        return self._runbook.step if self._runbook is not None else self._step
