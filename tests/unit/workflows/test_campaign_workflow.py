"""CampaignWorkflow with mocked device steps on the time-skipping test server: every device
starts only inside its tenant's maintenance window; the canary gate and the budget."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest_asyncio
from temporalio import activity
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.campaigns.spec import CampaignSpec
from services.campaigns.targets import Target, plan_waves
from services.core.temporal import temporal_test_server_path
from services.network.upgrade import Image
from tests.utils.temporal import SERVER_STARTUP
from workflows.campaign.device import DeviceRolloutWorkflow, DeviceUpgradeWorkflow
from workflows.campaign.models import (
    BootInput,
    CampaignInput,
    CampaignNotifyInput,
    CampaignPlan,
    CampaignRef,
    CampaignResult,
    CampaignStatusInput,
    DeviceRunInput,
    DeviceStatusInput,
    PreCheck,
    ReloadInput,
    StepResult,
    WaitInput,
)
from workflows.campaign.workflow import CampaignWorkflow
from workflows.change.models import WindowInput, WindowOut

IMAGE = Image(platform="cisco_ios", version="2", filename="new.bin", size=10, md5="0" * 32)
TARGETS = [
    Target(tenant="early", device="e1", platform="cisco_ios"),
    Target(tenant="late", device="l1", platform="cisco_ios"),
]
events: list[str] = []
statuses: list[str] = []
notified: list[CampaignNotifyInput] = []


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(temporal_test_server_path()),
        test_server_startup_timeout=SERVER_STARTUP,
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()


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
    statuses.append(request.status)


@activity.defn(name="notify_campaign")
async def notify(request: CampaignNotifyInput) -> None:
    notified.append(request)


@activity.defn(name="campaign_device_status")
async def device_status(request: DeviceStatusInput) -> None:
    events.append(f"{request.target.device}:{request.status}")


@activity.defn(name="next_change_window")
async def window(request: WindowInput) -> WindowOut:
    start = request.now - timedelta(minutes=1)
    if request.tenant == "late":
        start = request.now + timedelta(hours=10)
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


async def test_each_device_starts_inside_its_tenants_window(
    skipping_env: WorkflowEnvironment,
) -> None:
    events.clear()
    statuses.clear()
    notified.clear()
    queue = f"q-{uuid.uuid4().hex[:8]}"
    async with Worker(
        skipping_env.client,
        task_queue=queue,
        workflows=[CampaignWorkflow, DeviceUpgradeWorkflow, DeviceRolloutWorkflow],
        activities=ACTIVITIES,
    ):
        started = await skipping_env.get_current_time()
        result = await skipping_env.client.execute_workflow(
            CampaignWorkflow.run,
            CampaignInput(campaign_id="c1", device_task_queue=queue),
            id=f"campaign-{uuid.uuid4()}",
            task_queue=queue,
            result_type=CampaignResult,
        )
        elapsed = await skipping_env.get_current_time() - started
    assert result.status == "completed", result
    assert result.counts == {"upgraded": 2}
    # The early tenant's device went first; the late one waited (about 10 h) for its window.
    assert events.index("e1:reload") < events.index("l1:reload")
    assert "l1:waiting_window" in events and "e1:waiting_window" not in events
    assert elapsed >= timedelta(hours=9, minutes=59)
    assert statuses[-1] == "completed"
    # Tenant webhooks: each status change carries every tenant's own counts, separately.
    assert [n.status for n in notified] == ["running", "completed"]
    assert notified[-1].tenants == {"early": {"upgraded": 1}, "late": {"upgraded": 1}}


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
    async with Worker(
        skipping_env.client,
        task_queue=queue,
        workflows=[CampaignWorkflow, DeviceUpgradeWorkflow, DeviceRolloutWorkflow],
        activities=[replaced.get(a, a) for a in ACTIVITIES],
    ):
        result = await skipping_env.client.execute_workflow(
            CampaignWorkflow.run,
            CampaignInput(campaign_id="c2", device_task_queue=queue),
            id=f"campaign-{uuid.uuid4()}",
            task_queue=queue,
            result_type=CampaignResult,
        )
    outcomes = {d.device: d.outcome for d in result.devices}
    # The skipped canary proved nothing: the next device stood in as canary, failed, and the
    # campaign stopped before the wave it came from.
    assert outcomes["a-done"] == "skipped" and outcomes["b-bad"] in ("rolled_back", "failed")
    assert "c-later:reload" not in events and "c-later" not in outcomes
    assert result.counts.get("not_started") == 1, result.counts
    assert result.status == "halted" and "canary failed" in result.reason, result
