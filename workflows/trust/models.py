"""Inputs and outputs of the host-key trust workflow (names and fingerprints, never keys)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class TrustInput(BaseModel):
    tenant: str
    devices: list[str] = Field(default_factory=list, description="empty means every device")
    replace: bool = Field(
        default=False, description="replace a recorded key the host no longer presents"
    )
    requested_by: str = "system"
    device_task_queue: str = "netwave-devices"


class TrustedHost(BaseModel):
    """One host's first contact: what it presented and what netwave recorded."""

    role: Literal["device", "jump_host"]
    host: str = Field(description="the device name, or the jump host's address")
    address: str = Field(description="as known_hosts names it: host or [host]:port")
    outcome: Literal["new", "unchanged", "replaced", "mismatch"] | None = Field(
        default=None, description="None when the key could not be read (see error)"
    )
    key_type: str | None = None
    fingerprint: str | None = Field(default=None, description="what the host presented")
    previous: str | None = Field(default=None, description="the recorded fingerprint before")
    error: str | None = None


class TrustReport(BaseModel):
    tenant: str
    hosts: list[TrustedHost]

    @property
    def failed(self) -> list[TrustedHost]:
        return [h for h in self.hosts if h.error is not None or h.outcome == "mismatch"]
