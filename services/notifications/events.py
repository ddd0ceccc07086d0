"""The events staff can hear of, and the message one of them becomes."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

StaffEvent = Literal[
    "change.awaiting_approval",
    "change.failed",
    "change.rolled_back",
    "campaign.awaiting_approval",
    "campaign.halted",
    "device.host_key_mismatch",
]
STAFF_EVENTS: tuple[StaffEvent, ...] = get_args(StaffEvent)

Severity = Literal["info", "warning", "failure"]


class StaffMessage(BaseModel):
    """One notification: a title and a body short enough for a phone, and what identifies it.

    `key` is the same for every attempt to tell of one event, so a receiver can drop a
    duplicate (the generic webhook sends it as `X-Netwave-Delivery`'s seed).
    """

    model_config = ConfigDict(frozen=True)

    event: StaffEvent
    title: str
    body: str
    severity: Severity
    tenant: str | None = None
    subject: str  # what it is about: change:<id>, campaign:<id>, device:<tenant>/<name>
    url: str
    key: str

    def payload(self) -> dict[str, Any]:
        """The fields a generic webhook receives beside apprise's title and message."""
        return {
            "event": self.event,
            "tenant": self.tenant,
            "subject": self.subject,
            "url": self.url,
            "key": self.key,
        }
