"""ChangeWorkflow timers with mocked activities on the time-skipping test server:
an approval that never comes expires; an approved change waits for its window, then for its
device (held by another change), and re-plans when the intent moved."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.utils.temporal import run_time
from workflows.changes.device import DeviceChangeWorkflow
from workflows.changes.models import (
    ChangeInput,
    ChangeResult,
    LockInput,
    NotifyInput,
    PlanInput,
    PlanSummary,
    StatusInput,
    WindowInput,
    WindowOut,
)
from workflows.changes.workflow import ChangeWorkflow
from workflows.runbook.models import Prepared, RunbookInput, RunbookStep

statuses: list[str] = []
records: list[StatusInput] = []
pushes: list[str] = []
locks: list[str] = []
AUTO = {"value": False}
# The contract's approval expiry for a change that waits for approval (None: not set).
EXPIRE: dict[str, int | None] = {"hours": 72}
# How the device lock answers: busy this many more times; plan_is_current's answers in turn;
# the commands hash of each plan, in turn.
BUSY = {"left": 0}
CURRENT: list[bool] = []
HASHES: list[str] = []


@activity.defn(name="plan_change")
async def plan(request: PlanInput) -> PlanSummary:
    return PlanSummary(
        revision=1,
        devices=["r1"],
        auto_approved=AUTO["value"],
        reason="test",
        expire_after_hours=None if AUTO["value"] else EXPIRE["hours"],
        commands_hash=HASHES.pop(0) if HASHES else "same",
    )


@activity.defn(name="plan_is_current")
async def current(request: PlanInput) -> bool:
    return CURRENT.pop(0) if CURRENT else True


@activity.defn(name="lock_change_devices")
async def lock(request: LockInput) -> None:
    if BUSY["left"] > 0:
        BUSY["left"] -= 1
        locks.append("busy")
        raise ApplicationError("waiting for the device: held r1 by change other", type="DeviceBusy")
    locks.append("locked")


@activity.defn(name="unlock_change_devices")
async def unlock(request: LockInput) -> None:
    locks.append("unlocked")


@activity.defn(name="set_change_status")
async def set_status(request: StatusInput) -> None:
    statuses.append(request.to_status)
    records.append(request)


@activity.defn(name="record_override")
async def record_override(request: StatusInput) -> None:
    return None


@activity.defn(name="notify_change")
async def notify(request: NotifyInput) -> None:
    return None


@activity.defn(name="next_change_window")
async def window(request: WindowInput) -> WindowOut:
    start = request.now + timedelta(hours=10)
    return WindowOut(start=start, end=start + timedelta(hours=4))


@activity.defn(name="device_prepare")
async def prepare(request: RunbookInput) -> Prepared:
    return Prepared(ok=True, backup_version=1)


def _step(name: str) -> object:
    @activity.defn(name=name)
    async def step(request: RunbookInput) -> RunbookStep:
        if name == "device_push":
            pushes.append(request.device)
        return RunbookStep(ok=True)

    return step


ACTIVITIES = [plan, current, lock, unlock, set_status, record_override, notify, window, prepare] + [
    _step(n) for n in ("device_push", "device_verify", "device_restore")
]


async def start(
    env: WorkflowEnvironment, queue: str
) -> WorkflowHandle[ChangeWorkflow, ChangeResult]:
    return await env.client.start_workflow(
        ChangeWorkflow.run,
        ChangeInput(tenant="acme", change_id=str(uuid.uuid4()), device_task_queue=queue),
        id=f"change-{uuid.uuid4()}",
        task_queue=queue,
    )


def reset(auto: bool) -> None:
    statuses.clear()
    records.clear()
    EXPIRE["hours"] = 72
    pushes.clear()
    locks.clear()
    CURRENT.clear()
    HASHES.clear()
    BUSY["left"] = 0
    AUTO["value"] = auto


@pytest.mark.parametrize(("contract", "hours"), [(5, 5), (None, 72)])
async def test_an_unanswered_approval_expires_after_the_contracts_hours_or_72(
    skipping_env: WorkflowEnvironment, contract: int | None, hours: int
) -> None:
    reset(auto=False)
    EXPIRE["hours"] = contract
    queue = f"test-{uuid.uuid4()}"
    async with Worker(
        skipping_env.client,
        task_queue=queue,
        workflows=[ChangeWorkflow, DeviceChangeWorkflow],
        activities=ACTIVITIES,
    ):
        handle = await start(skipping_env, queue)
        result = await handle.result()  # the test server skips the hours
    assert result.status == "expired"
    assert statuses == ["planned", "awaiting_approval", "expired"]
    assert [(r.actor, r.detail) for r in records[1:]] == [
        ("policy", {"revision": 1, "reason": "test"}),
        ("netwave", {"after_hours": hours}),
    ]
    assert timedelta(hours=hours) <= await run_time(handle) < timedelta(hours=hours + 1)
    assert pushes == []


async def test_approved_change_waits_for_its_window(skipping_env: WorkflowEnvironment) -> None:
    reset(auto=True)
    queue = f"test-{uuid.uuid4()}"
    async with Worker(
        skipping_env.client,
        task_queue=queue,
        workflows=[ChangeWorkflow, DeviceChangeWorkflow],
        activities=ACTIVITIES,
    ):
        handle = await start(skipping_env, queue)
        result = await handle.result()
        waited = await run_time(handle)
    assert result.status == "verified"
    assert statuses == ["planned", "approved", "scheduled", "applying", "verified"]
    assert pushes == ["r1"]
    assert timedelta(hours=10) <= waited < timedelta(hours=11), waited
    assert locks == ["locked"]


async def run_auto(env: WorkflowEnvironment) -> ChangeResult:
    queue = f"test-{uuid.uuid4()}"
    async with Worker(
        env.client,
        task_queue=queue,
        workflows=[ChangeWorkflow, DeviceChangeWorkflow],
        activities=ACTIVITIES,
    ):
        return await (await start(env, queue)).result()


async def test_a_busy_device_is_waited_for_then_applied(skipping_env: WorkflowEnvironment) -> None:
    reset(auto=True)
    BUSY["left"] = 3
    result = await run_auto(skipping_env)
    assert result.status == "verified"
    assert locks == ["busy", "busy", "busy", "locked"]
    assert pushes == ["r1"]


async def test_replan_with_the_same_commands_keeps_the_decision(
    skipping_env: WorkflowEnvironment,
) -> None:
    reset(auto=True)
    CURRENT.append(False)  # an earlier change on the device was verified meanwhile
    HASHES.extend(["same", "same"])
    result = await run_auto(skipping_env)
    assert result.status == "verified"
    assert statuses == ["planned", "approved", "scheduled", "applying", "verified"]
    assert locks == ["locked"]


async def test_replan_with_other_commands_gives_the_device_back_and_decides_again(
    skipping_env: WorkflowEnvironment,
) -> None:
    reset(auto=True)
    CURRENT.append(False)
    HASHES.extend(["first", "second"])
    result = await run_auto(skipping_env)
    assert result.status == "verified"
    assert statuses == [
        "planned",
        "approved",
        "scheduled",
        "planned",
        "approved",
        "scheduled",
        "applying",
        "verified",
    ]
    assert locks == ["locked", "unlocked", "locked"]
    assert pushes == ["r1"]
