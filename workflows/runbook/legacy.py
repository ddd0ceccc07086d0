"""The device steps as workflows started before the one device runbook call them
(`RUNBOOK_PATCH`): one activity a step, with the inputs and results of then. Each is the
runbook's step (`workflows/runbook/steps.py`); a rollout of then pushes without a safety net
and saves as it goes. Remove with the patch's old branch (docs/replay.md)."""

from __future__ import annotations

from temporalio import activity

from services.network.state import DeviceState
from workflows.campaigns.job import RolloutDeviceJob
from workflows.campaigns.models import DeviceRunInput, PreCheck, StepResult
from workflows.changes.job import ChangeDeviceJob
from workflows.changes.models import DeviceChangeInput, DeviceStep
from workflows.common.heartbeat import heartbeating
from workflows.runbook import steps
from workflows.runbook.activities import RunbookActivities
from workflows.runbook.models import RolloutJob


class LegacyRunbookActivities(RunbookActivities):
    def _change_job(self, request: DeviceChangeInput) -> ChangeDeviceJob:
        return ChangeDeviceJob(self, request.tenant, request.change_id, request.device)

    def _rollout_job(self, run: DeviceRunInput) -> RolloutDeviceJob:
        job = RolloutJob(
            campaign_id=run.campaign_id, features=run.features, tolerance=run.tolerance
        )
        return RolloutDeviceJob(self, run.target.tenant, run.target.device, job, tag=None)

    @activity.defn(name="change_backup")
    @heartbeating
    def change_backup(self, request: DeviceChangeInput) -> DeviceStep:
        job = self._change_job(request)
        version = job.stored_backup()
        if version is None:
            with job.session(self.settings.device_timeout) as device:
                version = job.keep_backup(device.running())
        return DeviceStep(ok=True, data={"version": version})

    @activity.defn(name="change_pre_check")
    @heartbeating
    def change_pre_check(self, request: DeviceChangeInput) -> DeviceStep:
        job = self._change_job(request)
        with job.session(self.settings.device_timeout) as device:
            state = device.state()
        problem = job.pre_check(state)
        return DeviceStep(ok=not problem, detail=problem, data=state.model_dump(mode="json"))

    @activity.defn(name="change_push")
    @heartbeating
    def change_push(self, request: DeviceChangeInput) -> DeviceStep:
        done = steps.push(self._change_job(request), self.settings)
        return DeviceStep.model_validate(done.model_dump())

    @activity.defn(name="change_verify")
    @heartbeating
    def change_verify(self, request: DeviceChangeInput) -> DeviceStep:
        before = DeviceState.model_validate(request.before)
        done = steps.verify(self._change_job(request), self.settings, before)
        return DeviceStep.model_validate(done.model_dump())

    @activity.defn(name="change_rollback")
    @heartbeating
    def change_rollback(self, request: DeviceChangeInput) -> DeviceStep:
        done = steps.restore(self._change_job(request), self.settings)
        return DeviceStep.model_validate(done.model_dump())

    @activity.defn(name="rollout_pre_check")
    @heartbeating
    def rollout_pre_check(self, run: DeviceRunInput) -> PreCheck:
        job = self._rollout_job(run)
        job.record("pre_check", started=True)
        with job.session(self.settings.device_timeout) as device:
            skip = job.nothing_to_do(device.running())
            if skip:
                return PreCheck(ok=True, skip=True, detail=skip)
            state = device.state()
        return PreCheck(ok=True, before=state.model_dump(mode="json"))

    @activity.defn(name="rollout_push")
    @heartbeating
    def rollout_push(self, run: DeviceRunInput) -> StepResult:
        done = steps.push(self._rollout_job(run), self.settings)
        return StepResult.model_validate(done.model_dump())

    @activity.defn(name="rollout_verify")
    @heartbeating
    def rollout_verify(self, run: DeviceRunInput) -> StepResult:
        before = DeviceState.model_validate(run.before)
        done = steps.verify(self._rollout_job(run), self.settings, before)
        return StepResult.model_validate(done.model_dump())

    @activity.defn(name="rollout_rollback")
    @heartbeating
    def rollout_rollback(self, run: DeviceRunInput) -> StepResult:
        done = steps.restore(self._rollout_job(run), self.settings)
        return StepResult.model_validate(done.model_dump())
