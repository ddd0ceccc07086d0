"""Change requests: idempotent creation, lifecycle rules, append-only events, plan revisions,
approvals counted once, pre-change backup links and tenant scoping."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.core.errors import NotFoundError
from services.store.db import session_scope
from services.store.errors import AppendOnlyError, ConflictError, InvalidInputError
from services.store.models import CHANGE_STATUSES, ChangeEvent, ChangeRequest
from services.store.repos.backups import store_backup
from services.store.repos.changes import (
    TERMINAL_STATUSES,
    TRANSITIONS,
    ChangeOut,
    add_plan,
    approvals,
    backups_of,
    create_change,
    events,
    get_change,
    latest_plan,
    link_backup,
    list_changes,
    plans,
    record_approval,
    transition,
)
from services.store.repos.tokens import create_token
from tests.unit.store.helpers import T0

T = TypeVar("T")
PARAMS = {"circuit": "wan1", "bandwidth_mbps": 500}
DEVICES = [
    {
        "device": "r1",
        "platform": "cisco_ios",
        "commands": ["interface Gi0/0", " bandwidth 500000"],
        "rollback": ["interface Gi0/0", " bandwidth 200000"],
        "diff": "-bandwidth 200000\n+bandwidth 500000\n",
        "running_hash": "a" * 64,
        "intended_hash": "b" * 64,
    }
]


def _change(
    session: Session, *, tenant: str = "acme", key: str | None = None, **overrides: Any
) -> ChangeOut:
    arguments: dict[str, Any] = {
        "tenant": tenant,
        "site": "branch-01",
        "kind": "wan_bandwidth",
        "params": PARAMS,
        "requested_by": "acme-portal",
        "idempotency_key": key,
        **overrides,
    }
    change, _ = create_change(session, **arguments)
    return change


def _approver(session: Session, name: str = "ann") -> int:
    _, token = create_token(session, role="approver", tenant=None, name=name, pepper="pepper")
    return token.id


def _awaiting(session: Session, change: ChangeOut, plan_hash: str = "h1") -> None:
    """Plan the change and put it in front of an approver."""
    add_plan(
        session, tenant=change.tenant, change_id=change.id, devices=DEVICES, plan_hash=plan_hash
    )
    for status in ("planned", "awaiting_approval"):
        transition(
            session, tenant=change.tenant, change_id=change.id, to_status=status, actor="worker"
        )


def _race(
    factory: sessionmaker[Session], count: int, work: Callable[[Session], T]
) -> tuple[list[T], list[BaseException]]:
    """Run `work` in `count` threads at once, each in its own transaction."""
    results: list[T] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def attempt() -> None:
        try:
            start.wait()
            with session_scope(factory) as session:
                results.append(work(session))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


# --- creation and idempotency -------------------------------------------------------------------


def test_create_and_read(session: Session, tenants: tuple[str, str]) -> None:
    _, token = create_token(session, role="tenant", tenant="acme", name="acme-portal", pepper="p")
    change, created = create_change(
        session,
        tenant="acme",
        site="branch-01",
        kind="wan_bandwidth",
        params=PARAMS,
        requested_by="acme-portal",
        requested_by_token_id=token.id,
        idempotency_key="k1",
    )
    session.commit()
    assert created
    assert (change.tenant, change.site, change.kind, change.params, change.status) == (
        "acme",
        "branch-01",
        "wan_bandwidth",
        PARAMS,
        "submitted",
    )
    assert (change.requested_by, change.requested_by_token_id, change.idempotency_key) == (
        "acme-portal",
        token.id,
        "k1",
    )
    assert change.created_at == change.updated_at
    assert (change.workflow_id, change.failure, change.window_start) == (None, None, None)
    assert not change.terminal
    assert get_change(session, tenant="acme", change_id=change.id) == change
    assert get_change(session, tenant=None, change_id=change.id) == change
    [created_event] = events(session, tenant="acme", change_id=change.id)
    assert (created_event.from_status, created_event.to_status, created_event.actor) == (
        None,
        "submitted",
        "acme-portal",
    )
    assert created_event.at == change.created_at


def test_same_idempotency_key_returns_the_first_change(
    session: Session, tenants: tuple[str, str]
) -> None:
    first, created = create_change(
        session,
        tenant="acme",
        site="branch-01",
        kind="wan_bandwidth",
        params={"bandwidth_mbps": 500, "circuit": "wan1"},
        requested_by="alice",
        idempotency_key="k1",
    )
    session.commit()
    again, created_again = create_change(
        session,
        tenant="acme",
        site="branch-01",
        kind="wan_bandwidth",
        params=PARAMS,  # same body, other key order
        requested_by="bob",
        idempotency_key="k1",
    )
    assert created and not created_again
    assert again == first
    assert len(events(session, tenant="acme", change_id=first.id)) == 1
    for changed in ({"site": "branch-02"}, {"kind": "qos_profile"}, {"params": {"x": 1}}):
        with pytest.raises(ConflictError, match="idempotency_key 'k1' was already used"):
            _change(session, key="k1", **changed)
    other_tenant = _change(session, tenant="globex", key="k1")  # keys are per tenant
    no_key = [_change(session), _change(session)]  # without a key every call is a new change
    session.commit()
    assert other_tenant.id != first.id and no_key[0].id != no_key[1].id
    assert len(list_changes(session)) == 4


def test_concurrent_creates_with_one_key_make_one_change(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    def create(session: Session) -> tuple[ChangeOut, bool]:
        return create_change(
            session,
            tenant="acme",
            site="branch-01",
            kind="wan_bandwidth",
            params=PARAMS,
            requested_by="acme-portal",
            idempotency_key="k1",
        )

    results, errors = _race(factory, 6, create)
    assert errors == []
    assert sorted(created for _, created in results) == [False] * 5 + [True]
    assert len({change.id for change, _ in results}) == 1
    with session_scope(factory) as session:
        assert session.scalar(select(func.count()).select_from(ChangeRequest)) == 1
        assert session.scalar(select(func.count()).select_from(ChangeEvent)) == 1


def test_bad_input_is_refused(session: Session, tenants: tuple[str, str]) -> None:
    with pytest.raises(NotFoundError, match="tenant 'nobody' not found"):
        _change(session, tenant="nobody")
    with pytest.raises(InvalidInputError, match="kind must be one of"):
        _change(session, kind="teleport")
    with pytest.raises(InvalidInputError, match="params must be a JSON object"):
        _change(session, params=["x"])
    with pytest.raises(InvalidInputError, match="params must be JSON-serialisable"):
        _change(session, params={"x": float("nan")})
    with pytest.raises(InvalidInputError, match="site"):
        _change(session, site=" ")
    with pytest.raises(InvalidInputError, match="idempotency_key is 256 characters"):
        _change(session, key="k" * 256)
    with pytest.raises(InvalidInputError, match="requested_by_token_id 999 is not a known"):
        _change(session, requested_by_token_id=999)
    with pytest.raises(InvalidInputError, match="limit"):
        list_changes(session, limit=0)
    with pytest.raises(InvalidInputError, match="status must be one of"):
        list_changes(session, status="done")  # type: ignore[arg-type]


def test_list_changes_newest_first(session: Session, tenants: tuple[str, str]) -> None:
    made = [_change(session, tenant=tenant) for tenant in ("acme", "globex", "acme")]
    for i, change in enumerate(made):  # distinct creation times, oldest first
        session.execute(
            update(ChangeRequest)
            .where(ChangeRequest.id == change.id)
            .values(created_at=T0 + timedelta(minutes=i))
        )
    add_plan(session, tenant="acme", change_id=made[0].id, devices=DEVICES, plan_hash="h")
    transition(session, tenant="acme", change_id=made[0].id, to_status="planned", actor="w")
    session.commit()
    assert [c.id for c in list_changes(session)] == [c.id for c in reversed(made)]
    assert [c.id for c in list_changes(session, tenant="acme")] == [made[2].id, made[0].id]
    assert [c.id for c in list_changes(session, status="planned")] == [made[0].id]
    assert [c.id for c in list_changes(session, tenant="globex", status="planned")] == []
    assert [c.id for c in list_changes(session, limit=1)] == [made[2].id]
    assert list_changes(session, tenant="nobody") == []


# --- lifecycle -----------------------------------------------------------------------------------


def test_transition_table() -> None:
    assert set(TRANSITIONS) == set(CHANGE_STATUSES)
    assert set(TERMINAL_STATUSES) == {
        "rejected",
        "expired",
        "verified",
        "rolled_back",
        "failed",
        "withdrawn",
        "cancelled",
    }
    assert all("failed" in TRANSITIONS[s] for s in set(CHANGE_STATUSES) - TERMINAL_STATUSES)


def test_happy_path_records_every_step(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    add_plan(session, tenant="acme", change_id=change.id, devices=DEVICES, plan_hash="h1")
    moved = transition(
        session,
        tenant="acme",
        change_id=change.id,
        to_status="planned",
        actor="worker",
        detail={"plan_revision": 1},
        workflow_id="change-1",
    )
    assert (moved.status, moved.workflow_id) == ("planned", "change-1")
    assert moved.updated_at >= change.updated_at
    transition(
        session,
        tenant="acme",
        change_id=change.id,
        to_status="approved",
        actor="policy",
        expected_from={"planned"},
        policy_reason="bandwidth within contract",
    )
    scheduled = transition(
        session,
        tenant="acme",
        change_id=change.id,
        to_status="scheduled",
        actor="worker",
        window_start=T0,
        window_end=T0 + timedelta(hours=2),
    )
    assert (scheduled.window_start, scheduled.window_end) == (T0, T0 + timedelta(hours=2))
    assert scheduled.policy_reason == "bandwidth within contract"
    for status in ("applying", "verified"):
        done = transition(
            session, tenant="acme", change_id=change.id, to_status=status, actor="worker"
        )
    session.commit()
    assert done.terminal and done.workflow_id == "change-1"
    history = events(session, tenant="acme", change_id=change.id)
    assert [(e.from_status, e.to_status) for e in history] == [
        (None, "submitted"),
        ("submitted", "planned"),
        ("planned", "approved"),
        ("approved", "scheduled"),
        ("scheduled", "applying"),
        ("applying", "verified"),
    ]
    assert [e.actor for e in history][1:3] == ["worker", "policy"]
    assert history[1].detail == {"plan_revision": 1} and history[2].detail == {}


def test_illegal_transitions_are_refused(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    with pytest.raises(ConflictError, match="cannot go from submitted to approved"):
        transition(session, tenant="acme", change_id=change.id, to_status="approved", actor="w")
    with pytest.raises(ConflictError, match="has no plan"):
        transition(session, tenant="acme", change_id=change.id, to_status="planned", actor="w")
    with pytest.raises(ConflictError, match="is submitted, not planned"):
        transition(
            session,
            tenant="acme",
            change_id=change.id,
            to_status="failed",
            actor="w",
            expected_from={"planned"},
        )
    transition(
        session, tenant="acme", change_id=change.id, to_status="failed", actor="w", failure="boom"
    )
    for target in ("planned", "submitted", "verified"):
        with pytest.raises(ConflictError, match=f"from failed to {target} \\(failed is terminal"):
            transition(session, tenant="acme", change_id=change.id, to_status=target, actor="w")
    with pytest.raises(NotFoundError, match="change 'nope' not found in tenant 'acme'"):
        transition(session, tenant="acme", change_id="nope", to_status="failed", actor="w")
    session.commit()
    stored = get_change(session, tenant="acme", change_id=change.id)
    assert stored is not None and (stored.status, stored.failure) == ("failed", "boom")
    assert len(events(session, tenant="acme", change_id=change.id)) == 2


def test_replan_goes_back_to_planned(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    _awaiting(session, change)
    add_plan(session, tenant="acme", change_id=change.id, devices=DEVICES, plan_hash="h2")
    replanned = transition(
        session, tenant="acme", change_id=change.id, to_status="planned", actor="worker2"
    )
    assert replanned.status == "planned"
    statuses = [e.to_status for e in events(session, tenant="acme", change_id=change.id)]
    assert statuses == ["submitted", "planned", "awaiting_approval", "planned"]


def test_same_status_by_same_actor_is_idempotent(
    session: Session, tenants: tuple[str, str]
) -> None:
    change = _change(session)
    first = transition(
        session, tenant="acme", change_id=change.id, to_status="failed", actor="w", failure="a"
    )
    session.commit()
    again = transition(
        session, tenant="acme", change_id=change.id, to_status="failed", actor="w", failure="b"
    )
    assert again == first and again.failure == "a"  # the first write wins, no new event
    with pytest.raises(ConflictError, match="already failed \\(set by 'w'\\)"):
        transition(session, tenant="acme", change_id=change.id, to_status="failed", actor="other")
    assert len(events(session, tenant="acme", change_id=change.id)) == 2


def test_concurrent_retries_of_one_transition_write_one_event(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with session_scope(factory) as session:
        change = _change(session)
        add_plan(session, tenant="acme", change_id=change.id, devices=DEVICES, plan_hash="h")

    def plan(session: Session) -> ChangeOut:
        return transition(
            session, tenant="acme", change_id=change.id, to_status="planned", actor="worker"
        )

    results, errors = _race(factory, 6, plan)
    assert errors == []
    assert {r.status for r in results} == {"planned"}
    with session_scope(factory) as session:
        assert len(events(session, tenant="acme", change_id=change.id)) == 2


def test_concurrent_different_transitions_one_wins(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with session_scope(factory) as session:
        change = _change(session)
        _awaiting(session, change)
    targets: Iterator[str] = iter(["approved", "rejected", "expired"])  # each excludes the others
    lock = threading.Lock()

    def decide(session: Session) -> ChangeOut:
        with lock:
            target = next(targets)
        return transition(
            session,
            tenant="acme",
            change_id=change.id,
            to_status=target,  # type: ignore[arg-type]
            actor=target,
        )

    results, errors = _race(factory, 3, decide)
    assert len(results) == 1 and len(errors) == 2
    assert all(isinstance(e, ConflictError) for e in errors)
    with session_scope(factory) as session:
        history = events(session, tenant="acme", change_id=change.id)
        assert history[-1].to_status == results[0].status
        assert len(history) == 4


def test_transition_fields_are_checked(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    other = _change(session)
    add_plan(session, tenant="acme", change_id=other.id, devices=DEVICES, plan_hash="h")
    transition(
        session, tenant="acme", change_id=other.id, to_status="planned", actor="w", workflow_id="wf"
    )
    add_plan(session, tenant="acme", change_id=change.id, devices=DEVICES, plan_hash="h")

    def move(**fields: Any) -> ChangeOut:
        return transition(
            session, tenant="acme", change_id=change.id, to_status="planned", actor="w", **fields
        )

    with pytest.raises(InvalidInputError, match="status cannot be set by a transition"):
        move(status="verified")
    with pytest.raises(InvalidInputError, match="window_start must be timezone-aware"):
        move(window_start=T0.replace(tzinfo=None))
    with pytest.raises(InvalidInputError, match="window_end must be a datetime"):
        move(window_end="tomorrow")
    with pytest.raises(InvalidInputError, match=r"window_end .* must be after window_start"):
        move(window_start=T0, window_end=T0)
    with pytest.raises(InvalidInputError, match="failure must be a non-empty string"):
        move(failure="")
    with pytest.raises(InvalidInputError, match="policy_reason is 2001 characters"):
        move(policy_reason="x" * 2001)
    with pytest.raises(InvalidInputError, match="expected_from must be a set"):
        transition(
            session,
            tenant="acme",
            change_id=change.id,
            to_status="planned",
            actor="w",
            expected_from="submitted",  # type: ignore[arg-type]
        )
    with pytest.raises(InvalidInputError, match="to_status must be one of"):
        transition(session, tenant="acme", change_id=change.id, to_status="done", actor="w")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="detail must be JSON-serialisable"):
        transition(
            session,
            tenant="acme",
            change_id=change.id,
            to_status="planned",
            actor="w",
            detail={"x": object()},
        )
    with pytest.raises(ConflictError, match="workflow_id 'wf' already belongs to another change"):
        move(workflow_id="wf")
    assert move(workflow_id="wf-2").workflow_id == "wf-2"
    with pytest.raises(ConflictError, match="already runs as workflow 'wf-2'"):
        transition(
            session,
            tenant="acme",
            change_id=change.id,
            to_status="failed",
            actor="w",
            workflow_id="x",
        )
    transition(session, tenant="acme", change_id=change.id, to_status="failed", actor="w")
    session.commit()
    stored = get_change(session, tenant="acme", change_id=change.id)
    assert stored is not None and stored.status == "failed"
    assert [e.to_status for e in events(session, tenant="acme", change_id=change.id)] == [
        "submitted",
        "planned",
        "failed",
    ]


# --- append-only events ----------------------------------------------------------------------


def test_events_refuse_orm_update_and_delete(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    session.commit()
    row = session.scalars(select(ChangeEvent)).one()
    row.actor = "rewritten"
    with pytest.raises(AppendOnlyError, match="change event"):
        session.flush()
    session.rollback()
    session.delete(session.scalars(select(ChangeEvent)).one())
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    with pytest.raises(AppendOnlyError):
        session.execute(update(ChangeEvent).values(actor="rewritten"))
    with pytest.raises(AppendOnlyError):
        session.execute(delete(ChangeEvent))
    session.rollback()
    assert [e.actor for e in events(session, tenant="acme", change_id=change.id)] == ["acme-portal"]


def test_events_refuse_raw_sql(session: Session, engine: Engine, tenants: tuple[str, str]) -> None:
    change = _change(session)
    session.commit()
    session.close()
    for statement in ("UPDATE change_events SET actor = 'rewritten'", "DELETE FROM change_events"):
        with pytest.raises(IntegrityError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM change_events")).scalars().all() == [
            "acme-portal"
        ]
    with Session(engine) as fresh:
        assert len(events(fresh, tenant="acme", change_id=change.id)) == 1


# --- plans -----------------------------------------------------------------------------------


def test_plan_revisions(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    assert latest_plan(session, tenant="acme", change_id=change.id) is None
    first = add_plan(session, tenant="acme", change_id=change.id, devices=DEVICES, plan_hash="h1")
    assert (first.revision, first.plan_hash, first.devices) == (1, "h1", DEVICES)
    again = add_plan(session, tenant="acme", change_id=change.id, devices=DEVICES, plan_hash="h1")
    assert again == first
    with pytest.raises(ConflictError, match=r"already names revision 1 .* different devices"):
        add_plan(
            session,
            tenant="acme",
            change_id=change.id,
            devices=[{**DEVICES[0], "commands": []}],
            plan_hash="h1",
        )
    second_devices = [*DEVICES, {**DEVICES[0], "device": "r2"}]
    second = add_plan(
        session, tenant="acme", change_id=change.id, devices=second_devices, plan_hash="h2"
    )
    third = add_plan(session, tenant="acme", change_id=change.id, devices=DEVICES, plan_hash="h1")
    session.commit()
    assert (second.revision, third.revision) == (2, 3)
    assert latest_plan(session, tenant="acme", change_id=change.id) == third
    assert plans(session, tenant="acme", change_id=change.id) == [first, second, third]


def test_plans_are_refused_when_bad_or_too_late(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)

    def plan(devices: Any, plan_hash: str = "h") -> object:
        return add_plan(
            session, tenant="acme", change_id=change.id, devices=devices, plan_hash=plan_hash
        )

    with pytest.raises(InvalidInputError, match="devices must be a non-empty list"):
        plan([])
    with pytest.raises(InvalidInputError, match=r"devices\[1\] must be a JSON object"):
        plan([DEVICES[0], "r2"])
    with pytest.raises(InvalidInputError, match=r"devices\[0\].device must be a non-empty"):
        plan([{"platform": "cisco_ios"}])
    with pytest.raises(InvalidInputError, match=r"devices\[1\].device 'r1' is listed twice"):
        plan([DEVICES[0], DEVICES[0]])
    with pytest.raises(InvalidInputError, match="plan_hash"):
        plan(DEVICES, plan_hash="")
    plan(DEVICES, "h1")
    transition(session, tenant="acme", change_id=change.id, to_status="failed", actor="w")
    assert plan(DEVICES, "h1") is not None  # a retry of the stored revision still answers
    with pytest.raises(ConflictError, match="is failed; a plan can only be added"):
        plan(DEVICES, "h2")


def test_concurrent_plans_with_one_hash_make_one_revision(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with session_scope(factory) as session:
        change = _change(session)
    results, errors = _race(
        factory,
        4,
        lambda session: add_plan(
            session, tenant="acme", change_id=change.id, devices=DEVICES, plan_hash="h1"
        ),
    )
    assert errors == []
    assert {r.revision for r in results} == {1}
    with session_scope(factory) as session:
        assert len(plans(session, tenant="acme", change_id=change.id)) == 1


# --- approvals -------------------------------------------------------------------------------


def test_approval_counts_once(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    ann, bob = _approver(session, "ann"), _approver(session, "bob")
    _awaiting(session, change)
    session.commit()
    approval = record_approval(
        session,
        tenant="acme",
        change_id=change.id,
        plan_revision=1,
        approver="ann",
        approver_token_id=ann,
        decision="approved",
        comment="fits the contract",
    )
    session.commit()
    assert (approval.plan_revision, approval.approver, approval.decision) == (1, "ann", "approved")
    for approver, token in (("ann", ann), ("bob", bob)):  # a replay, or a second approver
        with pytest.raises(ConflictError, match=r"revision 1 .* was already approved by 'ann'"):
            record_approval(
                session,
                tenant="acme",
                change_id=change.id,
                plan_revision=1,
                approver=approver,
                approver_token_id=token,
                decision="approved",
                comment="me too",
            )
    rejection = record_approval(
        session,
        tenant="acme",
        change_id=change.id,
        plan_revision=1,
        approver="bob",
        approver_token_id=bob,
        decision="rejected",
        comment="not in this quarter",
    )
    session.commit()
    assert approvals(session, tenant="acme", change_id=change.id) == [approval, rejection]


def test_approval_needs_the_newest_plan_awaiting_approval(
    session: Session, tenants: tuple[str, str]
) -> None:
    change = _change(session)
    ann = _approver(session)

    def approve(revision: int = 1, **overrides: Any) -> object:
        arguments: dict[str, Any] = {
            "tenant": "acme",
            "change_id": change.id,
            "plan_revision": revision,
            "approver": "ann",
            "approver_token_id": ann,
            "decision": "approved",
            "comment": "ok",
            **overrides,
        }
        return record_approval(session, **arguments)

    with pytest.raises(ConflictError, match="is submitted, not awaiting_approval"):
        approve()
    _awaiting(session, change, "h1")
    add_plan(session, tenant="acme", change_id=change.id, devices=DEVICES, plan_hash="h2")
    with pytest.raises(ConflictError, match=r"plan_revision 1 is not the newest .* \(newest: 2\)"):
        approve(1)
    with pytest.raises(InvalidInputError, match="comment must be a non-empty string"):
        approve(2, comment=" ")
    with pytest.raises(InvalidInputError, match="comment is 1001 characters"):
        approve(2, comment="x" * 1001)
    with pytest.raises(InvalidInputError, match="decision must be one of"):
        approve(2, decision="maybe")
    with pytest.raises(InvalidInputError, match="plan_revision must be a positive integer"):
        approve(0)
    with pytest.raises(InvalidInputError, match="approver_token_id 999 is not a known"):
        approve(2, approver_token_id=999)
    assert approve(2, comment="x" * 1000) is not None
    assert [a.plan_revision for a in approvals(session, tenant="acme", change_id=change.id)] == [2]


def test_a_decision_the_workflow_accepted_is_recorded_after_it_moved_on(
    session: Session, tenants: tuple[str, str]
) -> None:
    """The API records the row after the workflow's update accepted it; by then the workflow
    may already have written `approved` (seen under load): the row must still be kept."""
    change = _change(session)
    ann = _approver(session)
    _awaiting(session, change)
    transition(session, tenant="acme", change_id=change.id, to_status="approved", actor="worker")
    arguments: dict[str, Any] = {
        "tenant": "acme",
        "change_id": change.id,
        "plan_revision": 1,
        "approver": "ann",
        "approver_token_id": ann,
        "decision": "approved",
        "comment": "ok",
    }
    with pytest.raises(ConflictError, match="is approved, not awaiting_approval"):
        record_approval(session, **arguments)  # a decision nobody gated is still refused
    approval = record_approval(session, **arguments, accepted_by_workflow=True)
    assert (approval.approver, approval.decision) == ("ann", "approved")
    with pytest.raises(ConflictError, match="was already approved by 'ann'"):
        record_approval(session, **arguments, accepted_by_workflow=True)


def test_concurrent_replayed_approvals_count_once(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with session_scope(factory) as session:
        change = _change(session)
        ann = _approver(session)
        _awaiting(session, change)

    def approve(session: Session) -> object:
        return record_approval(
            session,
            tenant="acme",
            change_id=change.id,
            plan_revision=1,
            approver="ann",
            approver_token_id=ann,
            decision="approved",
            comment="ok",
        )

    results, errors = _race(factory, 4, approve)
    assert len(results) == 1 and len(errors) == 3
    assert all(isinstance(e, ConflictError) for e in errors)
    with session_scope(factory) as session:
        assert len(approvals(session, tenant="acme", change_id=change.id)) == 1


# --- backups and scoping ---------------------------------------------------------------------


def test_backup_links(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    for device in ("r2", "r1"):
        store_backup(
            session,
            tenant="acme",
            device=device,
            content=f"hostname {device}\n",
            run_id=None,
            collected_at=T0,
        )
    store_backup(
        session,
        tenant="acme",
        device="r2",
        content="hostname r2-new\n",
        run_id=None,
        collected_at=T0,
    )
    first = link_backup(session, tenant="acme", change_id=change.id, device="r2", backup_version=1)
    session.commit()
    again = link_backup(session, tenant="acme", change_id=change.id, device="r2", backup_version=1)
    assert again == first
    with pytest.raises(ConflictError, match="already links r2 to backup v1"):
        link_backup(session, tenant="acme", change_id=change.id, device="r2", backup_version=2)
    with pytest.raises(NotFoundError, match="backup r3 v1 not found in tenant 'acme'"):
        link_backup(session, tenant="acme", change_id=change.id, device="r3", backup_version=1)
    with pytest.raises(InvalidInputError, match="backup_version must be a positive integer"):
        link_backup(session, tenant="acme", change_id=change.id, device="r1", backup_version=0)
    link_backup(session, tenant="acme", change_id=change.id, device="r1", backup_version=1)
    session.commit()
    links = backups_of(session, tenant="acme", change_id=change.id)
    assert [(b.device, b.backup_version) for b in links] == [("r1", 1), ("r2", 1)]


def test_concurrent_links_keep_one(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with session_scope(factory) as session:
        change = _change(session)
        store_backup(
            session, tenant="acme", device="r1", content="x\n", run_id=None, collected_at=T0
        )
    results, errors = _race(
        factory,
        6,
        lambda session: link_backup(
            session, tenant="acme", change_id=change.id, device="r1", backup_version=1
        ),
    )
    assert errors == []
    assert len(set(results)) == 1
    with session_scope(factory) as session:
        assert len(backups_of(session, tenant="acme", change_id=change.id)) == 1


def test_another_tenants_change_is_not_found(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    ann = _approver(session)
    _awaiting(session, change)
    store_backup(session, tenant="globex", device="r1", content="x\n", run_id=None, collected_at=T0)
    store_backup(session, tenant="acme", device="r1", content="y\n", run_id=None, collected_at=T0)
    link_backup(session, tenant="acme", change_id=change.id, device="r1", backup_version=1)
    session.commit()
    scoped = {"tenant": "globex", "change_id": change.id}
    assert get_change(session, **scoped) is None
    assert [c.id for c in list_changes(session, tenant="globex")] == []
    assert events(session, **scoped) == []
    assert plans(session, **scoped) == [] and latest_plan(session, **scoped) is None
    assert approvals(session, **scoped) == [] and backups_of(session, **scoped) == []
    not_found = "not found in tenant 'globex'"
    with pytest.raises(NotFoundError, match=not_found):
        transition(session, tenant="globex", change_id=change.id, to_status="failed", actor="w")
    with pytest.raises(NotFoundError, match=not_found):
        add_plan(session, **scoped, devices=DEVICES, plan_hash="h9")
    with pytest.raises(NotFoundError, match=not_found):
        record_approval(
            session,
            **scoped,
            plan_revision=1,
            approver="ann",
            approver_token_id=ann,
            decision="approved",
            comment="ok",
        )
    with pytest.raises(NotFoundError, match=not_found):
        link_backup(session, **scoped, device="r1", backup_version=1)
    session.rollback()
    stored = get_change(session, tenant="acme", change_id=change.id)
    assert stored is not None and stored.status == "awaiting_approval"
    assert len(plans(session, tenant="acme", change_id=change.id)) == 1
