"""The change lifecycle table: every allowed move, refused moves naming both statuses, who may
make each move; the campaign statuses typed once."""

from __future__ import annotations

from itertools import product
from typing import get_args

import pytest

from services.campaigns import lifecycle as campaign_lifecycle
from services.changes.lifecycle import (
    ACTOR_KINDS,
    APPROVAL_DECISIONS,
    CHANGE_STATUSES,
    MOVES,
    PLANNABLE_STATUSES,
    STOPPABLE_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
    ActorKind,
    ChangeStatus,
    StopOutcome,
    check_move,
    is_change_status,
    movers,
)
from services.store import models
from services.store.errors import ConflictError

ALLOWED = [(current, to) for current, moves in MOVES.items() for to in moves]
REFUSED = [pair for pair in product(CHANGE_STATUSES, repeat=2) if pair not in ALLOWED]
BEFORE_APPLYING = {"submitted", "planned", "awaiting_approval", "approved", "scheduled"}


def test_every_status_has_its_moves_and_the_store_uses_these_statuses() -> None:
    assert set(MOVES) == set(TRANSITIONS) == set(CHANGE_STATUSES)
    assert models.CHANGE_STATUSES is CHANGE_STATUSES
    assert set(APPROVAL_DECISIONS) | set(get_args(StopOutcome)) <= set(CHANGE_STATUSES)
    assert set(ACTOR_KINDS) == set(models.ROLES) | {"workflow"}
    assert all(who for moves in MOVES.values() for who in moves.values())


def test_terminal_stoppable_and_plannable_statuses() -> None:
    assert sorted(TERMINAL_STATUSES) == [
        "cancelled",
        "expired",
        "failed",
        "rejected",
        "rolled_back",
        "verified",
        "withdrawn",
    ]
    assert STOPPABLE_STATUSES == PLANNABLE_STATUSES == BEFORE_APPLYING
    assert TRANSITIONS["applying"] == {"verified", "rolled_back", "failed"}
    assert set(CHANGE_STATUSES) == TERMINAL_STATUSES | BEFORE_APPLYING | {"applying"}


@pytest.mark.parametrize(("current", "to_status"), ALLOWED)
def test_every_allowed_move_passes_for_who_may_make_it(
    current: ChangeStatus, to_status: ChangeStatus
) -> None:
    check_move("c1", current, to_status)
    for who in movers(current, to_status):
        check_move("c1", current, to_status, by=who)


@pytest.mark.parametrize(("current", "to_status"), REFUSED)
def test_a_refused_move_names_both_statuses(current: ChangeStatus, to_status: ChangeStatus) -> None:
    with pytest.raises(ConflictError) as refused:
        check_move("c1", current, to_status)
    message = refused.value.message
    assert f"change c1 cannot go from {current} to {to_status} (" in message
    if current in TERMINAL_STATUSES:
        assert message.endswith(f"({current} is terminal)")
    else:
        assert message.endswith(f"(allowed: {', '.join(sorted(TRANSITIONS[current]))})")
    assert movers(current, to_status) == frozenset()


def test_the_message_of_a_refused_move() -> None:
    with pytest.raises(ConflictError) as refused:
        check_move("c1", "submitted", "approved")
    assert str(refused.value) == (
        "[NW409] change c1 cannot go from submitted to approved"
        " (allowed: cancelled, failed, planned, withdrawn)"
        " (read the change's current status; the allowed moves are"
        " services.changes.lifecycle.MOVES)"
    )
    with pytest.raises(ConflictError) as refused:
        check_move("c1", "verified", "planned")
    assert refused.value.message == (
        "change c1 cannot go from verified to planned (verified is terminal)"
    )


@pytest.mark.parametrize("current", sorted(BEFORE_APPLYING))
def test_before_applying_the_tenant_withdraws_staff_cancel_the_workflow_fails(
    current: ChangeStatus,
) -> None:
    assert movers(current, "withdrawn") == {"tenant"}
    assert movers(current, "cancelled") == {"engineer", "approver", "admin"}
    assert movers(current, "failed") == {"workflow"}


def test_approvers_decide_the_workflow_makes_every_other_move() -> None:
    for decision in APPROVAL_DECISIONS:
        assert movers("awaiting_approval", decision) == {"approver", "admin"}
    people = {("awaiting_approval", d) for d in APPROVAL_DECISIONS} | {
        (s, stop) for s in BEFORE_APPLYING for stop in ("withdrawn", "cancelled")
    }
    assert {pair for pair in ALLOWED if movers(*pair) != {"workflow"}} == people
    # The tenant's policy approves a change without an approver: the workflow moves it.
    assert movers("planned", "approved") == {"workflow"}


@pytest.mark.parametrize(
    ("current", "to_status", "by", "only"),
    [
        ("awaiting_approval", "approved", "tenant", "admin, approver"),
        ("awaiting_approval", "rejected", "workflow", "admin, approver"),
        ("scheduled", "withdrawn", "admin", "tenant"),
        ("planned", "cancelled", "tenant", "admin, approver, engineer"),
        ("scheduled", "applying", "admin", "workflow"),
        ("applying", "verified", "approver", "workflow"),
    ],
)
def test_a_move_by_someone_who_may_not_make_it_is_refused(
    current: ChangeStatus, to_status: ChangeStatus, by: ActorKind, only: str
) -> None:
    with pytest.raises(ConflictError) as refused:
        check_move("c1", current, to_status, by=by)
    assert refused.value.message == (
        f"{by} cannot move change c1 from {current} to {to_status} (only {only})"
    )


def test_is_change_status() -> None:
    assert all(is_change_status(status) for status in CHANGE_STATUSES)
    assert not any(is_change_status(v) for v in ("", "Submitted", "done", None, 1))


def test_campaign_statuses_are_typed_once() -> None:
    lifecycle = campaign_lifecycle
    assert models.CAMPAIGN_STATUSES is lifecycle.CAMPAIGN_STATUSES
    assert models.CAMPAIGN_DEVICE_STATUSES is lifecycle.CAMPAIGN_DEVICE_STATUSES
    # The order the database check constraint was written in.
    assert lifecycle.CAMPAIGN_DEVICE_STATUSES == (
        "pending",
        "waiting_window",
        "running",
        "upgraded",
        "applied",
        "skipped",
        "rolled_back",
        "failed",
        "not_started",
    )
    assert lifecycle.FINAL_STATUSES.issubset(lifecycle.CAMPAIGN_STATUSES)
    assert lifecycle.FAILED_OUTCOMES.issubset(lifecycle.DEVICE_OUTCOMES)
    assert set(lifecycle.DEVICE_OUTCOMES) < set(lifecycle.CAMPAIGN_DEVICE_STATUSES)
