"""What the change workflow decides with: its re-plan bound and its history patches (activity
options and retry policies: workflows/common/options.py)."""

from __future__ import annotations

MAX_REPLANS = 3
# Histories from before per-device locks (and re-plans against the intent) replay as they ran.
DEVICE_LOCK_PATCH = "change-device-lock"
# Histories from before the workflow recorded decisions itself (the API did, after the update).
DECISION_RECORD_PATCH = "change-decision-record"
