"""Intent revisions and device locks: written once per (change, device), seq per device,
folding, all-or-none locks, stale locks of ended changes, tenant scoping."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.changes.lifecycle import ChangeStatus
from services.core.errors import NotFoundError
from services.intent.model import IntentEdit
from services.store.db import session_scope
from services.store.errors import InvalidInputError
from services.store.models import DeviceLock, IntentRevisionRow
from services.store.repos import intent as intent_repo
from services.store.repos.changes import create_change, transition
from services.store.repos.tenants import tenant_id_of

T = TypeVar("T")
RATE = [IntentEdit(path="wan.bandwidth_mbps", before=200, after=500)]
VLAN = [IntentEdit(path="vlan_handoffs[vlan_id=300]", before=None, after={"vlan_id": 300})]


def _change(session: Session, tenant: str = "acme") -> str:
    change, _ = create_change(
        session,
        tenant=tenant,
        site="hq",
        kind="wan_bandwidth",
        params={"bandwidth_mbps": 500},
        requested_by="portal",
    )
    return change.id


def _record(
    session: Session, change_id: str, edits: dict[str, list[IntentEdit]], tenant: str = "acme"
) -> list[intent_repo.IntentRevision]:
    return intent_repo.record_revisions(
        session,
        tenant=tenant,
        change_id=change_id,
        kind="wan_bandwidth",
        requested_by="portal",
        approved_by="ann",
        edits=edits,
    )


def _rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(IntentRevisionRow)) or 0


def _holders(session: Session, tenant: str = "acme") -> dict[str, str]:
    """Each locked device of the tenant with the change that holds it."""
    rows = session.scalars(
        select(DeviceLock).where(DeviceLock.tenant_id == tenant_id_of(session, name=tenant))
    )
    return {row.device: row.change_id for row in rows}


def _race(
    factory: sessionmaker[Session], count: int, work: Callable[[Session, int], T]
) -> tuple[list[T], list[BaseException]]:
    """Run `work` in `count` threads at once, each in its own transaction."""
    results: list[T] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def attempt(index: int) -> None:
        try:
            start.wait()
            with session_scope(factory) as session:
                results.append(work(session, index))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


# --- revisions ---------------------------------------------------------------------------------


def test_record_revisions_writes_one_revision_per_device(
    session: Session, tenants: tuple[str, str]
) -> None:
    change = _change(session)
    written = _record(session, change, {"r2": VLAN, "r1": RATE, "r3": []})
    session.commit()
    assert [(r.device, r.seq, r.change_id) for r in written] == [
        ("r1", 1, change),
        ("r2", 1, change),
    ]
    first = written[0]
    assert (first.tenant, first.kind, first.requested_by, first.approved_by) == (
        "acme",
        "wan_bandwidth",
        "portal",
        "ann",
    )
    assert first.edits == RATE and first.folded_at is None and first.folded_by is None
    assert intent_repo.revisions(session, tenant="acme") == written


def test_record_revisions_is_idempotent(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    first = _record(session, change, {"r1": RATE, "r2": VLAN})
    session.commit()
    again = _record(session, change, {"r1": RATE, "r2": VLAN})  # a retried activity
    session.commit()
    assert again == first
    assert _rows(session) == 2
    assert intent_repo.revisions_of_change(session, tenant="acme", change_id=change) == first


def test_seq_increases_per_device(session: Session, tenants: tuple[str, str]) -> None:
    one, two, three = _change(session), _change(session), _change(session)
    _record(session, one, {"r1": RATE, "r2": RATE})
    _record(session, two, {"r1": VLAN})
    _record(session, three, {"r1": RATE, "r3": RATE})
    _record(session, _change(session, "globex"), {"r1": RATE}, tenant="globex")
    session.commit()
    seqs = [(r.device, r.seq, r.change_id) for r in intent_repo.revisions(session, tenant="acme")]
    assert seqs == [
        ("r1", 1, one),
        ("r1", 2, two),
        ("r1", 3, three),
        ("r2", 1, one),
        ("r3", 1, three),
    ]
    assert [r.seq for r in intent_repo.revisions(session, tenant="globex")] == [1]
    assert [r.seq for r in intent_repo.revisions(session, tenant="acme", device="r1")] == [1, 2, 3]


def test_concurrent_changes_on_one_device_get_distinct_seqs(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with session_scope(factory) as session:
        changes = [_change(session) for _ in range(4)]

    def write(session: Session, index: int) -> int:
        [revision] = _record(session, changes[index], {"r1": RATE})
        return revision.seq

    seqs, errors = _race(factory, 4, write)
    assert errors == []
    assert sorted(seqs) == [1, 2, 3, 4]


def test_revisions_are_scoped_by_tenant(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    _record(session, change, {"r1": RATE})
    session.commit()
    assert intent_repo.revisions(session, tenant="globex") == []
    assert intent_repo.revisions_of_change(session, tenant="globex", change_id=change) == []
    with pytest.raises(NotFoundError):
        _record(session, change, {"r1": RATE}, tenant="nobody")


def test_fold_marks_revisions_once(session: Session, tenants: tuple[str, str]) -> None:
    acme = _record(session, _change(session), {"r1": RATE, "r2": RATE})
    globex = _record(session, _change(session, "globex"), {"r1": RATE}, tenant="globex")
    session.commit()
    at = intent_repo.fold(session, tenant="acme", ids=[acme[0].id, globex[0].id], actor="ops")
    session.commit()
    r1, r2 = intent_repo.revisions(session, tenant="acme")
    assert (r1.folded_at, r1.folded_by) == (at, "ops")
    assert (r2.folded_at, r2.folded_by) == (None, None)
    [other] = intent_repo.revisions(session, tenant="globex")  # another tenant's id: untouched
    assert other.folded_at is None
    intent_repo.fold(session, tenant="acme", ids=[acme[0].id], actor="someone-else")
    intent_repo.fold(session, tenant="acme", ids=[], actor="ops")
    session.commit()
    assert intent_repo.revisions(session, tenant="acme")[0].folded_by == "ops"
    with pytest.raises(InvalidInputError):
        intent_repo.fold(session, tenant="acme", ids=[acme[1].id], actor="")


# --- device locks ------------------------------------------------------------------------------


def test_lock_devices_is_all_or_none(session: Session, tenants: tuple[str, str]) -> None:
    first, second = _change(session), _change(session)
    taken = intent_repo.lock_devices(session, tenant="acme", change_id=first, devices=["r1", "r2"])
    assert taken == {}
    busy = intent_repo.lock_devices(
        session, tenant="acme", change_id=second, devices=["r3", "r2", "r4"]
    )
    session.commit()
    assert busy == {"r2": first}
    assert _holders(session) == {"r1": first, "r2": first}  # r3 and r4 were not taken


def test_lock_devices_returns_empty_when_held(session: Session, tenants: tuple[str, str]) -> None:
    change = _change(session)
    assert intent_repo.lock_devices(session, tenant="acme", change_id=change, devices=["r1"]) == {}
    # Again by the same change, with one more device: fine, and no second row.
    again = intent_repo.lock_devices(session, tenant="acme", change_id=change, devices=["r1", "r2"])
    session.commit()
    assert again == {}
    assert _holders(session) == {"r1": change, "r2": change}


def test_unlock_releases_the_devices(session: Session, tenants: tuple[str, str]) -> None:
    first, second = _change(session), _change(session)
    intent_repo.lock_devices(session, tenant="acme", change_id=first, devices=["r1", "r2"])
    intent_repo.lock_devices(session, tenant="acme", change_id=second, devices=["r3"])
    assert intent_repo.unlock_devices(session, tenant="acme", change_id=first) == 2
    assert intent_repo.unlock_devices(session, tenant="acme", change_id=first) == 0
    assert intent_repo.lock_devices(session, tenant="acme", change_id=second, devices=["r1"]) == {}
    session.commit()
    assert _holders(session) == {"r1": second, "r3": second}


def test_a_lock_of_an_ended_change_is_taken_over(
    session: Session, tenants: tuple[str, str]
) -> None:
    ended, running, waiting = _change(session), _change(session), _change(session)
    intent_repo.lock_devices(session, tenant="acme", change_id=ended, devices=["r1", "r2"])
    intent_repo.lock_devices(session, tenant="acme", change_id=running, devices=["r3"])
    transition(session, tenant="acme", change_id=ended, to_status="failed", actor="worker")
    session.commit()
    # The failed change never gave r1 and r2 back (its workflow was terminated).
    busy = intent_repo.lock_devices(session, tenant="acme", change_id=waiting, devices=["r1", "r3"])
    assert busy == {"r3": running}
    assert intent_repo.lock_devices(session, tenant="acme", change_id=waiting, devices=["r1"]) == {}
    session.commit()
    assert _holders(session) == {"r1": waiting, "r3": running}  # all of the ended change's go


@pytest.mark.parametrize("stopped", ["withdrawn", "cancelled"])
def test_a_lock_of_a_stopped_change_is_taken_over(
    session: Session, tenants: tuple[str, str], stopped: ChangeStatus
) -> None:
    ended, waiting = _change(session), _change(session)
    intent_repo.lock_devices(session, tenant="acme", change_id=ended, devices=["r1"])
    transition(session, tenant="acme", change_id=ended, to_status=stopped, actor="ann")
    session.commit()
    # Withdrawn and cancelled end a change like any terminal status: its locks are stale.
    assert intent_repo.lock_devices(session, tenant="acme", change_id=waiting, devices=["r1"]) == {}
    session.commit()
    assert _holders(session) == {"r1": waiting}


def test_locks_are_per_tenant(session: Session, tenants: tuple[str, str]) -> None:
    acme, globex = _change(session), _change(session, "globex")
    assert intent_repo.lock_devices(session, tenant="acme", change_id=acme, devices=["r1"]) == {}
    assert (
        intent_repo.lock_devices(session, tenant="globex", change_id=globex, devices=["r1"]) == {}
    )
    assert intent_repo.unlock_devices(session, tenant="globex", change_id=acme) == 0
    session.commit()
    assert (_holders(session, "acme"), _holders(session, "globex")) == (
        {"r1": acme},
        {"r1": globex},
    )


def test_concurrent_lockers_get_the_device_once(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with session_scope(factory) as session:
        changes = [_change(session) for _ in range(4)]

    def lock(session: Session, index: int) -> dict[str, str]:
        return intent_repo.lock_devices(
            session, tenant="acme", change_id=changes[index], devices=["r1", "r2"]
        )

    results, errors = _race(factory, 4, lock)
    assert errors == []
    assert sum(1 for busy in results if busy == {}) == 1
    with factory() as session:
        holders = _holders(session)
    assert set(holders) == {"r1", "r2"} and len(set(holders.values())) == 1
    assert all(set(busy.values()) <= set(holders.values()) for busy in results)
