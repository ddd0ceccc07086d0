"""The per-device runbooks of a campaign, each a child workflow durable on its own.

OS upgrade: pre-check -> backup -> stage + checksum -> boot -> reload -> wait -> verify version
-> post-checks; after a reload that went wrong: boot the previous image, reload, verify.
Config rollout: the device runbook (workflows/runbook) with the rollout's job: backup +
pre-check -> push under the safety net -> verify -> confirm; on failure restore the backup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, TimeoutError, TimeoutType

with workflow.unsafe.imports_passed_through():
    from workflows.campaigns.activities import CampaignActivities
    from workflows.campaigns.models import (
        BootInput,
        DeviceOutcome,
        DeviceRunInput,
        DeviceRunResult,
        DeviceStatusInput,
        PreCheck,
        ReloadInput,
        StepResult,
        WaitInput,
    )
    from workflows.common.options import DEVICE_STEP_TIMEOUT, device_record, device_step
    from workflows.runbook.legacy import LegacyRunbookActivities
    from workflows.runbook.models import RolloutJob, RunbookInput, RunbookOutcome
    from workflows.runbook.runbook import RUNBOOK_PATCH, DeviceRunbook, Step, why

# A step whose every attempt stopped heartbeating lost its workers, not its device (the step
# heartbeats from the worker's own thread while it talks to the device): it runs again, with
# fresh attempts, up to this many times before the device is failed. Found by the chaos test
# on a slow machine, where four restarts in a row used up a pre-check's attempts.
WORKER_LOSSES = 10
WORKER_LOSS_PATCH = "worker-loss-is-not-a-device-failure"
COPY_TIMEOUT = timedelta(hours=2)
A = TypeVar("A")
R = TypeVar("R")
S = TypeVar("S")
OUTCOMES: dict[RunbookOutcome, DeviceOutcome] = {
    "applied": "applied",
    "skipped": "skipped",
    "refused": "failed",
    "rolled_back": "rolled_back",
    "failed": "failed",
}


class _Runbook:
    """Shared by both runbooks: run a step on the device queue, record the outcome."""

    def __init__(self) -> None:
        self.step = "pending"

    async def call(
        self,
        step: Callable[[S, A], R],
        arg: A,
        run: DeviceRunInput,
        *,
        timeout: timedelta = DEVICE_STEP_TIMEOUT,
    ) -> R:
        self.step = step.__name__
        losses = 0
        while True:
            try:
                return await workflow.execute_activity_method(
                    step,
                    arg,
                    **device_step(run.device_task_queue, run.heartbeat_timeout_seconds, timeout),
                )
            except ActivityError as exc:
                if not _worker_lost(exc) or losses >= WORKER_LOSSES:
                    raise
                if not workflow.patched(WORKER_LOSS_PATCH):  # histories from before: as then
                    raise
                losses += 1

    async def finish(
        self, run: DeviceRunInput, outcome: DeviceOutcome, detail: str
    ) -> DeviceRunResult:
        self.step = outcome
        await workflow.execute_activity_method(
            CampaignActivities.campaign_device_status,
            DeviceStatusInput(
                campaign_id=run.campaign_id,
                target=run.target,
                status=outcome,
                step="done",
                detail=detail,
            ),
            **device_record(run.device_task_queue),
        )
        return DeviceRunResult(
            tenant=run.target.tenant, device=run.target.device, outcome=outcome, detail=detail
        )


def _worker_lost(exc: ActivityError) -> bool:
    cause = exc.cause
    return isinstance(cause, TimeoutError) and cause.type is TimeoutType.HEARTBEAT


@workflow.defn(name="DeviceUpgradeWorkflow")
class DeviceUpgradeWorkflow(_Runbook):
    @workflow.run
    async def run(self, run: DeviceRunInput) -> DeviceRunResult:
        image = run.image
        if image is None:
            return await self.finish(run, "failed", "no image for this platform")
        prepared = await self._prepare(run)
        if isinstance(prepared, DeviceRunResult):
            return prepared
        run = prepared
        ended = await self._boot_new_image(run, image.filename)
        if ended is None:
            ended = await self._check_new_image(run, image.version)
        if ended is not None:
            return ended
        return await self.finish(run, "upgraded", f"{run.from_version} -> {image.version}")

    async def _prepare(self, run: DeviceRunInput) -> DeviceRunInput | DeviceRunResult:
        """Pre-check, backup and stage the image: the run with what the device runs now, or
        how the device ended (skipped, failed: nothing changed on it yet)."""
        try:
            pre: PreCheck = await self.call(CampaignActivities.upgrade_pre_check, run, run)
        except ActivityError as exc:
            return await self.finish(run, "failed", f"pre-check: {why(exc)}")
        if pre.skip:
            return await self.finish(run, "skipped", f"already on {pre.version}")
        if not pre.ok:
            return await self.finish(run, "failed", f"pre-check: {pre.detail}")
        run = run.model_copy(
            update={
                "from_version": pre.version,
                "previous_image": pre.boot_image,
                "before": pre.before,
            }
        )
        try:
            await self.call(CampaignActivities.campaign_backup, run, run)
            stage: StepResult = await self.call(
                CampaignActivities.upgrade_stage, run, run, timeout=COPY_TIMEOUT
            )
        except ActivityError as exc:
            return await self.finish(run, "failed", f"{self.step}: {why(exc)}")
        if not stage.ok:
            return await self.finish(run, "failed", f"stage: {stage.detail}")
        return run

    async def _boot_new_image(self, run: DeviceRunInput, filename: str) -> DeviceRunResult | None:
        """Select the new image and reload; None when the device is reloading into it."""
        try:
            boot: StepResult = await self.call(
                CampaignActivities.upgrade_set_boot,
                BootInput(run=run, image=filename, fallback=run.previous_image),
                run,
            )
            if not boot.ok:
                return await self._rollback(run, f"set boot: {boot.detail}", reloaded=False)
            await self.call(
                CampaignActivities.upgrade_reload,
                ReloadInput(run=run, once_key="upgrade_reload"),
                run,
            )
        except ActivityError as exc:
            return await self._rollback(run, f"{self.step}: {why(exc)}", reloaded=False)
        return None

    async def _check_new_image(self, run: DeviceRunInput, version: str) -> DeviceRunResult | None:
        """Wait for the device on `version`, then post-check it; None when it passed."""
        try:
            back: StepResult = await self._wait(run, version)
        except ActivityError as exc:
            # Unreachable after the reload: nothing can be done from here.
            return await self.finish(run, "failed", f"reload: {why(exc)}")
        if not back.ok:
            return await self._rollback(run, f"version: {back.detail}", reloaded=True)
        try:
            post: StepResult = await self.call(
                CampaignActivities.upgrade_post_check,
                run,
                run,
                timeout=timedelta(seconds=run.tolerance.settle_seconds + 300),
            )
        except ActivityError as exc:
            return await self._rollback(run, f"post-check: {why(exc)}", reloaded=True)
        if not post.ok:
            return await self._rollback(run, f"post-check: {post.detail}", reloaded=True)
        return None

    async def _wait(self, run: DeviceRunInput, version: str) -> StepResult:
        result: StepResult = await self.call(
            CampaignActivities.upgrade_wait,
            WaitInput(run=run, expect_version=version),
            run,
            timeout=timedelta(seconds=run.reload_timeout_seconds + 120),
        )
        return result

    async def _rollback(
        self, run: DeviceRunInput, reason: str, *, reloaded: bool
    ) -> DeviceRunResult:
        """Boot the previous image again; reload only if the device was reloaded."""
        if not run.previous_image or not run.from_version:
            return await self.finish(run, "failed", f"{reason}; no previous image to roll back to")
        try:
            await self.call(
                CampaignActivities.upgrade_set_boot,
                BootInput(run=run, image=run.previous_image),
                run,
            )
            if not reloaded:
                return await self.finish(run, "rolled_back", f"{reason}; boot restored")
            await self.call(
                CampaignActivities.upgrade_reload,
                ReloadInput(run=run, once_key="rollback_reload"),
                run,
            )
            back = await self._wait(run, run.from_version)
        except ActivityError as exc:
            return await self.finish(run, "failed", f"{reason}; rollback: {why(exc)}")
        if back.ok:
            return await self.finish(run, "rolled_back", f"{reason}; back on {run.from_version}")
        return await self.finish(run, "failed", f"{reason}; rollback: {back.detail}")

    @workflow.query(name="step")
    def current_step(self) -> str:
        return self.step


@workflow.defn(name="DeviceRolloutWorkflow")
class DeviceRolloutWorkflow(_Runbook):
    @workflow.run
    async def run(self, run: DeviceRunInput) -> DeviceRunResult:
        if not workflow.patched(RUNBOOK_PATCH):
            return await self._one_activity_a_step(run)
        job = RolloutJob(
            campaign_id=run.campaign_id, features=run.features, tolerance=run.tolerance
        )
        request = RunbookInput(
            tenant=run.target.tenant,
            device=run.target.device,
            job=job,
            device_task_queue=run.device_task_queue,
            heartbeat_timeout_seconds=run.heartbeat_timeout_seconds,
        )

        async def call(step: Step[R], arg: RunbookInput) -> R:
            return await self.call(step, arg, run)

        done = await DeviceRunbook(call).run(request)
        return await self.finish(run, OUTCOMES[done.outcome], done.detail)

    async def _one_activity_a_step(self, run: DeviceRunInput) -> DeviceRunResult:
        """Rollouts started before the one runbook: as they ran then."""
        try:
            pre: PreCheck = await self.call(LegacyRunbookActivities.rollout_pre_check, run, run)
        except ActivityError as exc:
            return await self.finish(run, "failed", f"pre-check: {why(exc)}")
        if pre.skip:
            return await self.finish(run, "skipped", pre.detail)
        run = run.model_copy(update={"before": pre.before})
        try:
            await self.call(CampaignActivities.campaign_backup, run, run)
            push: StepResult = await self.call(LegacyRunbookActivities.rollout_push, run, run)
            reason = f"push: {push.detail}"
            if push.ok:
                verify: StepResult = await self.call(
                    LegacyRunbookActivities.rollout_verify, run, run
                )
                if verify.ok:
                    return await self.finish(run, "applied", push.detail)
                reason = f"verify: {verify.detail}"
        except ActivityError as exc:
            reason = f"{self.step}: {why(exc)}"
        try:
            back: StepResult = await self.call(LegacyRunbookActivities.rollout_rollback, run, run)
        except ActivityError as exc:
            return await self.finish(run, "failed", f"{reason}; rollback: {why(exc)}")
        outcome: DeviceOutcome = "rolled_back" if back.ok else "failed"
        return await self.finish(run, outcome, f"{reason}; rollback: {back.detail}")

    @workflow.query(name="step")
    def current_step(self) -> str:
        return self.step
