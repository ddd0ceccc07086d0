"""How workflows run their activities: every retry policy and activity option set, once.

Named by what the call is for (a quick store call, a device step, a notification, a lock
wait); workflow code passes one of these as `**options` instead of writing timeouts and
retries at each call. Timeouts, retries and task queues are not compared on replay
(docs/replay.md): changing them here needs no patch.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy
from temporalio.workflow import ActivityConfig, LocalActivityConfig

QUICK = timedelta(minutes=2)
DEVICE_STEP_TIMEOUT = timedelta(minutes=10)
PLAN_TIMEOUT = timedelta(minutes=10)
FLEET_CHUNK_TIMEOUT = timedelta(minutes=30)
# A webhook receiver may be down for a while: keep trying, in the background, this long.
NOTIFY_GIVE_UP = timedelta(minutes=30)

# -- retry policies ----------------------------------------------------------------------------
# A database step of a change or campaign: status, records, windows, plans.
STORE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_attempts=5,
    non_retryable_error_types=["PlanError", "NotFound", "NoWindow", "ConflictError"],
)
# One step on one device: a business failure (no plan, no login, an unknown host key, a device
# that did not come back) is not retried; a dropped session is, a few times.
DEVICE_STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=20),
    maximum_attempts=4,
    non_retryable_error_types=[
        "PlanError",
        "NotFound",
        "CredentialError",
        "HostKeyError",
        "InventoryError",
        "ReloadTimeout",
    ],
)
# Batched work over a tenant's devices (backups, audits): a bad inventory or rule file stays bad.
FLEET_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_attempts=5,
    non_retryable_error_types=["InventoryError", "RuleError", "CredentialError"],
)
# First contact with a tenant's devices (reading host keys): a short, bounded try.
FIRST_CONTACT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_attempts=3,
    non_retryable_error_types=["InventoryError", "NotFoundError"],
)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), backoff_coefficient=2.0, maximum_attempts=8
)
# A device held by another change: try again every few seconds for as long as it takes.
LOCK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=1.5,
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=0,
    non_retryable_error_types=["NotFound"],
)


# -- option sets -------------------------------------------------------------------------------
def _heartbeating(config: ActivityConfig, seconds: float | None) -> ActivityConfig:
    """With a heartbeat timeout when given: a crashed worker's activity is retried after it."""
    if seconds is not None:
        config["heartbeat_timeout"] = timedelta(seconds=seconds)
    return config


def store_call(queue: str, heartbeat_seconds: float | None = None) -> ActivityConfig:
    """A quick database step (status, record, window, lock release)."""
    config = ActivityConfig(
        task_queue=queue, start_to_close_timeout=QUICK, retry_policy=STORE_RETRY
    )
    return _heartbeating(config, heartbeat_seconds)


def planning(queue: str, heartbeat_seconds: float | None = None) -> ActivityConfig:
    """Planning reads devices and renders configs: longer than a store call, heartbeating."""
    config = ActivityConfig(
        task_queue=queue, start_to_close_timeout=PLAN_TIMEOUT, retry_policy=STORE_RETRY
    )
    return _heartbeating(config, heartbeat_seconds)


def notification(queue: str) -> ActivityConfig:
    """A webhook delivery, in the background: retried for a while, never blocking the run."""
    return ActivityConfig(
        task_queue=queue,
        start_to_close_timeout=timedelta(seconds=30),
        schedule_to_close_timeout=NOTIFY_GIVE_UP,
        retry_policy=NOTIFY_RETRY,
    )


def lock_wait(queue: str) -> ActivityConfig:
    """Waiting for devices another change holds: retried until they are free."""
    return ActivityConfig(task_queue=queue, start_to_close_timeout=QUICK, retry_policy=LOCK_RETRY)


def device_step(
    queue: str, heartbeat_seconds: float, timeout: timedelta = DEVICE_STEP_TIMEOUT
) -> ActivityConfig:
    """One step on one device (backup, pre-check, push, verify, restore, upgrade steps)."""
    config = ActivityConfig(
        task_queue=queue, start_to_close_timeout=timeout, retry_policy=DEVICE_STEP_RETRY
    )
    return _heartbeating(config, heartbeat_seconds)


def device_record(queue: str) -> ActivityConfig:
    """Recording where a device's runbook is: a store call retried as device steps are."""
    return ActivityConfig(
        task_queue=queue, start_to_close_timeout=QUICK, retry_policy=DEVICE_STEP_RETRY
    )


def fleet_chunk(queue: str, heartbeat_seconds: float) -> ActivityConfig:
    """A batch over many devices (backups, audits), heartbeating per device."""
    config = ActivityConfig(
        task_queue=queue, start_to_close_timeout=FLEET_CHUNK_TIMEOUT, retry_policy=FLEET_RETRY
    )
    return _heartbeating(config, heartbeat_seconds)


def fleet_bookend(queue: str) -> ActivityConfig:
    """Opening or closing a fleet job on the device queue (its targets, its report)."""
    return ActivityConfig(task_queue=queue, start_to_close_timeout=QUICK, retry_policy=FLEET_RETRY)


LOCAL_BOOKEND = LocalActivityConfig(start_to_close_timeout=QUICK, retry_policy=FLEET_RETRY)


def first_contact(queue: str) -> ActivityConfig:
    """Reading the host keys of a tenant's devices."""
    return ActivityConfig(
        task_queue=queue,
        start_to_close_timeout=PLAN_TIMEOUT,
        retry_policy=FIRST_CONTACT_RETRY,
    )
