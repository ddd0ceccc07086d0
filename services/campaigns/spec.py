"""What an engineer asks for when launching a campaign: kind, targets and strategy.

Numbers and switches are strict (`strict=True`): a JSON number for a number, `true`/`false` for
a switch; `true` is no canary size and `"5"` no wave size. Every number has an upper bound.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

CampaignKind = Literal["os_upgrade", "config_rollout"]
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
MAX_DEVICES = 100_000


class TargetSelection(BaseModel):
    """Which devices: every non-empty list narrows the selection (empty means any)."""

    model_config = ConfigDict(extra="forbid")

    tenants: list[str] = Field(default_factory=list, max_length=1000)
    sites: list[str] = Field(default_factory=list, max_length=1000)
    roles: list[str] = Field(default_factory=list, max_length=100)
    platforms: list[str] = Field(default_factory=list, max_length=20)
    devices: list[str] = Field(default_factory=list, max_length=MAX_DEVICES)


class Strategy(BaseModel):
    """Canary, waves, concurrency and the failure budget."""

    model_config = ConfigDict(extra="forbid")

    canary_size: int = Field(default=1, ge=0, le=1000, strict=True, description="devices in wave 0")
    wave_size: int = Field(default=10, ge=1, le=10_000, strict=True)
    max_concurrency: int = Field(
        default=10, ge=1, le=1000, strict=True, description="devices at once"
    )
    max_per_tenant: int | None = Field(
        default=None, ge=1, le=1000, strict=True, description="devices of one tenant at once"
    )
    max_failures: int | None = Field(
        default=0,
        ge=0,
        le=MAX_DEVICES,
        strict=True,
        description="halt when more devices than this fail (count)",
    )
    max_failure_percent: float | None = Field(
        default=None,
        ge=0,
        le=100,
        strict=True,
        description="halt when more than this % of targets fail",
    )
    pause_between_waves_seconds: float = Field(default=0, ge=0, le=86_400, strict=True)
    approve_after_canary: bool = Field(
        default=False,
        strict=True,
        description="wait for an approver between the canary and wave 1",
    )


class PostCheckTolerance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route_count_percent: float = Field(default=10.0, ge=0, le=100, strict=True)
    settle_seconds: float = Field(
        default=60.0, ge=0, le=3600, strict=True, description="how long BGP may take to come back"
    )


class CampaignSpec(BaseModel):
    """A campaign as launched: validated before anything starts."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, pattern=NAME)
    kind: CampaignKind
    targets: TargetSelection = Field(default_factory=TargetSelection)
    strategy: Strategy = Field(default_factory=Strategy)
    target_versions: dict[str, str] = Field(
        default_factory=dict, description="os_upgrade: platform -> version from the catalogue"
    )
    features: list[str] = Field(
        default_factory=list, max_length=50, description="config_rollout: template features"
    )
    respect_windows: bool = Field(
        default=True, strict=True, description="start each device only inside its tenant's window"
    )
    reload_timeout_seconds: float = Field(default=900, ge=1, le=7200, strict=True)
    heartbeat_timeout_seconds: float = Field(
        default=30,
        ge=2,
        le=600,
        strict=True,
        description="a step on a crashed worker restarts after this",
    )
    post_check: PostCheckTolerance = Field(default_factory=PostCheckTolerance)

    @model_validator(mode="after")
    def _kind_fields(self) -> Self:
        if self.kind == "os_upgrade" and not self.target_versions:
            raise ValueError("an os_upgrade needs target_versions: {platform: version}")
        if self.kind == "config_rollout" and not self.features:
            raise ValueError("a config_rollout needs features, e.g. ['ntp', 'logging']")
        if self.kind == "os_upgrade" and self.features:
            raise ValueError("features belong to a config_rollout, not an os_upgrade")
        if self.kind == "config_rollout" and self.target_versions:
            raise ValueError("target_versions belong to an os_upgrade, not a config_rollout")
        return self
