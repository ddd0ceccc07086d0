"""CampaignWorkflow: an OS upgrade or config rollout in canary + waves.

plan -> wave 0 (canary) -> [approval gate] -> wave 1..N, each device a child workflow, at most
max_concurrency at once (max_per_tenant per tenant), each inside its tenant's maintenance
window. A canary failure stops the campaign; failures beyond the budget halt it; devices not
started stay untouched. pause / resume / cancel / approve are workflow updates: a paused or
cancelled campaign starts no new device, devices in flight finish their runbook safely.
override_window lets devices start outside their tenant's window (`windows.py`).
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from services.campaigns.events import tenant_counts
    from services.campaigns.lifecycle import FAILED_OUTCOMES, CampaignStatus
    from services.campaigns.targets import Target
    from workflows.campaigns.activities import CampaignActivities
    from workflows.campaigns.device import DeviceRolloutWorkflow, DeviceUpgradeWorkflow
    from workflows.campaigns.models import (
        CampaignInput,
        CampaignNotifyInput,
        CampaignPlan,
        CampaignProgress,
        CampaignRef,
        CampaignResult,
        CampaignStatusInput,
        ControlInput,
        DeviceRunInput,
        DeviceRunResult,
        WaveProgress,
        WindowOverrideInput,
    )
    from workflows.campaigns.progress import summary, take_from_later_waves
    from workflows.campaigns.windows import (
        PAUSE_AFTER_WINDOW_PATCH,
        WindowOverrides,
        sleep_unless,
        wait_for_window,
    )
    from workflows.common.options import notification, planning, store_call

# The plan heartbeats each second: a plan that a killed worker held is retried after this, not
# after its 10-minute start-to-close timeout (a kill during planning stalled a chaos run).
PLAN_HEARTBEAT_SECONDS = 10
FINAL = ("completed", "halted", "cancelled", "failed")
# A device still in one of these when the campaign ends was never touched: it is not_started
# (a cancel while it waited for its tenant's window left it "waiting_window").
UNTOUCHED = ("pending", "waiting_window")
# What proves a canary: the device was changed and verified (not skipped as already done).
CHANGED_OUTCOMES = frozenset({"upgraded", "applied"})
# Histories from before canaries had to prove something replay as they ran.
CANARY_PROOF_PATCH = "campaign-canary-proof"


@workflow.defn(name="CampaignWorkflow")
class CampaignWorkflow:
    def __init__(self) -> None:
        self._progress = CampaignProgress()
        self._input: CampaignInput | None = None
        self._paused = False
        self._cancelled = False
        self._approved = False
        self._results: dict[str, DeviceRunResult] = {}
        self._tenant_slots: dict[str, asyncio.Semaphore] = {}
        self._global_slots = asyncio.Semaphore(1)  # pragma: no mutate (run() sets it)
        self._at_gate = False
        self._notifications: list[workflow.ActivityHandle[None]] = []
        self._windows = WindowOverrides()
        self._respect_windows: bool | None = None  # known once planned

    # -- helpers ---------------------------------------------------------------------------
    async def _status(
        self,
        status: CampaignStatus,
        *,
        actor: str = "netwave",
        reason: str = "",
        not_started: list[Target] | None = None,
    ) -> None:
        assert self._input is not None
        self._progress.status = status
        if reason:
            self._progress.reason = reason
        await workflow.execute_activity_method(
            CampaignActivities.campaign_status,
            CampaignStatusInput(
                campaign_id=self._input.campaign_id,
                status=status,
                actor=actor,
                summary=summary(self._progress),
                not_started=not_started or [],
            ),
            **store_call(self._input.device_task_queue),
        )
        self._notify(status)

    def _notify(self, status: CampaignStatus) -> None:
        """Tenants hear of it on their webhooks, each with its own counts; in the background
        (a slow receiver never holds the campaign), awaited before the workflow ends."""
        assert self._input is not None
        self._notifications.append(
            workflow.start_activity_method(
                CampaignActivities.notify_campaign,
                CampaignNotifyInput(
                    campaign_id=self._input.campaign_id,
                    status=status,
                    at=workflow.now(),
                    reason=self._progress.reason if status == "halted" else "",
                    tenants=tenant_counts(self._progress.devices),
                ),
                **notification(self._input.device_task_queue),
            )
        )

    # -- the campaign ----------------------------------------------------------------------
    @workflow.run
    async def run(self, request: CampaignInput) -> CampaignResult:
        self._input = request
        try:
            plan: CampaignPlan = await workflow.execute_activity_method(
                CampaignActivities.campaign_plan,
                CampaignRef(campaign_id=request.campaign_id),
                **planning(request.device_task_queue, PLAN_HEARTBEAT_SECONDS),
            )
        except ActivityError as exc:
            cause = exc.cause
            reason = cause.message if isinstance(cause, ApplicationError) else str(exc)
            await self._status("failed", reason=f"plan: {reason}")
            await asyncio.gather(*self._notifications, return_exceptions=True)
            return self._result()
        self._start(plan)
        stop_reason = await self._run_waves(plan)
        await self._end(plan, stop_reason)
        return self._result()

    def _start(self, plan: CampaignPlan) -> None:
        """Progress for every wave and device (all pending), the concurrency limit, running."""
        strategy = plan.spec.strategy
        self._progress.allowed_failures = plan.allowed_failures
        canary = strategy.canary_size > 0
        self._progress.waves = [
            WaveProgress(index=i, canary=canary and i == 0, devices=len(w))
            for i, w in enumerate(plan.waves)
        ]
        for wave in plan.waves:
            for target in wave:
                self._progress.devices[target.key] = "pending"
        self._global_slots = asyncio.Semaphore(strategy.max_concurrency)
        self._respect_windows = plan.spec.respect_windows
        self._notify("running")

    async def _run_waves(self, plan: CampaignPlan) -> str:
        """Each wave in turn until one stops the campaign; returns why it stopped ("" if not)."""
        strategy = plan.spec.strategy
        for index, wave in enumerate(plan.waves):
            if index > 0 and strategy.pause_between_waves_seconds > 0:
                await sleep_unless(lambda: self._cancelled, strategy.pause_between_waves_seconds)
            if self._cancelled:
                break
            self._progress.current_wave = index
            results = await asyncio.gather(*(self._run_device(plan, t, index) for t in wave))
            wave_failures = sum(1 for r in results if r.outcome in FAILED_OUTCOMES)
            self._progress.failures += wave_failures
            if self._cancelled:
                break
            stop_reason = await self._after_wave(plan, index, results, wave_failures)
            if stop_reason is not None:
                return stop_reason
        return ""

    async def _after_wave(
        self, plan: CampaignPlan, index: int, results: list[DeviceRunResult], wave_failures: int
    ) -> str | None:
        """Whether the campaign goes on after wave `index`: None to go on, else why it stops
        ("" for a cancel at the canary gate). The canary must pass and prove itself, the
        failure budget hold, and the gate open."""
        strategy = plan.spec.strategy
        canary = index == 0 and strategy.canary_size > 0
        if canary and wave_failures:
            return f"canary failed on {wave_failures} device(s); no further wave"
        if canary and workflow.patched(CANARY_PROOF_PATCH):
            stop_reason = await self._prove_canary(plan, results)
            if stop_reason:
                return stop_reason
        if self._progress.failures > plan.allowed_failures:
            return (
                f"{self._progress.failures} failures exceed the budget of "
                f"{plan.allowed_failures}; remaining waves halted"
            )
        if canary and strategy.approve_after_canary and len(plan.waves) > 1:
            self._at_gate = True
            await self._status("awaiting_approval", reason="canary passed; waiting for approval")
            await workflow.wait_condition(lambda: self._approved or self._cancelled)
            self._at_gate = False
            if self._cancelled:
                return ""
            await self._status("paused" if self._paused else "running", reason="")
        return None

    async def _end(self, plan: CampaignPlan, stop_reason: str) -> None:
        """Devices never started are `not_started`; the campaign's final status once every
        handler is done; the notifications delivered."""
        untouched = [
            t for wave in plan.waves for t in wave if self._progress.devices[t.key] in UNTOUCHED
        ]
        for target in untouched:
            self._progress.devices[target.key] = "not_started"
        final: CampaignStatus = (
            "cancelled" if self._cancelled else "halted" if stop_reason else "completed"
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._status(
            final, reason=stop_reason or self._progress.reason, not_started=untouched
        )
        await asyncio.gather(*self._notifications, return_exceptions=True)

    async def _prove_canary(self, plan: CampaignPlan, results: list[DeviceRunResult]) -> str:
        """The waves open only after a canary was actually changed and verified: while every
        canary so far was already as intended, devices of the next waves take their place.
        Returns why the campaign stops ("" to go on)."""
        size = plan.spec.strategy.canary_size
        while not any(r.outcome in CHANGED_OUTCOMES for r in results) and not self._cancelled:
            stand_ins = take_from_later_waves(plan, self._progress, size)
            if not stand_ins:
                return ""  # every device was already as intended: nothing left to prove
            results = list(await asyncio.gather(*(self._run_device(plan, t, 0) for t in stand_ins)))
            failures = sum(1 for r in results if r.outcome in FAILED_OUTCOMES)
            self._progress.failures += failures
            if failures:
                return f"canary failed on {failures} device(s); no further wave"
        return ""

    def _result(self) -> CampaignResult:
        assert self._input is not None
        counts = summary(self._progress)["counts"]
        return CampaignResult(
            campaign_id=self._input.campaign_id,
            status=self._progress.status,
            reason=self._progress.reason,
            counts=counts if isinstance(counts, dict) else {},
            devices=list(self._results.values()),
        )

    def _tenant_slot(self, tenant: str, limit: int | None) -> asyncio.Semaphore:
        if tenant not in self._tenant_slots:
            self._tenant_slots[tenant] = asyncio.Semaphore(limit or 1_000_000)
        return self._tenant_slots[tenant]

    async def _run_device(self, plan: CampaignPlan, target: Target, wave: int) -> DeviceRunResult:
        assert self._input is not None
        strategy = plan.spec.strategy
        async with self._global_slots, self._tenant_slot(target.tenant, strategy.max_per_tenant):
            await workflow.wait_condition(lambda: not self._paused or self._cancelled)
            if self._cancelled:
                return DeviceRunResult(
                    tenant=target.tenant, device=target.device, outcome="not_started"
                )
            if plan.spec.respect_windows and not self._windows.covers(target.tenant):
                waited = await wait_for_window(
                    target,
                    campaign_id=self._input.campaign_id,
                    queue=self._input.device_task_queue,
                    progress=self._progress,
                    released=lambda: self._cancelled or self._windows.covers(target.tenant),
                )
                if waited and workflow.patched(PAUSE_AFTER_WINDOW_PATCH):
                    await workflow.wait_condition(lambda: not self._paused or self._cancelled)
                if self._cancelled:
                    return DeviceRunResult(
                        tenant=target.tenant, device=target.device, outcome="not_started"
                    )
            self._progress.devices[target.key] = "running"
            run = DeviceRunInput(
                campaign_id=self._input.campaign_id,
                target=target,
                kind=plan.spec.kind,
                device_task_queue=self._input.device_task_queue,
                image=plan.images.get(target.platform),
                features=plan.spec.features,
                reload_timeout_seconds=plan.spec.reload_timeout_seconds,
                heartbeat_timeout_seconds=plan.spec.heartbeat_timeout_seconds,
                tolerance=plan.spec.post_check,
            )
            child_id = f"{workflow.info().workflow_id}-{target.tenant}-{target.device}"
            if plan.spec.kind == "os_upgrade":
                result = await workflow.execute_child_workflow(
                    DeviceUpgradeWorkflow.run, run, id=child_id
                )
            else:
                result = await workflow.execute_child_workflow(
                    DeviceRolloutWorkflow.run, run, id=child_id
                )
        self._progress.devices[target.key] = result.outcome
        self._results[target.key] = result
        progress = self._progress.waves[wave]
        progress.done += 1
        if result.outcome in FAILED_OUTCOMES:
            progress.failed += 1
        return result

    # -- control ---------------------------------------------------------------------------
    def _check_active(self) -> None:
        if self._progress.status in FINAL:
            raise ValueError(f"the campaign is {self._progress.status}")

    @workflow.update(name="pause")
    async def pause(self, control: ControlInput) -> CampaignProgress:
        self._paused = True
        await self._status("paused", actor=control.actor, reason=control.comment or "paused")
        return self._progress

    @pause.validator
    def _validate_pause(self, control: ControlInput) -> None:
        self._check_active()
        if self._paused:
            raise ValueError("the campaign is already paused")

    @workflow.update(name="resume")
    async def resume(self, control: ControlInput) -> CampaignProgress:
        self._paused = False
        status: CampaignStatus = "awaiting_approval" if self._at_gate else "running"
        await self._status(status, actor=control.actor, reason="")
        return self._progress

    @resume.validator
    def _validate_resume(self, control: ControlInput) -> None:
        self._check_active()
        if not self._paused:
            raise ValueError("the campaign is not paused")

    @workflow.update(name="cancel")
    async def cancel(self, control: ControlInput) -> CampaignProgress:
        self._cancelled = True
        self._progress.reason = control.comment or f"cancelled by {control.actor}"
        return self._progress

    @cancel.validator
    def _validate_cancel(self, control: ControlInput) -> None:
        self._check_active()
        if self._cancelled:
            raise ValueError("the campaign is already being cancelled")

    @workflow.update(name="approve")
    async def approve(self, control: ControlInput) -> CampaignProgress:
        self._approved = True
        return self._progress

    @approve.validator
    def _validate_approve(self, control: ControlInput) -> None:
        if not self._at_gate or self._approved:
            raise ValueError(f"the campaign is {self._progress.status}, not awaiting approval")

    @workflow.update(name="override_window")
    def override_window(self, request: WindowOverrideInput) -> CampaignProgress:
        """Devices waiting for the window start now; later ones do not wait for it. Recorded
        by the caller (the campaign's events, the audit log): it issues no command."""
        self._windows.add(request)
        return self._progress

    @override_window.validator
    def _validate_override_window(self, request: WindowOverrideInput) -> None:
        self._check_active()
        if self._respect_windows is False:
            raise ValueError("the campaign runs outside maintenance windows: nothing to override")
        tenants = {key.split("/", 1)[0] for key in self._progress.devices}
        self._windows.check(request, tenants)

    @workflow.query(name="progress")
    def progress(self) -> CampaignProgress:
        return self._progress
