"""ChangeWorkflow timers with mocked activities on the time-skipping test server:
an approval that never comes expires; an approved change waits for its window."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from temporalio import activity
from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.core.temporal import temporal_test_server_path
from workflows.change.device import DeviceChangeWorkflow
from workflows.change.models import (
    ChangeInput,
    ChangeResult,
    DeviceChangeInput,
    DeviceStep,
    NotifyInput,
    PlanInput,
    PlanSummary,
    StatusInput,
    WindowInput,
    WindowOut,
)
from workflows.change.workflow import ChangeWorkflow

statuses: list[str] = []
pushes: list[str] = []
AUTO = {"value": False}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(temporal_test_server_path()),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


@activity.defn(name="plan_change")
async def plan(request: PlanInput) -> PlanSummary:
    return PlanSummary(
        revision=1,
        devices=["r1"],
        auto_approved=AUTO["value"],
        reason="test",
        expire_after_hours=None if AUTO["value"] else 72,
    )


@activity.defn(name="plan_is_current")
async def current(request: PlanInput) -> bool:
    return True


@activity.defn(name="set_change_status")
async def set_status(request: StatusInput) -> None:
    statuses.append(request.to_status)


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


def _step(name: str) -> object:
    @activity.defn(name=name)
    async def step(request: DeviceChangeInput) -> DeviceStep:
        if name == "change_push":
            pushes.append(request.device)
        return DeviceStep(ok=True, data={"version": 1})

    return step


ACTIVITIES = [plan, current, set_status, record_override, notify, window] + [
    _step(n)
    for n in (
        "change_backup",
        "change_pre_check",
        "change_push",
        "change_verify",
        "change_rollback",
    )
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


async def test_unanswered_approval_expires_and_touches_nothing(
    skipping_env: WorkflowEnvironment,
) -> None:
    statuses.clear()
    pushes.clear()
    AUTO["value"] = False
    queue = f"test-{uuid.uuid4()}"
    async with Worker(
        skipping_env.client,
        task_queue=queue,
        workflows=[ChangeWorkflow, DeviceChangeWorkflow],
        activities=ACTIVITIES,
    ):
        handle = await start(skipping_env, queue)
        result = await handle.result()  # the test server skips the 72 hours
    assert result.status == "expired"
    assert statuses == ["planned", "awaiting_approval", "expired"]
    assert pushes == []


async def test_approved_change_waits_for_its_window(skipping_env: WorkflowEnvironment) -> None:
    statuses.clear()
    pushes.clear()
    AUTO["value"] = True
    queue = f"test-{uuid.uuid4()}"
    async with Worker(
        skipping_env.client,
        task_queue=queue,
        workflows=[ChangeWorkflow, DeviceChangeWorkflow],
        activities=ACTIVITIES,
    ):
        handle = await start(skipping_env, queue)
        before = await skipping_env.get_current_time()
        result = await handle.result()
        waited = await skipping_env.get_current_time() - before
    assert result.status == "verified"
    assert statuses == ["planned", "approved", "scheduled", "applying", "verified"]
    assert pushes == ["r1"]
    assert waited >= timedelta(hours=10), waited
