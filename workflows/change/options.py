"""How the change workflow runs its activities: timeouts, retries, and its history patches."""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

QUICK = timedelta(minutes=2)
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_attempts=5,
    non_retryable_error_types=["PlanError", "NotFound", "NoWindow", "ConflictError"],
)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), backoff_coefficient=2.0, maximum_attempts=8
)
MAX_REPLANS = 3
# A device held by another change: try again every few seconds for as long as it takes.
LOCK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=1.5,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=0,
    non_retryable_error_types=["NotFound"],
)
# Histories from before per-device locks (and re-plans against the intent) replay as they ran.
DEVICE_LOCK_PATCH = "change-device-lock"
# Histories from before the workflow recorded decisions itself (the API did, after the update).
DECISION_RECORD_PATCH = "change-decision-record"
