"""ChangeWorkflow: one per change request.

submitted -> planned -> awaiting_approval -> approved | rejected | expired -> scheduled ->
applying -> verified | rolled_back | failed. Nothing reaches a device before approval.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ActivityConfig

with workflow.unsafe.imports_passed_through():
    from services.changes.lifecycle import ChangeStatus
    from workflows.changes.activities import ChangeActivities
    from workflows.changes.device import DeviceChangeWorkflow
    from workflows.changes.lifecycle import ChangeLifecycleActivities
    from workflows.changes.models import (
        ChangeInput,
        ChangeProgress,
        ChangeResult,
        Decision,
        DecisionRecord,
        DeviceChangeInput,
        DeviceChangeResult,
        LockInput,
        NotifyInput,
        PlanInput,
        PlanSummary,
        StatusInput,
        StopRequest,
        WindowInput,
        WindowOut,
        WindowOverride,
    )
    from workflows.changes.options import DECISION_RECORD_PATCH, DEVICE_LOCK_PATCH, MAX_REPLANS
    from workflows.changes.rules import check_decision, check_stop
    from workflows.common.options import lock_wait, notification, planning, store_call


class _Stopped(Exception):
    """The change was withdrawn or cancelled: the runbook ends before any device is touched."""


@workflow.defn(name="ChangeWorkflow")
class ChangeWorkflow:
    def __init__(self) -> None:
        self._progress = ChangeProgress()
        self._decision: Decision | None = None
        self._override: WindowOverride | None = None
        self._stop: StopRequest | None = None
        self._applying = False  # from here on the change can no longer be stopped
        self._notifications: list[Any] = []
        self._input: ChangeInput | None = None
        # Remediation: the features the approver took (None: all of the request's).
        self._features: list[str] | None = None
        self._plan_features: list[str] = []

    # -- helpers ---------------------------------------------------------------------------
    def _store(self, heartbeat: bool = True) -> ActivityConfig:
        """A store call on the device queue; heartbeating ones are retried soon after a crash."""
        assert self._input is not None
        seconds = self._input.heartbeat_timeout_seconds if heartbeat else None
        return store_call(self._input.device_task_queue, seconds)

    async def _status(self, to_status: ChangeStatus, actor: str, **extra: Any) -> None:
        assert self._input is not None
        detail = extra.pop("detail", {})
        await workflow.execute_activity_method(
            ChangeLifecycleActivities.set_change_status,
            StatusInput(
                tenant=self._input.tenant,
                change_id=self._input.change_id,
                to_status=to_status,
                actor=actor,
                detail=detail,
                **extra,
            ),
            **self._store(),
        )
        self._progress.status = to_status
        workflow.logger.info(
            "change %s %s by %s",
            self._input.change_id,
            to_status,
            actor,
            extra={"tenant": self._input.tenant, "status": to_status, "actor": actor},
        )
        # Webhooks never block the change: delivered in the background, awaited at the end.
        self._notifications.append(
            workflow.start_activity_method(
                ChangeLifecycleActivities.notify_change,
                NotifyInput(
                    tenant=self._input.tenant,
                    change_id=self._input.change_id,
                    status=to_status,
                    detail=detail,
                ),
                **notification(self._input.device_task_queue),
            )
        )

    async def _plan(self) -> PlanSummary:
        assert self._input is not None
        plan = await workflow.execute_activity_method(
            ChangeActivities.plan_change,
            PlanInput(
                tenant=self._input.tenant, change_id=self._input.change_id, features=self._features
            ),
            **planning(self._input.device_task_queue, self._input.heartbeat_timeout_seconds),
        )
        self._progress.plan_revision = plan.revision
        self._progress.devices = {d: "planned" for d in plan.devices}
        self._plan_features = plan.features
        return plan

    async def _finish(
        self, status: ChangeStatus, devices: list[DeviceChangeResult]
    ) -> ChangeResult:
        await asyncio.gather(*self._notifications, return_exceptions=True)
        assert self._input is not None
        return ChangeResult(change_id=self._input.change_id, status=status, devices=devices)

    # -- the runbook -----------------------------------------------------------------------
    @workflow.run
    async def run(self, request: ChangeInput) -> ChangeResult:
        self._input = request
        try:
            return await self._runbook(request)
        except _Stopped:
            stop = self._stop
            assert stop is not None
            await self._status(stop.outcome, stop.actor, detail={"reason": stop.reason})
            return await self._finish(stop.outcome, [])
        except ActivityError as exc:
            cause = exc.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(exc)
            await self._status("failed", "netwave", failure=message, detail={"error": message})
            return await self._finish("failed", [])

    def _check_stop(self) -> None:
        """Leave the runbook (see `run`) when the change was withdrawn or cancelled."""
        if self._stop is not None:
            raise _Stopped

    async def _runbook(self, request: ChangeInput) -> ChangeResult:
        plan = await self._plan()
        self._check_stop()
        await self._status(
            "planned", "netwave", detail={"revision": plan.revision, "reason": plan.reason}
        )
        locking = workflow.patched(DEVICE_LOCK_PATCH)
        window: WindowOut | None = None
        for _ in range(MAX_REPLANS):
            self._check_stop()
            if plan.auto_approved:
                await self._status("approved", "policy", detail={"reason": plan.reason})
            else:
                outcome = await self._await_decision(plan)
                if outcome != "approved":
                    return await self._finish(outcome, [])
                plan = await self._take_subset(plan)
            if locking:
                # One change at a time per device, in its window, against the newest intent.
                window = window or await self._wait_for_window(request)
                await self._lock(request, plan.devices)
            current = await workflow.execute_activity_method(
                ChangeActivities.plan_is_current,
                PlanInput(tenant=request.tenant, change_id=request.change_id),
                **planning(request.device_task_queue, request.heartbeat_timeout_seconds),
            )
            if current:
                break
            # The device or its intent changed since the plan: plan again.
            approved = plan.commands_hash
            plan = await self._plan()
            if locking and approved and plan.commands_hash == approved:
                break  # the same commands as decided: the decision stands
            if locking:
                await self._unlock(request)
                window = None
            reason = "device config or intent changed; re-planned"
            await self._status(
                "planned", "netwave", detail={"revision": plan.revision, "reason": reason}
            )
            self._decision = None
        else:
            await self._status("failed", "netwave", failure="device config keeps changing")
            return await self._finish("failed", [])

        window = window or await self._wait_for_window(request)
        self._check_stop()
        self._applying = True  # no stop is accepted from here: the devices may be touched
        await self._status("applying", "netwave", detail={"window_start": window.start.isoformat()})
        results = await asyncio.gather(
            *(self._apply_device(request, device, plan.revision) for device in plan.devices)
        )
        outcomes = {r.outcome for r in results}
        final: ChangeStatus = (
            "verified"
            if outcomes <= {"verified", "unchanged"}
            else "failed"
            if "failed" in outcomes
            else "rolled_back"
        )
        detail = {r.device: f"{r.outcome}: {r.detail}"[:500] for r in results}
        extra = {"failure": "; ".join(detail.values())} if final != "verified" else {}
        # `verified` writes the intent revision; every final status releases the devices.
        await self._status(final, "netwave", detail=detail, **extra)
        return await self._finish(final, list(results))

    async def _take_subset(self, plan: PlanSummary) -> PlanSummary:
        """A remediation approved for some of its features: plan those alone."""
        decision = self._decision
        if decision is None or not decision.features:
            return plan
        self._features = list(decision.features)
        return await self._plan()

    async def _lock(self, request: ChangeInput, devices: list[str]) -> None:
        for device in devices:
            self._progress.devices[device] = "waiting for the device"
        # The lock waits for other changes on the devices: a stop does not wait with it.
        lock = workflow.start_activity_method(
            ChangeLifecycleActivities.lock_change_devices,
            LockInput(tenant=request.tenant, change_id=request.change_id, devices=devices),
            **lock_wait(request.device_task_queue),
        )
        await workflow.wait_condition(lambda: lock.done() or self._stop is not None)
        if not lock.done():
            lock.cancel()
            raise _Stopped
        await lock
        for device in devices:
            self._progress.devices[device] = "planned"

    async def _unlock(self, request: ChangeInput) -> None:
        await workflow.execute_activity_method(
            ChangeLifecycleActivities.unlock_change_devices,
            LockInput(tenant=request.tenant, change_id=request.change_id, devices=[]),
            **self._store(heartbeat=False),
        )

    async def _await_decision(self, plan: PlanSummary) -> ChangeStatus:
        await self._status(
            "awaiting_approval", "policy", detail={"revision": plan.revision, "reason": plan.reason}
        )
        hours = (
            (self._input.approval_timeout_hours if self._input else 0)
            or plan.expire_after_hours
            or 72
        )
        try:
            await workflow.wait_condition(
                lambda: self._decision is not None or self._stop is not None,
                timeout=timedelta(hours=hours),
            )
        except TimeoutError:
            await self._status("expired", "netwave", detail={"after_hours": hours})
            return "expired"
        self._check_stop()
        decision = self._decision
        assert decision is not None and self._input is not None
        if workflow.patched(DECISION_RECORD_PATCH):
            # Recorded before the change moves: the approval row and the audit entry commit
            # together, whatever happens to the API that sent the update.
            await workflow.execute_activity_method(
                ChangeLifecycleActivities.record_decision,
                DecisionRecord(
                    tenant=self._input.tenant, change_id=self._input.change_id, decision=decision
                ),
                **self._store(heartbeat=False),
            )
        detail = {"comment": decision.comment, "revision": decision.plan_revision}
        await self._status(decision.decision, decision.approver, detail=detail)
        return decision.decision

    async def _wait_for_window(self, request: ChangeInput) -> WindowOut:
        window: WindowOut = await workflow.execute_activity_method(
            ChangeLifecycleActivities.next_change_window,
            WindowInput(tenant=request.tenant, now=workflow.now()),
            **self._store(),
        )
        self._progress.window_start = window.start
        await self._status(
            "scheduled",
            "netwave",
            window_start=window.start,
            window_end=window.end,
            detail={"window_start": window.start.isoformat(), "window_end": window.end.isoformat()},
        )
        wait = window.start - workflow.now()
        if wait > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._override is not None or self._stop is not None, timeout=wait
                )
        self._check_stop()
        if self._override is not None:
            await self._audit_override()
        return window

    async def _audit_override(self) -> None:
        assert self._input is not None and self._override is not None
        await workflow.execute_activity_method(
            ChangeLifecycleActivities.record_override,
            StatusInput(
                tenant=self._input.tenant,
                change_id=self._input.change_id,
                to_status="scheduled",
                actor=self._override.actor,
                detail={"override_reason": self._override.reason},
            ),
            **self._store(),
        )

    async def _apply_device(
        self, request: ChangeInput, device: str, revision: int
    ) -> DeviceChangeResult:
        self._progress.devices[device] = "applying"
        result: DeviceChangeResult = await workflow.execute_child_workflow(
            DeviceChangeWorkflow.run,
            DeviceChangeInput(
                tenant=request.tenant,
                change_id=request.change_id,
                device=device,
                plan_revision=revision,
                device_task_queue=request.device_task_queue,
                heartbeat_timeout_seconds=request.heartbeat_timeout_seconds,
            ),
            id=f"{workflow.info().workflow_id}-{device}",
        )
        self._progress.devices[device] = result.outcome
        return result

    # -- approver and admin input ----------------------------------------------------------
    @workflow.update(name="decide")
    async def decide(self, decision: Decision) -> ChangeProgress:
        self._decision = decision
        return self._progress

    @decide.validator
    def _validate_decision(self, decision: Decision) -> None:
        requester = self._input.requester if self._input else None
        decided = self._decision is not None
        check_decision(self._progress, decided, requester, self._plan_features, decision)

    @workflow.update(name="stop")
    async def stop(self, request: StopRequest) -> ChangeProgress:
        self._stop = request
        return self._progress

    @stop.validator
    def _validate_stop(self, request: StopRequest) -> None:
        check_stop(self._progress, self._applying, self._stop, request)

    @workflow.update(name="override_window")
    async def override_window(self, override: WindowOverride) -> ChangeProgress:
        self._override = override
        return self._progress

    @override_window.validator
    def _validate_override(self, override: WindowOverride) -> None:
        if self._progress.status != "scheduled":
            raise ValueError(f"the change is {self._progress.status}, not waiting for a window")

    @workflow.query(name="progress")
    def progress(self) -> ChangeProgress:
        return self._progress
