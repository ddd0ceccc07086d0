"""The change workflow's update checks, each refusal with its exact reason (the API passes it
on as a 409): issue #21's mutation run showed them untested outside the workflow."""

from __future__ import annotations

from typing import Any

import pytest

from workflows.changes.models import ChangeProgress, Decision, StopRequest
from workflows.changes.rules import check_decision, check_stop

WAITING = ChangeProgress(status="awaiting_approval", plan_revision=2)
FEATURES = ["ntp", "snmp"]


def decision(**fields: Any) -> Decision:
    values: dict[str, Any] = {
        "plan_revision": 2, "approver": "user:bob", "decision": "approved",
        "comment": "looks right", "approver_token_id": 7,
    }  # fmt: skip
    return Decision.model_validate(values | fields)


def refusal(progress: ChangeProgress = WAITING, decided: bool = False, **fields: Any) -> str:
    with pytest.raises(ValueError) as caught:
        check_decision(progress, decided, "user:alice", FEATURES, decision(**fields))
    return str(caught.value)


def test_a_valid_decision_passes() -> None:
    check_decision(WAITING, False, "user:alice", FEATURES, decision())
    check_decision(WAITING, False, "user:alice", FEATURES, decision(features=["ntp"]))
    check_decision(WAITING, False, "user:alice", FEATURES, decision(decision="rejected"))


def test_a_decision_counts_once_and_only_while_awaiting_approval() -> None:
    assert refusal(decided=True) == "the change is awaiting_approval, not awaiting approval"
    scheduled = ChangeProgress(status="scheduled", plan_revision=2)
    assert refusal(scheduled) == "the change is scheduled, not awaiting approval"


def test_each_refused_decision_says_why() -> None:
    assert refusal(approver="user:alice") == (
        "four-eyes: the requester cannot decide their own change"
    )
    assert refusal(comment="   ") == "a decision needs a comment (it is kept in the audit log)"
    assert refusal(approver_token_id=None) == (
        "a decision names the approver's token (approver_token_id)"
    )
    assert refusal(plan_revision=1) == (
        "plan revision 1 is stale; the current plan is revision 2: review the new diff"
    )
    assert refusal(features=["bgp", "aaa"]) == (
        "features aaa, bgp are not in the plan (plan: ntp, snmp)"
    )
    assert refusal(decision="rejected", features=["ntp"]) == (
        "features are chosen when approving, not when rejecting"
    )


def stop(outcome: str = "withdrawn", reason: str = "not needed") -> StopRequest:
    return StopRequest.model_validate({"outcome": outcome, "actor": "user:alice", "reason": reason})


def stop_refusal(
    status: str, applying: bool = False, stopping: StopRequest | None = None, **fields: Any
) -> str:
    with pytest.raises(ValueError) as caught:
        check_stop(ChangeProgress(status=status), applying, stopping, stop(**fields))
    return str(caught.value)


def test_a_change_stops_only_before_it_applies_once_with_a_reason() -> None:
    check_stop(ChangeProgress(status="scheduled"), False, None, stop())
    assert stop_refusal("scheduled", applying=True) == (
        "the change is scheduled: it can no longer be withdrawn"
    )
    assert stop_refusal("verified", outcome="cancelled") == (
        "the change is verified: it can no longer be cancelled"
    )
    assert stop_refusal("applying") == "the change is applying: it can no longer be withdrawn"
    assert stop_refusal("scheduled", stopping=stop("cancelled")) == (
        "the change is already being cancelled"
    )
    assert stop_refusal("scheduled", reason=" ") == "a change is withdrawn with a reason"
