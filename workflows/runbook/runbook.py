"""The device runbook, written once for changes, remediations and config rollouts:

backup + pre-check -> push (under the platform's safety net) -> verify -> confirm and save,
or, when the push or the verify fails, restore the backup. Workflow code (deterministic):
the device workflows run it as their child's body (`DeviceChangeWorkflow`,
`DeviceRolloutWorkflow`), each with its own job and outcome names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.common.options import device_step
    from workflows.runbook.activities import RunbookActivities
    from workflows.runbook.models import (
        Prepared,
        RunbookInput,
        RunbookOutcome,
        RunbookResult,
        RunbookStep,
    )

# Histories from before the one runbook (one activity a step, the rollout without a safety
# net) replay as they ran; see workflows/runbook/legacy.py for their activities.
RUNBOOK_PATCH = "one-device-runbook"

R = TypeVar("R")
Step = Callable[[RunbookActivities, RunbookInput], R]
# How a device workflow runs a step: by default once with the device-step options; a
# campaign's runs it again after a lost worker (workflows/campaigns/device.py).
Caller = Callable[[Step[Any], RunbookInput], Awaitable[Any]]


def why(exc: ActivityError) -> str:
    cause = exc.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause or exc)


class DeviceRunbook:
    def __init__(self, call: Caller | None = None) -> None:
        self.step = "pending"
        self._call = call or self._execute

    async def _execute(self, step: Step[R], request: RunbookInput) -> R:
        options = device_step(request.device_task_queue, request.heartbeat_timeout_seconds)
        return await workflow.execute_activity_method(step, request, **options)

    async def _run(self, step: Step[R], request: RunbookInput) -> R:
        self.step = step.__name__
        result: R = await self._call(step, request)
        return result

    def _end(self, outcome: RunbookOutcome, detail: str, version: int | None) -> RunbookResult:
        self.step = outcome
        return RunbookResult(outcome=outcome, detail=detail, backup_version=version)

    async def run(self, request: RunbookInput) -> RunbookResult:
        try:
            ready: Prepared = await self._run(RunbookActivities.device_prepare, request)
        except ActivityError as exc:
            return self._end("failed", f"pre-check failed: {why(exc)}", None)
        version = ready.backup_version
        if ready.skip:
            return self._end("skipped", ready.detail, version)
        if not ready.ok:  # nothing was pushed: nothing to restore
            return self._end("refused", f"pre-check failed: {ready.detail}", version)
        request = request.model_copy(update={"before": ready.before})
        try:
            push: RunbookStep = await self._run(RunbookActivities.device_push, request)
            reason = f"push failed: {push.detail}"
            if push.ok:
                verify: RunbookStep = await self._run(RunbookActivities.device_verify, request)
                if verify.ok:
                    return self._end("applied", f"{push.detail}; {verify.detail}", version)
                reason = f"verify failed: {verify.detail}"
        except ActivityError as exc:
            reason = f"{self.step} failed: {why(exc)}"
        try:
            back: RunbookStep = await self._run(RunbookActivities.device_restore, request)
        except ActivityError as exc:
            return self._end("failed", f"{reason}; rollback: {why(exc)}", version)
        outcome: RunbookOutcome = "rolled_back" if back.ok else "failed"
        return self._end(outcome, f"{reason}; rollback: {back.detail}", version)
