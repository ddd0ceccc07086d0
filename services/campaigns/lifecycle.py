"""The statuses of a campaign and of each of its devices, for the store, workflows and API."""

from __future__ import annotations

from typing import Literal, get_args

CampaignStatus = Literal[
    "running", "paused", "awaiting_approval", "completed", "halted", "cancelled", "failed"
]
CAMPAIGN_STATUSES: tuple[CampaignStatus, ...] = get_args(CampaignStatus)
# A campaign in one of these starts nothing any more.
FINAL_STATUSES: frozenset[CampaignStatus] = frozenset(
    {"completed", "halted", "cancelled", "failed"}
)

# How one device's runbook ended.
DeviceOutcome = Literal["upgraded", "applied", "skipped", "rolled_back", "failed", "not_started"]
DEVICE_OUTCOMES: tuple[DeviceOutcome, ...] = get_args(DeviceOutcome)
# Before it ends: waiting for its wave, for its tenant's window, or running its runbook.
CampaignDeviceStatus = Literal["pending", "waiting_window", "running", DeviceOutcome]
CAMPAIGN_DEVICE_STATUSES: tuple[CampaignDeviceStatus, ...] = get_args(CampaignDeviceStatus)
# Outcomes that count against the campaign's failure budget.
FAILED_OUTCOMES: frozenset[DeviceOutcome] = frozenset({"failed", "rolled_back"})

# What a campaign's history records: people's actions (launched ... window_overridden, recorded
# with the action) and the workflow's own turns (awaiting_approval and the final statuses).
CampaignEventKind = Literal[
    "launched",
    "paused",
    "resumed",
    "cancel_requested",
    "gate_opened",
    "window_overridden",
    "awaiting_approval",
    "completed",
    "halted",
    "cancelled",
    "failed",
]
CAMPAIGN_EVENTS: tuple[CampaignEventKind, ...] = get_args(CampaignEventKind)
# The statuses the workflow reaches by itself, each at most once: an event each.
WORKFLOW_EVENTS: frozenset[CampaignEventKind] = frozenset(
    {"awaiting_approval", "completed", "halted", "cancelled", "failed"}
)
