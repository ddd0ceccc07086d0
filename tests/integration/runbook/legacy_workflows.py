"""The device workflows as a run started before the one device runbook goes on after the
upgrade: the old path (one activity a step), under the registered names. Kept apart from the
tests so that the workflow sandbox imports nothing else."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.campaigns.device import DeviceRolloutWorkflow
    from workflows.campaigns.models import DeviceRunInput, DeviceRunResult
    from workflows.changes.device import DeviceChangeWorkflow
    from workflows.changes.models import DeviceChangeInput, DeviceChangeResult


@workflow.defn(name="DeviceChangeWorkflow")
class OldDeviceChangeWorkflow(DeviceChangeWorkflow):
    @workflow.run
    async def run(self, request: DeviceChangeInput) -> DeviceChangeResult:
        return await self._one_activity_a_step(request)


@workflow.defn(name="DeviceRolloutWorkflow")
class OldDeviceRolloutWorkflow(DeviceRolloutWorkflow):
    @workflow.run
    async def run(self, run: DeviceRunInput) -> DeviceRunResult:
        return await self._one_activity_a_step(run)
