"""Inputs and outputs of the backup workflow and its activities (ids and hashes, never configs)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class BackupOutcome(StrEnum):
    backed_up = "backed_up"
    unchanged = "unchanged"
    unreachable = "unreachable"
    auth_failed = "auth_failed"
    timeout = "timeout"
    no_credential = "no_credential"
    host_key_mismatch = "host_key_mismatch"
    host_key_not_trusted = "host_key_not_trusted"
    failed = "failed"


class FleetBackupInput(BaseModel):
    tenants: list[str] = Field(default_factory=list, description="empty means every tenant")
    requested_by: str = "system"
    chunk_size: int = Field(default=100, ge=1, le=5000)
    device_task_queue: str = "netwave-devices"
    heartbeat_timeout_seconds: float = Field(default=30.0, ge=2.0, le=600.0)


class BackupTargetsInput(BaseModel):
    tenants: list[str] = Field(default_factory=list)


class BackupTargets(BaseModel):
    devices: dict[str, list[str]] = Field(description="tenant -> device names")


class BackupChunkInput(BaseModel):
    tenant: str
    devices: list[str]
    run_id: str


class DeviceBackup(BaseModel):
    tenant: str
    device: str
    outcome: BackupOutcome
    version: int | None = None
    content_hash: str | None = None
    error: str | None = None


class BackupChunkResult(BaseModel):
    devices: list[DeviceBackup]


class BackupProgress(BaseModel):
    total: int = 0
    done: int = 0
    counts: dict[str, int] = Field(default_factory=dict)


class FleetBackupResult(BaseModel):
    run_id: str
    devices: list[DeviceBackup]
    counts: dict[str, int]
