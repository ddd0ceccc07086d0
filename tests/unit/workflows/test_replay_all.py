"""Every saved history (tests/data/histories, recorded by `make record-histories`) replays with
the workflows of today: a change to workflow code that would break a workflow already running
fails here, naming the history. And the check does catch a break: a ChangeWorkflow that
schedules one more activity, or one fewer, fails to replay a saved change."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

with workflow.unsafe.imports_passed_through():
    from workflows.changes.activities import ChangeActivities
    from workflows.changes.models import ChangeInput, ChangeResult, PlanInput, PlanSummary
    from workflows.changes.workflow import ChangeWorkflow
    from workflows.common.options import STORE_RETRY as RETRY
    from workflows.registry import WORKFLOWS

HISTORIES = Path(__file__).resolve().parents[2] / "data" / "histories"
FILES = sorted(HISTORIES.rglob("*.json"))


def load(path: Path) -> WorkflowHistory:
    """The history with the id its workflow ran under (child workflow ids derive from it, and
    replay compares them), read from its first event; older files without it: the file name."""
    doc: dict[str, Any] = json.loads(path.read_text())
    started = doc["events"][0].get("workflowExecutionStartedEventAttributes", {})
    return WorkflowHistory.from_json(started.get("workflowId") or path.stem, doc)


def workflow_type(path: Path) -> str:
    doc: dict[str, Any] = json.loads(path.read_text())
    name: str = doc["events"][0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]
    return name


def replayer(*workflows: type, runner: WorkflowRunner | None = None) -> Replayer:
    """As the worker runs them (services/worker/main.py): the default sandboxed runner."""
    return Replayer(
        workflows=list(workflows),
        data_converter=pydantic_data_converter,
        workflow_runner=runner or SandboxedWorkflowRunner(),
    )


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(HISTORIES)) for p in FILES])
async def test_saved_history_replays(path: Path) -> None:
    result = await replayer(*WORKFLOWS).replay_workflow(load(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


def test_every_registered_workflow_type_has_a_saved_history() -> None:
    registered = {str(workflow._Definition.must_from_class(w).name) for w in WORKFLOWS}
    saved = {workflow_type(p) for p in FILES}
    assert registered <= saved, f"no saved history of {sorted(registered - saved)}"


# -- the check catches a break --------------------------------------------------------------
@workflow.defn(name="ChangeWorkflow")
class ChangeWorkflowWithAnExtraActivity(ChangeWorkflow):
    """Asks whether the plan is current before planning: one activity more, unpatched."""

    @workflow.run
    async def run(self, request: ChangeInput) -> ChangeResult:
        return await super().run(request)

    async def _plan(self) -> PlanSummary:
        assert self._input is not None
        await workflow.execute_activity_method(
            ChangeActivities.plan_is_current,
            PlanInput(tenant=self._input.tenant, change_id=self._input.change_id),
            task_queue=self._input.device_task_queue,
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=RETRY,
        )
        return await super()._plan()


@workflow.defn(name="ChangeWorkflow")
class ChangeWorkflowWithoutOverrideRecord(ChangeWorkflow):
    """No longer records the window override: one activity fewer, unpatched."""

    @workflow.run
    async def run(self, request: ChangeInput) -> ChangeResult:
        return await super().run(request)

    async def _audit_override(self) -> None:
        return None


@pytest.mark.parametrize(
    ("broken", "mismatch"),
    [
        (ChangeWorkflowWithAnExtraActivity, "'plan_change' does not match"),
        (ChangeWorkflowWithoutOverrideRecord, "'record_override' does not match"),
    ],
    ids=["extra activity", "activity removed"],
)
async def test_a_broken_change_workflow_fails_to_replay_a_saved_change(
    broken: type, mismatch: str
) -> None:
    path = HISTORIES / "change_auto_approved.json"
    others = [w for w in WORKFLOWS if w is not ChangeWorkflow]
    history = load(path)
    assert (await replayer(*WORKFLOWS).replay_workflow(history)).replay_failure is None
    # The broken classes live in this module: the sandbox takes it as imported (re-importing it
    # would read the histories' folder, which a workflow may not).
    runner = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(__name__)
    )
    result = await replayer(broken, *others, runner=runner).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert isinstance(result.replay_failure, workflow.NondeterminismError), result.replay_failure
    assert mismatch in str(result.replay_failure)
