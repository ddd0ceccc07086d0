"""Inputs and outputs of the campaign workflows, activities and updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.campaigns.lifecycle import CampaignDeviceStatus, CampaignStatus
from services.campaigns.lifecycle import DeviceOutcome as DeviceOutcome
from services.campaigns.spec import CampaignSpec, PostCheckTolerance
from services.campaigns.targets import Target
from services.network.upgrade import Image


class CampaignInput(BaseModel):
    campaign_id: str
    device_task_queue: str = "netwave-devices"


class CampaignRef(BaseModel):
    campaign_id: str


class CampaignPlan(BaseModel):
    spec: CampaignSpec
    waves: list[list[Target]]
    images: dict[str, Image] = Field(default_factory=dict, description="platform -> image")
    allowed_failures: int


class DeviceRunInput(BaseModel):
    """Everything one device's runbook needs; steps add what earlier steps found."""

    campaign_id: str
    target: Target
    kind: Literal["os_upgrade", "config_rollout"]
    device_task_queue: str = "netwave-devices"
    image: Image | None = None
    features: list[str] = Field(default_factory=list)
    reload_timeout_seconds: float = 900
    heartbeat_timeout_seconds: float = 30
    tolerance: PostCheckTolerance = Field(default_factory=PostCheckTolerance)
    # found by earlier steps
    from_version: str | None = None
    previous_image: str | None = None
    before: dict[str, Any] = Field(default_factory=dict)


class PreCheck(BaseModel):
    ok: bool
    skip: bool = False
    detail: str = ""
    version: str | None = None
    boot_image: str | None = None
    before: dict[str, Any] = Field(default_factory=dict)


class BootInput(BaseModel):
    run: DeviceRunInput
    image: str
    fallback: str | None = None


class ReloadInput(BaseModel):
    run: DeviceRunInput
    once_key: str = Field(description="upgrade_reload or rollback_reload")


class WaitInput(BaseModel):
    run: DeviceRunInput
    expect_version: str


class StepResult(BaseModel):
    ok: bool
    detail: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class DeviceStatusInput(BaseModel):
    campaign_id: str
    target: Target
    status: CampaignDeviceStatus | None = None
    step: str | None = None
    detail: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)


class DeviceRunResult(BaseModel):
    tenant: str
    device: str
    outcome: DeviceOutcome
    detail: str = ""


class CampaignStatusInput(BaseModel):
    campaign_id: str
    status: CampaignStatus
    actor: str = "netwave"
    summary: dict[str, Any] | None = None
    not_started: list[Target] = Field(default_factory=list)


class CampaignNotifyInput(BaseModel):
    """One status change for the tenants' webhooks: per tenant, its own device counts only."""

    campaign_id: str
    status: CampaignStatus
    at: datetime
    reason: str = Field(default="", description="netwave's words only, never a comment")
    tenants: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="tenant -> its devices by status"
    )

    def staff(self) -> dict[str, Any]:
        """What a staff message about it needs (`tell_of_campaign`'s arguments but the name)."""
        return {
            "campaign_id": self.campaign_id,
            "status": self.status,
            "reason": self.reason,
            "tenants": self.tenants,
            "at": self.at,
        }


class WaveProgress(BaseModel):
    index: int
    canary: bool
    devices: int
    done: int = 0
    failed: int = 0


class CampaignProgress(BaseModel):
    status: CampaignStatus = "running"
    current_wave: int = -1
    waves: list[WaveProgress] = Field(default_factory=list)
    devices: dict[str, str] = Field(default_factory=dict, description="tenant/device -> state")
    failures: int = 0
    allowed_failures: int = 0
    reason: str = ""


class ControlInput(BaseModel):
    """pause, resume, cancel or approve, by whom and why."""

    actor: str = Field(min_length=1, max_length=255)
    comment: str = Field(default="", max_length=1000)


class WindowOverrideInput(BaseModel):
    """An admin's override of the maintenance windows of a running campaign: devices waiting
    for a window start now, later ones do not wait (one tenant's, or every tenant's if None)."""

    actor: str = Field(min_length=1, max_length=255)
    reason: str = Field(min_length=1, max_length=500)
    tenant: str | None = Field(default=None, max_length=63)


class CampaignResult(BaseModel):
    campaign_id: str
    status: CampaignStatus
    reason: str = ""
    counts: dict[str, int] = Field(default_factory=dict)
    devices: list[DeviceRunResult] = Field(default_factory=list)
