"""DeviceChangeWorkflow: one device's runbook, durable on its own: backup, pre-check, push,
verify, and on any failure roll back to the backup."""

from __future__ import annotations

from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.change.activities import ChangeActivities
    from workflows.change.models import DeviceChangeInput, DeviceChangeResult, DeviceStep
    from workflows.common.options import device_step

# Histories from before pre-checks could fail replay as they ran.
PRE_CHECK_PATCH = "change-pre-check-targets"
Step = Callable[[ChangeActivities, DeviceChangeInput], DeviceStep]


@workflow.defn(name="DeviceChangeWorkflow")
class DeviceChangeWorkflow:
    def __init__(self) -> None:
        self._step = "pending"

    async def _run(self, step: Step, request: DeviceChangeInput) -> DeviceStep:
        self._step = step.__name__
        return await workflow.execute_activity_method(
            step,
            request,
            **device_step(request.device_task_queue, request.heartbeat_timeout_seconds),
        )

    @workflow.run
    async def run(self, request: DeviceChangeInput) -> DeviceChangeResult:
        backup = await self._run(ChangeActivities.change_backup, request)
        version = int(backup.data["version"])
        before = await self._run(ChangeActivities.change_pre_check, request)
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
        push = await self._run(ChangeActivities.change_push, request)
        if push.ok:
            verify = await self._run(ChangeActivities.change_verify, request)
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
        rollback = await self._run(ChangeActivities.change_rollback, request)
        self._step = "rolled_back" if rollback.ok else "failed"
        return DeviceChangeResult(
            device=request.device,
            outcome="rolled_back" if rollback.ok else "failed",
            detail=f"{reason}; rollback: {rollback.detail}",
            backup_version=version,
        )

    @workflow.query(name="step")
    def step(self) -> str:
        return self._step
