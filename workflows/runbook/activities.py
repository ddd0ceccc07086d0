"""The device runbook's activities: thin adapters that build the job (a change or a rollout)
and run the step of `workflows/runbook/steps.py` on it."""

from __future__ import annotations

from temporalio import activity

from services.network.safety import tag_for
from services.network.state import DeviceState
from workflows.campaigns.job import RolloutDeviceJob
from workflows.changes.job import ChangeDeviceJob
from workflows.changes.loading import ChangeLoading
from workflows.common.heartbeat import heartbeating
from workflows.runbook import steps
from workflows.runbook.job import DeviceJob
from workflows.runbook.models import ChangeJob, Prepared, RunbookInput, RunbookStep


class RunbookActivities(ChangeLoading):
    """See `WorkerActivities`; `ChangeLoading` finds a change's request, plan and device."""

    def job(self, request: RunbookInput) -> DeviceJob:
        job = request.job
        if isinstance(job, ChangeJob):
            return ChangeDeviceJob(self, request.tenant, job.change_id, request.device)
        tag = tag_for(job.campaign_id)
        return RolloutDeviceJob(self, request.tenant, request.device, job, tag=tag)

    @activity.defn(name="device_prepare")
    @heartbeating
    def device_prepare(self, request: RunbookInput) -> Prepared:
        """Backup and pre-check in one session (a backup an earlier attempt kept stands)."""
        return steps.prepare(self.job(request), self.settings)

    @activity.defn(name="device_push")
    @heartbeating
    def device_push(self, request: RunbookInput) -> RunbookStep:
        """Push under the safety net, once: a retry that finds the lines applied pushes none."""
        return steps.push(self.job(request), self.settings)

    @activity.defn(name="device_verify")
    @heartbeating
    def device_verify(self, request: RunbookInput) -> RunbookStep:
        """Post-checks against the state before; confirm and save once they pass."""
        before = DeviceState.model_validate(request.before)
        return steps.verify(self.job(request), self.settings, before)

    @activity.defn(name="device_restore")
    @heartbeating
    def device_restore(self, request: RunbookInput) -> RunbookStep:
        """Take the job back to the backup; the running config must equal it."""
        return steps.restore(self.job(request), self.settings)
