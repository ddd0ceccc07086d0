"""CampaignWorkflow's override_window update on the time-skipping test server: a device waiting
for its tenant's closed window starts at once, later devices of that tenant do not wait, and an
override that changes nothing is refused before it enters history. A window that opens while
the campaign is paused starts nothing until it is resumed."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from services.campaigns.spec import CampaignSpec
from services.campaigns.targets import Target, plan_waves
from tests.unit.workflows.test_campaign_workflow import (
    ACTIVITIES,
    IMAGE,
    TARGETS,
    events,
    plan,
    reset,
    start,
    window,
    window_starts,
    worker,
)
from tests.utils.temporal import run_time
from workflows.campaigns.models import (
    CampaignPlan,
    CampaignRef,
    ControlInput,
    WindowOverrideInput,
)
from workflows.campaigns.workflow import CampaignWorkflow
from workflows.changes.models import WindowInput, WindowOut

ADMIN = "noc-admin@msp.example"
asked: list[str] = []  # the tenant of each next_change_window call


async def until(*wanted: str) -> None:
    """Until every `wanted` device event was recorded (no workflow time passes meanwhile)."""
    async with asyncio.timeout(120):  # a bound, not a timing: it is reached in ms
        while not all(w in events for w in wanted):
            await asyncio.sleep(0.05)


async def test_a_device_waiting_for_a_closed_window_runs_at_once_after_the_override(
    skipping_env: WorkflowEnvironment,
) -> None:
    reset()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    async with worker(skipping_env, queue):
        handle = await start(skipping_env, queue, "c-override")
        await until("l1:waiting_window", "e1:upgraded")
        with pytest.raises(WorkflowUpdateFailedError) as unknown:
            await handle.execute_update(
                CampaignWorkflow.override_window,
                WindowOverrideInput(actor=ADMIN, reason="outage", tenant="nosuch"),
            )
        assert "tenant 'nosuch' has no device in this campaign" in str(unknown.value.cause)
        await handle.execute_update(
            CampaignWorkflow.override_window, WindowOverrideInput(actor=ADMIN, reason="outage")
        )
        with pytest.raises(WorkflowUpdateFailedError) as again:
            await handle.execute_update(
                CampaignWorkflow.override_window,
                WindowOverrideInput(actor=ADMIN, reason="again", tenant="late"),
            )
        assert "already overridden" in str(again.value.cause)
        result = await handle.result()
        elapsed = await run_time(handle)
    assert result.status == "completed" and result.counts == {"upgraded": 2}, result
    assert events.index("l1:waiting_window") < events.index("l1:reload")
    # The late tenant's window opens in 10 h: the device did not wait for it.
    assert elapsed < timedelta(hours=1), elapsed
    assert window_starts["late"] - window_starts["early"] > timedelta(hours=9)


LATE_TWO = [*TARGETS, Target(tenant="late", device="l2", platform="cisco_ios")]


@activity.defn(name="campaign_plan")
async def one_late_at_a_time(ref: CampaignRef) -> CampaignPlan:
    spec = CampaignSpec(
        name="t",
        kind="os_upgrade",
        target_versions={"cisco_ios": "2"},
        strategy={"canary_size": 0, "wave_size": 3, "max_per_tenant": 1},  # type: ignore[arg-type]
    )
    return CampaignPlan(
        spec=spec, waves=plan_waves(LATE_TWO, 0, 3), images={"cisco_ios": IMAGE}, allowed_failures=0
    )


@activity.defn(name="next_change_window")
async def counted_window(request: WindowInput) -> WindowOut:
    asked.append(request.tenant)
    result: WindowOut = await window(request)
    return result


async def test_one_tenant_s_override_lets_its_later_devices_start_without_waiting(
    skipping_env: WorkflowEnvironment,
) -> None:
    reset()
    asked.clear()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    replaced = {plan: one_late_at_a_time, window: counted_window}
    async with worker(skipping_env, queue, [replaced.get(a, a) for a in ACTIVITIES]):
        handle = await start(skipping_env, queue, "c-tenant")
        # One late device at a time: l1 waits for the window, l2 waits for l1.
        await until("l1:waiting_window", "e1:upgraded")
        await handle.execute_update(
            CampaignWorkflow.override_window,
            WindowOverrideInput(actor=ADMIN, reason="customer asked", tenant="late"),
        )
        result = await handle.result()
        elapsed = await run_time(handle)
    assert result.status == "completed" and result.counts == {"upgraded": 3}, result
    assert sorted(asked) == ["early", "late"]  # l2 never asked for its window
    assert "l2:waiting_window" not in events
    assert elapsed < timedelta(hours=1), elapsed


async def window_timer_fired(handle: WorkflowHandle[Any, Any]) -> None:
    """Until the workflow has handled its window timer (a task completed after it fired)."""
    async with asyncio.timeout(120):  # a bound, not a timing
        while True:
            kinds = [e.event_type for e in (await handle.fetch_history()).events]
            if EventType.EVENT_TYPE_TIMER_FIRED in kinds:
                fired = kinds.index(EventType.EVENT_TYPE_TIMER_FIRED)
                if EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in kinds[fired:]:
                    return
            await asyncio.sleep(0.05)


async def test_a_window_that_opens_during_a_pause_starts_nothing_until_resumed(
    skipping_env: WorkflowEnvironment,
) -> None:
    reset()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    async with worker(skipping_env, queue):
        handle = await start(skipping_env, queue, "c-paused")
        await until("l1:waiting_window", "e1:upgraded")
        await handle.execute_update(
            CampaignWorkflow.pause, ControlInput(actor="noc-alice", comment="freeze")
        )
        await skipping_env.sleep(timedelta(hours=11))  # the late tenant's window opens
        await window_timer_fired(handle)
        progress = await handle.query(CampaignWorkflow.progress)
        assert progress.devices["late/l1"] == "waiting_window", progress.devices
        assert "l1:reload" not in events
        await handle.execute_update(CampaignWorkflow.resume, ControlInput(actor="noc-alice"))
        result = await handle.result()
    assert result.status == "completed" and result.counts == {"upgraded": 2}, result
