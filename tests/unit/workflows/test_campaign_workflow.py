"""CampaignWorkflow with mocked device steps on the time-skipping test server: every device
starts only inside its tenant's maintenance window; the canary gate and the budget."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.campaigns.spec import CampaignSpec
from services.campaigns.targets import Target, plan_waves
from services.network.upgrade import Image
from tests.utils.temporal import run_time
from workflows.campaigns.device import DeviceRolloutWorkflow, DeviceUpgradeWorkflow
from workflows.campaigns.models import (
    BootInput,
    CampaignInput,
    CampaignNotifyInput,
    CampaignPlan,
    CampaignRef,
    CampaignResult,
    CampaignStatusInput,
    ControlInput,
    DeviceRunInput,
    DeviceStatusInput,
    PreCheck,
    ReloadInput,
    StepResult,
    WaitInput,
)
from workflows.campaigns.workflow import CampaignWorkflow
from workflows.changes.models import WindowInput, WindowOut

IMAGE = Image(platform="cisco_ios", version="2", filename="new.bin", size=10, md5="0" * 32)
TARGETS = [
    Target(tenant="early", device="e1", platform="cisco_ios"),
    Target(tenant="late", device="l1", platform="cisco_ios"),
]
events: list[str] = []
statuses: list[str] = []
notified: list[CampaignNotifyInput] = []
status_records: list[CampaignStatusInput] = []
device_records: list[DeviceStatusInput] = []
window_starts: dict[str, datetime] = {}
# Which record activity refuses, as a campaign whose row was deleted would: (activity, attempts).
GONE: dict[str, int] = {}


@activity.defn(name="campaign_plan")
async def plan(ref: CampaignRef) -> CampaignPlan:
    spec = CampaignSpec(
        name="t",
        kind="os_upgrade",
        target_versions={"cisco_ios": "2"},
        strategy={"canary_size": 0, "wave_size": 2},  # type: ignore[arg-type]
    )
    return CampaignPlan(
        spec=spec, waves=plan_waves(TARGETS, 0, 2), images={"cisco_ios": IMAGE}, allowed_failures=0
    )


@activity.defn(name="campaign_status")
async def campaign_status(request: CampaignStatusInput) -> None:
    _gone("campaign_status")
    statuses.append(request.status)
    status_records.append(request)


@activity.defn(name="notify_campaign")
async def notify(request: CampaignNotifyInput) -> None:
    notified.append(request)


@activity.defn(name="campaign_device_status")
async def device_status(request: DeviceStatusInput) -> None:
    if request.status == "waiting_window":
        _gone("campaign_device_status")
    events.append(f"{request.target.device}:{request.status}")
    device_records.append(request)


def _gone(name: str) -> None:
    if name in GONE:
        GONE[name] += 1
        raise ApplicationError(f"campaign c1 not found ({name})", type="NotFound")


@activity.defn(name="next_change_window")
async def window(request: WindowInput) -> WindowOut:
    start = request.now - timedelta(minutes=1)
    if request.tenant == "late":
        start = request.now + timedelta(hours=10)
    window_starts[request.tenant] = start
    return WindowOut(start=start, end=start + timedelta(hours=4))


@activity.defn(name="upgrade_pre_check")
async def pre_check(run: DeviceRunInput) -> PreCheck:
    return PreCheck(ok=True, version="1", boot_image="old.bin")


@activity.defn(name="campaign_backup")
async def backup(run: DeviceRunInput) -> StepResult:
    return StepResult(ok=True)


@activity.defn(name="upgrade_stage")
async def stage(run: DeviceRunInput) -> StepResult:
    return StepResult(ok=True)


@activity.defn(name="upgrade_set_boot")
async def set_boot(request: BootInput) -> StepResult:
    return StepResult(ok=True)


@activity.defn(name="upgrade_reload")
async def reload(request: ReloadInput) -> StepResult:
    events.append(f"{request.run.target.device}:reload")
    return StepResult(ok=True)


@activity.defn(name="upgrade_wait")
async def wait(request: WaitInput) -> StepResult:
    return StepResult(ok=True, data={"version": "2"})


@activity.defn(name="upgrade_post_check")
async def post_check(run: DeviceRunInput) -> StepResult:
    return StepResult(ok=True)


def reset() -> None:
    for recorded in (events, statuses, notified, status_records, device_records):
        recorded.clear()
    window_starts.clear()
    GONE.clear()


ACTIVITIES = [
    plan,
    campaign_status,
    notify,
    device_status,
    window,
    pre_check,
    backup,
    stage,
    set_boot,
    reload,
    wait,
    post_check,
]


def worker(env: WorkflowEnvironment, queue: str, activities: list[Any] = ACTIVITIES) -> Worker:
    return Worker(
        env.client,
        task_queue=queue,
        workflows=[CampaignWorkflow, DeviceUpgradeWorkflow, DeviceRolloutWorkflow],
        activities=activities,
        workflow_failure_exception_types=[Exception],  # a workflow bug fails, not hangs
    )


async def start(
    env: WorkflowEnvironment, queue: str, campaign_id: str, timeout: timedelta | None = None
) -> WorkflowHandle[CampaignWorkflow, CampaignResult]:
    return await env.client.start_workflow(
        CampaignWorkflow.run,
        CampaignInput(campaign_id=campaign_id, device_task_queue=queue),
        id=f"campaign-{uuid.uuid4()}",
        task_queue=queue,
        result_type=CampaignResult,
        execution_timeout=timeout,
    )


async def test_each_device_starts_inside_its_tenants_window(
    skipping_env: WorkflowEnvironment,
) -> None:
    reset()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    async with worker(skipping_env, queue):
        handle = await start(skipping_env, queue, "c1")
        result = await handle.result()
        elapsed = await run_time(handle)
    assert result.status == "completed", result
    assert result.counts == {"upgraded": 2}
    # The early tenant's device went first; the late one waited (about 10 h) for its window.
    assert events.index("e1:reload") < events.index("l1:reload")
    assert "l1:waiting_window" in events and "e1:waiting_window" not in events
    assert timedelta(hours=9, minutes=59) <= elapsed < timedelta(hours=11), elapsed
    assert statuses[-1] == "completed"
    # Tenant webhooks: each status change carries every tenant's own counts, separately.
    assert [n.status for n in notified] == ["running", "completed"]
    assert notified[-1].tenants == {"early": {"upgraded": 1}, "late": {"upgraded": 1}}
    # What the store is told: netwave moved it (no person), the summary in full, and when the
    # late tenant's window opens.
    assert {r.actor for r in status_records} == {"netwave"}
    assert status_records[-1].summary == {
        "reason": "",
        "counts": {"upgraded": 2},
        "failures": 0,
        "allowed_failures": 0,
        "waves": 1,
        "current_wave": 0,
    }
    waiting = [(r.target.device, r.detail) for r in device_records if r.status == "waiting_window"]
    assert waiting == [("l1", f"next window of late: {window_starts['late']}")]


# -- a canary that was already on target proves nothing ------------------------------------
CANARY_TARGETS = [
    Target(tenant="early", device="a-done", platform="cisco_ios"),  # already on version 2
    Target(tenant="early", device="b-bad", platform="cisco_ios"),  # fails its post-check
    Target(tenant="early", device="c-later", platform="cisco_ios"),
]


@activity.defn(name="campaign_plan")
async def canary_plan(ref: CampaignRef) -> CampaignPlan:
    spec = CampaignSpec(
        name="t",
        kind="os_upgrade",
        target_versions={"cisco_ios": "2"},
        strategy={"canary_size": 1, "wave_size": 2, "max_concurrency": 2},  # type: ignore[arg-type]
    )
    return CampaignPlan(
        spec=spec,
        waves=plan_waves(CANARY_TARGETS, 1, 2),
        images={"cisco_ios": IMAGE},
        allowed_failures=5,
    )


@activity.defn(name="upgrade_pre_check")
async def canary_pre_check(run: DeviceRunInput) -> PreCheck:
    done = run.target.device == "a-done"
    return PreCheck(ok=True, skip=done, version="2" if done else "1", boot_image="old.bin")


@activity.defn(name="upgrade_post_check")
async def canary_post_check(run: DeviceRunInput) -> StepResult:
    return StepResult(ok=run.target.device != "b-bad", detail="BGP down")


async def test_waves_open_only_after_a_canary_was_really_upgraded(
    skipping_env: WorkflowEnvironment,
) -> None:
    events.clear()
    statuses.clear()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    replaced = {plan: canary_plan, pre_check: canary_pre_check, post_check: canary_post_check}
    async with worker(skipping_env, queue, [replaced.get(a, a) for a in ACTIVITIES]):
        result = await (await start(skipping_env, queue, "c2")).result()
    outcomes = {d.device: d.outcome for d in result.devices}
    # The skipped canary proved nothing: the next device stood in as canary, failed, and the
    # campaign stopped before the wave it came from.
    assert outcomes["a-done"] == "skipped" and outcomes["b-bad"] in ("rolled_back", "failed")
    assert "c-later:reload" not in events and "c-later" not in outcomes
    assert result.counts.get("not_started") == 1, result.counts
    assert result.status == "halted" and "canary failed" in result.reason, result


# -- cancelled while a device waits for its window; a campaign whose record is gone --------
async def test_a_device_cancelled_while_waiting_for_its_window_is_not_started(
    skipping_env: WorkflowEnvironment,
) -> None:
    reset()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    async with worker(skipping_env, queue):
        handle = await start(skipping_env, queue, "c3")
        # No time passes until the result is awaited: the late device waits for its window.
        async with asyncio.timeout(120):  # a bound, not a timing: it is reached in ms
            while "l1:waiting_window" not in events or "e1:upgraded" not in events:
                await asyncio.sleep(0.05)
        await handle.execute_update(
            CampaignWorkflow.cancel, ControlInput(actor="noc-alice", comment="")
        )
        result = await handle.result()
    assert (result.status, result.reason) == ("cancelled", "cancelled by noc-alice")
    assert result.counts == {"upgraded": 1, "not_started": 1}, result.counts
    assert status_records[-1].not_started == [TARGETS[1]]
    assert "l1:reload" not in events


@pytest.mark.parametrize("record", ["campaign_status", "campaign_device_status"])
async def test_a_campaign_whose_record_is_gone_fails_without_retrying(
    skipping_env: WorkflowEnvironment, record: str
) -> None:
    reset()
    GONE[record] = 0
    queue = f"q-{uuid.uuid4().hex[:8]}"
    async with worker(skipping_env, queue):
        handle = await start(skipping_env, queue, "c1", timeout=timedelta(days=2))
        with pytest.raises(WorkflowFailureError):
            await handle.result()
    assert GONE[record] == 1  # NotFound is not retried
