"""The change lifecycle: its statuses, the moves between them and who may make each move.

The store refuses any other move (`check_move`), the workflow models carry these statuses and
the API filters by them: this module is the one place that lists them. (The activities that
record a move for the change workflow are workflows/changes/lifecycle.py.)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, TypeGuard, get_args

from services.store.errors import ConflictError

ChangeStatus = Literal[
    "submitted",
    "planned",
    "awaiting_approval",
    "approved",
    "rejected",
    "expired",
    "scheduled",
    "applying",
    "verified",
    "rolled_back",
    "failed",
    "withdrawn",  # by the tenant that asked, before it started applying
    "cancelled",  # by staff, before it started applying
]
CHANGE_STATUSES: tuple[ChangeStatus, ...] = get_args(ChangeStatus)
# What an approver decides on a change awaiting approval: the status it moves to.
ApprovalDecision = Literal["approved", "rejected"]
APPROVAL_DECISIONS: tuple[ApprovalDecision, ...] = get_args(ApprovalDecision)
# How a change ends before it applies: withdrawn by its tenant or cancelled by staff.
StopOutcome = Literal["withdrawn", "cancelled"]

# Who moves a change: the change workflow itself (its plan, policy, window and devices), or a
# principal of one of the API roles (services.store.models.Role).
ActorKind = Literal["workflow", "tenant", "engineer", "approver", "admin"]
ACTOR_KINDS: tuple[ActorKind, ...] = get_args(ActorKind)
Movers = frozenset[ActorKind]
WORKFLOW: Movers = frozenset({"workflow"})
TENANT: Movers = frozenset({"tenant"})
APPROVERS: Movers = frozenset({"approver", "admin"})
STAFF: Movers = frozenset({"engineer", "approver", "admin"})


def _before_applying(moves: Mapping[ChangeStatus, Movers]) -> Mapping[ChangeStatus, Movers]:
    """Until it applies, a change may also fail, be withdrawn (its tenant) or cancelled (staff)."""
    return MappingProxyType({**moves, "failed": WORKFLOW, "withdrawn": TENANT, "cancelled": STAFF})


_ENDS: Mapping[ChangeStatus, Movers] = MappingProxyType({})

# from -> to -> who may make the move. Moves back to `planned` are re-plans: the device
# configuration or intent changed since the plan (changes to one device apply in order).
MOVES: Mapping[ChangeStatus, Mapping[ChangeStatus, Movers]] = MappingProxyType(
    {
        "submitted": _before_applying({"planned": WORKFLOW}),
        # -> approved: the tenant's policy approves it without an approver.
        "planned": _before_applying({"awaiting_approval": WORKFLOW, "approved": WORKFLOW}),
        "awaiting_approval": _before_applying(
            {"approved": APPROVERS, "rejected": APPROVERS, "expired": WORKFLOW, "planned": WORKFLOW}
        ),
        "approved": _before_applying({"scheduled": WORKFLOW, "planned": WORKFLOW}),
        "scheduled": _before_applying({"applying": WORKFLOW, "planned": WORKFLOW}),
        "applying": MappingProxyType(
            {"verified": WORKFLOW, "rolled_back": WORKFLOW, "failed": WORKFLOW}
        ),
        "rejected": _ENDS,
        "expired": _ENDS,
        "verified": _ENDS,
        "rolled_back": _ENDS,
        "failed": _ENDS,
        "withdrawn": _ENDS,
        "cancelled": _ENDS,
    }
)
TRANSITIONS: Mapping[ChangeStatus, frozenset[ChangeStatus]] = MappingProxyType(
    {status: frozenset(moves) for status, moves in MOVES.items()}
)
TERMINAL_STATUSES: frozenset[ChangeStatus] = frozenset(
    status for status, targets in TRANSITIONS.items() if not targets
)
# Statuses in which a change can still be withdrawn or cancelled (nothing touched a device).
STOPPABLE_STATUSES: frozenset[ChangeStatus] = frozenset(
    status for status, targets in TRANSITIONS.items() if "withdrawn" in targets
)
# Statuses in which a (new) plan revision may be added: planned and those it is reached from.
PLANNABLE_STATUSES: frozenset[ChangeStatus] = frozenset(
    status for status, targets in TRANSITIONS.items() if "planned" in targets or status == "planned"
)
LIFECYCLE_HINT = (
    "read the change's current status; the allowed moves are services.changes.lifecycle.MOVES"
)


def is_change_status(value: object) -> TypeGuard[ChangeStatus]:
    """Whether `value` is one of the change statuses."""
    return value in CHANGE_STATUSES


def movers(current: ChangeStatus, to_status: ChangeStatus) -> Movers:
    """Who may move a change from `current` to `to_status` (nobody: not a move)."""
    return MOVES[current].get(to_status, frozenset())


def check_move(
    change_id: str, current: ChangeStatus, to_status: ChangeStatus, by: ActorKind | None = None
) -> None:
    """A ConflictError naming both statuses unless the change may go from `current` to
    `to_status` (and `by` may make that move, when given)."""
    allowed = TRANSITIONS[current]
    if to_status not in allowed:
        raise ConflictError(
            f"change {change_id} cannot go from {current} to {to_status}"
            + (
                f" (allowed: {', '.join(sorted(allowed))})"
                if allowed
                else f" ({current} is terminal)"
            ),
            hint=LIFECYCLE_HINT,
        )
    who = movers(current, to_status)
    if by is not None and by not in who:
        raise ConflictError(
            f"{by} cannot move change {change_id} from {current} to {to_status}"
            f" (only {', '.join(sorted(who))})",
            hint=LIFECYCLE_HINT,
        )
