"""How activities and runbooks tell failures apart (issue #21: mutation testing showed these
were never checked): a business failure is not retried, and only a step that stopped
heartbeating counts as a lost worker (run again) rather than a failed device."""

from __future__ import annotations

import pytest
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    RetryState,
    TimeoutError,
    TimeoutType,
)

from workflows.campaigns import activities as campaign_activities
from workflows.campaigns.device import _worker_lost
from workflows.changes.loading import fail


def test_a_change_activity_business_failure_is_a_plan_error_and_not_retried() -> None:
    error = fail(ValueError("site-b has no WAN hand-off"))
    assert (error.message, error.type, error.non_retryable) == (
        "site-b has no WAN hand-off",
        "PlanError",
        True,
    )
    assert fail(KeyError("x"), "NotFound").type == "NotFound"


def test_a_campaign_activity_business_failure_is_a_plan_error_and_not_retried() -> None:
    error = campaign_activities._fail("pre-rollout backup of r1 is missing")
    assert (error.message, error.type, error.non_retryable) == (
        "pre-rollout backup of r1 is missing",
        "PlanError",
        True,
    )


def _activity_error(cause: BaseException) -> ActivityError:
    error = ActivityError(
        "activity failed",
        scheduled_event_id=5,
        started_event_id=6,
        identity="worker-1",
        activity_type="upgrade_pre_check",
        activity_id="1",
        retry_state=RetryState.MAXIMUM_ATTEMPTS_REACHED,
    )
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("cause", "lost"),
    [
        (TimeoutError("heartbeat", type=TimeoutType.HEARTBEAT, last_heartbeat_details=[]), True),
        (TimeoutError("slow", type=TimeoutType.START_TO_CLOSE, last_heartbeat_details=[]), False),
        (ApplicationError("checksum mismatch", type="PlanError"), False),
    ],
)
def test_only_a_step_that_stopped_heartbeating_lost_its_worker(
    cause: BaseException, lost: bool
) -> None:
    assert _worker_lost(_activity_error(cause)) is lost
