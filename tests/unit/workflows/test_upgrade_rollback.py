"""DeviceUpgradeWorkflow's rollback with mocked device steps on the time-skipping test server:
each way back (boot restored before a reload, back on the old version after one, a rollback
that fails) ends in its own outcome with a detail that names what happened (issue #21:
mutation testing showed the outcomes and details of `_rollback` were never checked)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from services.campaigns.targets import Target
from services.network.upgrade import Image
from workflows.campaigns.device import DeviceUpgradeWorkflow
from workflows.campaigns.models import (
    BootInput,
    DeviceRunInput,
    DeviceRunResult,
    DeviceStatusInput,
    PreCheck,
    ReloadInput,
    StepResult,
    WaitInput,
)

IMAGE = Image(platform="cisco_ios", version="2", filename="new.bin", size=10, md5="0" * 32)
REFUSED = ApplicationError("flash is read-only", type="PlanError", non_retryable=True)


@dataclass
class Device:
    """What the mocked device answers, and what was done to it."""

    version: str = "1"
    boot_image: str | None = "old.bin"
    boots: list[StepResult | ApplicationError] = field(default_factory=list)
    waits: list[StepResult] = field(default_factory=list)
    booted: list[str] = field(default_factory=list)
    reloads: list[str] = field(default_factory=list)
    records: list[tuple[str | None, str | None]] = field(default_factory=list)


DEVICE = Device()


@activity.defn(name="upgrade_pre_check")
async def pre_check(run: DeviceRunInput) -> PreCheck:
    return PreCheck(ok=True, version=DEVICE.version, boot_image=DEVICE.boot_image)


@activity.defn(name="upgrade_set_boot")
async def set_boot(request: BootInput) -> StepResult:
    DEVICE.booted.append(request.image)
    answer = DEVICE.boots.pop(0) if DEVICE.boots else StepResult(ok=True)
    if isinstance(answer, ApplicationError):
        raise answer
    return answer


@activity.defn(name="upgrade_reload")
async def reload(request: ReloadInput) -> StepResult:
    DEVICE.reloads.append(request.once_key)
    return StepResult(ok=True)


@activity.defn(name="upgrade_wait")
async def wait(request: WaitInput) -> StepResult:
    return DEVICE.waits.pop(0) if DEVICE.waits else StepResult(ok=True)


def _passes(name: str) -> Any:
    """A step the device always passes (backup, stage, post-check)."""

    @activity.defn(name=name)
    async def step(run: DeviceRunInput) -> StepResult:
        return StepResult(ok=True)

    return step


@activity.defn(name="campaign_device_status")
async def device_status(request: DeviceStatusInput) -> None:
    DEVICE.records.append((request.status, request.detail))


ACTIVITIES = [pre_check, set_boot, reload, wait, device_status] + [
    _passes(name) for name in ("campaign_backup", "upgrade_stage", "upgrade_post_check")
]
WRONG_VERSION = StepResult(ok=False, detail="running 1, expected 2")


@pytest.mark.parametrize(
    ("device", "outcome", "detail", "booted", "reloads"),
    [
        pytest.param(
            Device(boots=[StepResult(ok=False, detail="no space on flash")]),
            "rolled_back",
            "set boot: no space on flash; boot restored",
            ["new.bin", "old.bin"],
            [],
            id="boot-refused-before-reload",
        ),
        pytest.param(
            Device(boot_image=None, boots=[StepResult(ok=False, detail="no space on flash")]),
            "failed",
            "set boot: no space on flash; no previous image to roll back to",
            ["new.bin"],
            [],
            id="no-previous-image",
        ),
        pytest.param(
            Device(version="", boots=[StepResult(ok=False, detail="no space on flash")]),
            "failed",
            "set boot: no space on flash; no previous image to roll back to",
            ["new.bin"],
            [],
            id="no-previous-version",
        ),
        pytest.param(
            Device(waits=[WRONG_VERSION, StepResult(ok=True)]),
            "rolled_back",
            "version: running 1, expected 2; back on 1",
            ["new.bin", "old.bin"],
            ["upgrade_reload", "rollback_reload"],
            id="back-on-the-old-version",
        ),
        pytest.param(
            Device(waits=[WRONG_VERSION, StepResult(ok=False, detail="still on 2")]),
            "failed",
            "version: running 1, expected 2; rollback: still on 2",
            ["new.bin", "old.bin"],
            ["upgrade_reload", "rollback_reload"],
            id="rollback-did-not-come-back",
        ),
        pytest.param(
            Device(waits=[WRONG_VERSION], boots=[StepResult(ok=True), REFUSED]),
            "failed",
            "version: running 1, expected 2; rollback: flash is read-only",
            ["new.bin", "old.bin"],
            ["upgrade_reload"],
            id="rollback-boot-refused",
        ),
    ],
)
async def test_each_way_back_is_its_own_outcome(
    skipping_env: WorkflowEnvironment,
    device: Device,
    outcome: str,
    detail: str,
    booted: list[str],
    reloads: list[str],
) -> None:
    global DEVICE
    DEVICE = device
    queue = f"q-{uuid.uuid4().hex[:8]}"
    run = DeviceRunInput(
        campaign_id="c1",
        target=Target(tenant="acme", device="r1", platform="cisco_ios"),
        kind="os_upgrade",
        device_task_queue=queue,
        image=IMAGE,
    )
    async with Worker(
        skipping_env.client,
        task_queue=queue,
        workflows=[DeviceUpgradeWorkflow],
        activities=ACTIVITIES,
        # A workflow bug (an outcome the model refuses) fails the test at once, not by timeout.
        workflow_failure_exception_types=[Exception],
    ):
        result = await skipping_env.client.execute_workflow(
            DeviceUpgradeWorkflow.run,
            run,
            id=f"upgrade-{uuid.uuid4()}",
            task_queue=queue,
            result_type=DeviceRunResult,
        )
    assert (result.outcome, result.detail) == (outcome, detail)
    assert device.records == [(outcome, detail)]  # the campaign's record says the same
    assert (device.booted, device.reloads) == (booted, reloads)
