"""What one device's runbook carries: the job it does on the device and what its steps found."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from services.campaigns.spec import PostCheckTolerance


class ChangeJob(BaseModel):
    """A capacity change or a remediation: push the approved plan of `change_id`."""

    kind: Literal["change"] = "change"
    change_id: str


class RolloutJob(BaseModel):
    """A campaign's config rollout: bring `features` of the device to its intent."""

    kind: Literal["rollout"] = "rollout"
    campaign_id: str
    features: list[str] = Field(default_factory=list)
    tolerance: PostCheckTolerance = Field(default_factory=PostCheckTolerance)


Job = Annotated[ChangeJob | RolloutJob, Field(discriminator="kind")]


class RunbookInput(BaseModel):
    """One device, the job to do on it, and how its steps run."""

    job: Job
    tenant: str
    device: str
    before: dict[str, Any] = Field(default_factory=dict, description="pre-check state")
    device_task_queue: str = "netwave-devices"
    heartbeat_timeout_seconds: float = 30


class Prepared(BaseModel):
    """Backup and pre-check: the backup's version, the state before, and whether to go on."""

    ok: bool
    skip: bool = False  # nothing to change on the device: no backup, nothing pushed
    detail: str = ""
    backup_version: int | None = None
    before: dict[str, Any] = Field(default_factory=dict)


class RunbookStep(BaseModel):
    """What a push, a verify or a restore did."""

    ok: bool
    detail: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


RunbookOutcome = Literal["applied", "skipped", "refused", "rolled_back", "failed"]


class RunbookResult(BaseModel):
    outcome: RunbookOutcome
    detail: str = ""
    backup_version: int | None = None
