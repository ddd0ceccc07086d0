"""Inputs and outputs of the audit workflow and its activities: ids, scores and hashes only."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AuditInput(BaseModel):
    tenant: str
    requested_by: str = "system"
    chunk_size: int = Field(default=50, ge=1, le=5000)
    max_parallel_chunks: int = Field(default=8, ge=1, le=256)
    device_task_queue: str = "netwave-devices"
    heartbeat_timeout_seconds: float = Field(default=30.0, ge=2.0, le=600.0)


class AuditStartInput(BaseModel):
    tenant: str
    workflow_id: str
    requested_by: str


class AuditPlan(BaseModel):
    report_id: str
    devices: list[str]


class AuditChunkInput(BaseModel):
    tenant: str
    report_id: str
    run_id: str
    devices: list[str]


class DeviceAudit(BaseModel):
    device: str
    status: str
    score: float
    backup_version: int | None = None
    running_hash: str | None = None


class AuditChunkResult(BaseModel):
    devices: list[DeviceAudit]


class AuditFinishInput(BaseModel):
    tenant: str
    report_id: str


class AuditProgress(BaseModel):
    report_id: str | None = None
    total: int = 0
    done: int = 0
    counts: dict[str, int] = Field(default_factory=dict)


class AuditResult(BaseModel):
    tenant: str
    report_id: str
    score: float | None
    counts: dict[str, int]
