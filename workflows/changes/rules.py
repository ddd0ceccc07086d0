"""What the change workflow accepts from outside: decisions, stops and window overrides.

Pure checks, run by the workflow's update validators (they raise ValueError with the reason
the API passes on as a 409). Four-eyes lives here too, so a `decide` update sent straight to
Temporal meets it as well as one sent through the API.
"""

from __future__ import annotations

from services.changes.lifecycle import STOPPABLE_STATUSES
from services.core.principals import same_principal
from workflows.changes.models import ChangeProgress, Decision, StopRequest


def check_decision(
    progress: ChangeProgress,
    decided: bool,
    requester: str | None,
    plan_features: list[str],
    decision: Decision,
) -> None:
    """A decision counts once, from another principal than the requester, with a comment,
    on the current plan revision and its features."""
    if progress.status != "awaiting_approval" or decided:
        raise ValueError(f"the change is {progress.status}, not awaiting approval")
    if same_principal(decision.approver, requester):
        raise ValueError("four-eyes: the requester cannot decide their own change")
    if not decision.comment.strip():
        raise ValueError("a decision needs a comment (it is kept in the audit log)")
    if decision.approver_token_id is None:
        raise ValueError("a decision names the approver's token (approver_token_id)")
    if decision.plan_revision != progress.plan_revision:
        raise ValueError(
            f"plan revision {decision.plan_revision} is stale; the current plan is "
            f"revision {progress.plan_revision}: review the new diff"
        )
    unknown = sorted(set(decision.features or []) - set(plan_features))
    if unknown:
        raise ValueError(
            f"features {', '.join(unknown)} are not in the plan "
            f"(plan: {', '.join(plan_features) or 'none'})"
        )
    if decision.features and decision.decision != "approved":
        raise ValueError("features are chosen when approving, not when rejecting")


def check_stop(
    progress: ChangeProgress, applying: bool, stopping: StopRequest | None, request: StopRequest
) -> None:
    """Withdrawn or cancelled only before the change starts applying, once, with a reason."""
    status = progress.status
    if applying or status not in STOPPABLE_STATUSES:
        raise ValueError(f"the change is {status}: it can no longer be {request.outcome}")
    if stopping is not None:
        raise ValueError(f"the change is already being {stopping.outcome}")
    if not request.reason.strip():
        raise ValueError(f"a change is {request.outcome} with a reason")
