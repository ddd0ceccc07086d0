"""Maintenance windows in a campaign: each device waits for its tenant's next window, unless an
admin overrode the window (for the whole campaign, or for one tenant) while it runs.

Workflow code (deterministic): the window comes from an activity, the wait is a timer that a
cancel or an override ends early. Split from `workflow.py`, the commands are those it issued.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from services.campaigns.targets import Target
    from workflows.campaigns.activities import CampaignActivities
    from workflows.campaigns.models import CampaignProgress, DeviceStatusInput, WindowOverrideInput
    from workflows.changes.lifecycle import ChangeLifecycleActivities
    from workflows.changes.models import WindowInput, WindowOut
    from workflows.common.options import store_call

# A device that waited for its window starts only if the campaign is not paused by then (before
# this, a window opening during a pause started the device). Histories from before replay as
# they ran.
PAUSE_AFTER_WINDOW_PATCH = "campaign-pause-after-window"


async def sleep_unless(released: Callable[[], bool], seconds: float) -> None:
    """A timer of `seconds` that ends early once `released()` is true."""
    with contextlib.suppress(TimeoutError):
        await workflow.wait_condition(released, timeout=timedelta(seconds=seconds))


async def wait_for_window(
    target: Target,
    *,
    campaign_id: str,
    queue: str,
    progress: CampaignProgress,
    released: Callable[[], bool],
) -> bool:
    """Until the tenant's next maintenance window starts (the device recorded as waiting for
    it), or until `released()`: the campaign is cancelled or the window overridden. Returns
    whether the device waited."""
    window: WindowOut = await workflow.execute_activity_method(
        ChangeLifecycleActivities.next_change_window,
        WindowInput(tenant=target.tenant, now=workflow.now()),
        **store_call(queue),
    )
    wait = window.start - workflow.now()
    if wait > timedelta(0):
        progress.devices[target.key] = "waiting_window"
        await workflow.execute_activity_method(
            CampaignActivities.campaign_device_status,
            DeviceStatusInput(
                campaign_id=campaign_id,
                target=target,
                status="waiting_window",
                detail=f"next window of {target.tenant}: {window.start}",
            ),
            **store_call(queue),
        )
        await sleep_unless(released, wait.total_seconds())
        return True
    return False


class WindowOverrides:
    """Which tenants' devices no longer wait for a window: an admin's override, for every
    tenant of the campaign or for one."""

    def __init__(self) -> None:
        self.everyone = False
        self.tenants: set[str] = set()

    def covers(self, tenant: str) -> bool:
        return self.everyone or tenant in self.tenants

    def add(self, request: WindowOverrideInput) -> None:
        if request.tenant is None:
            self.everyone = True
        else:
            self.tenants.add(request.tenant)

    def check(self, request: WindowOverrideInput, campaign_tenants: set[str]) -> None:
        """Refuse an override that changes nothing (ValueError says why)."""
        if self.everyone:
            raise ValueError("the maintenance windows of this campaign are already overridden")
        tenant = request.tenant
        if tenant is not None and campaign_tenants and tenant not in campaign_tenants:
            raise ValueError(f"tenant {tenant!r} has no device in this campaign")
        if tenant is not None and tenant in self.tenants:
            raise ValueError(f"the maintenance window of {tenant} is already overridden")
