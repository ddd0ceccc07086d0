"""Config backups: versions, dedup, run idempotence, tenant scoping and diffs."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from services.core.errors import NotFoundError
from services.store.db import session_scope
from services.store.errors import InvalidInputError
from services.store.models import ConfigBackup, ConfigBlob
from services.store.repos import backups
from services.store.repos.backups import (
    StoredBackup,
    content_hash,
    diff_backups,
    get_backup,
    latest_backup,
    list_backups,
    store_backup,
    writes,
)
from tests.unit.store.helpers import T0

V1 = "hostname r1\ninterface Gi0/1\n description uplink\n"
V2 = "hostname r1\ninterface Gi0/1\n description core uplink\n"


def _store(
    session: Session,
    content: str,
    run_id: str | None,
    *,
    tenant: str = "acme",
    device: str = "r1",
    minutes: int = 0,
) -> StoredBackup:
    return store_backup(
        session,
        tenant=tenant,
        device=device,
        content=content,
        run_id=run_id,
        collected_at=T0 + timedelta(minutes=minutes),
    )


def test_versions_only_on_change(session: Session, tenants: tuple[str, str]) -> None:
    first = _store(session, V1, "run-1")
    same = _store(session, V1, "run-2", minutes=1)
    changed = _store(session, V2, "run-3", minutes=2)
    back = _store(session, V1, None, minutes=3)
    session.commit()
    assert (first.version, first.outcome) == (1, "backed_up")
    assert (same.version, same.outcome) == (1, "unchanged")
    assert (changed.version, changed.outcome) == (2, "backed_up")
    assert (back.version, back.outcome) == (3, "backed_up")
    assert first.content_hash == content_hash(V1) == back.content_hash
    listed = list_backups(session, tenant="acme", device="r1")
    assert [(b.version, b.run_id) for b in listed] == [(1, "run-1"), (2, "run-3"), (3, None)]
    assert listed[0].size == len(V1.encode())
    assert listed[0].collected_at == T0


def test_content_is_stored_once(session: Session, tenants: tuple[str, str]) -> None:
    _store(session, V1, "a", device="r1")
    _store(session, V1, "b", device="r2")
    _store(session, V1, "c", tenant="globex", device="r1")
    _store(session, V2, "d", device="r1")
    _store(session, V1, "e", device="r1")
    session.commit()
    assert session.scalar(select(func.count()).select_from(ConfigBlob)) == 2
    assert session.scalar(select(func.count()).select_from(ConfigBackup)) == 5


def test_same_run_is_idempotent(session: Session, tenants: tuple[str, str]) -> None:
    first = _store(session, V1, "run-1")
    session.commit()
    assert _store(session, V1, "run-1") == first
    # A retry that collected something else still answers with what the run stored.
    assert _store(session, V2, "run-1", minutes=5) == first
    session.commit()
    assert len(list_backups(session, tenant="acme")) == 1


def _stale_first_look(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make store_backup's first read miss everything, as if it ran before the winner's commit."""
    real = writes._device_state
    calls: list[str] = []

    def stale_once(*args: Any) -> Any:
        calls.append("look")
        return writes._DeviceState(None, None) if len(calls) == 1 else real(*args)

    monkeypatch.setattr(writes, "_device_state", stale_once)
    return calls


def test_lost_race_on_run_id_returns_the_winner(
    session: Session, tenants: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = _store(session, V1, "run-1")
    session.commit()
    calls = _stale_first_look(monkeypatch)
    assert _store(session, V2, "run-1") == winner
    assert calls == ["look", "look"]
    session.commit()
    assert len(list_backups(session, tenant="acme")) == 1


def test_lost_race_on_version_takes_the_next(
    session: Session, tenants: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(session, V1, "run-1")
    session.commit()
    calls = _stale_first_look(monkeypatch)
    assert _store(session, V2, "run-2").version == 2
    assert calls == ["look", "look"]
    session.commit()
    assert [b.version for b in list_backups(session, tenant="acme")] == [1, 2]


def test_concurrent_retries_store_one_version(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    results: list[StoredBackup] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def attempt() -> None:
        try:
            start.wait()
            with session_scope(factory) as session:
                results.append(_store(session, V2, "run-1"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {(r.version, r.outcome) for r in results} == {(1, "backed_up")}
    with session_scope(factory) as session:
        assert len(list_backups(session, tenant="acme")) == 1


def test_tenants_are_isolated(session: Session, tenants: tuple[str, str]) -> None:
    _store(session, V1, "run-1", tenant="acme")
    _store(session, V2, "run-1", tenant="globex")
    session.commit()
    acme = get_backup(session, tenant="acme", device="r1", version=1)
    globex = get_backup(session, tenant="globex", device="r1", version=1)
    assert acme is not None and acme.content == V1 and acme.tenant == "acme"
    assert globex is not None and globex.content == V2
    assert get_backup(session, tenant="globex", device="r1", version=2) is None
    assert get_backup(session, tenant="nobody", device="r1", version=1) is None
    assert [b.tenant for b in list_backups(session, tenant="globex")] == ["globex"]
    assert list_backups(session, tenant="nobody") == []
    with pytest.raises(NotFoundError, match="tenant 'nobody' not found"):
        _store(session, V1, "run-1", tenant="nobody")


def test_latest_and_listing(session: Session, tenants: tuple[str, str]) -> None:
    assert latest_backup(session, tenant="acme", device="r1") is None
    _store(session, V1, "1", device="r1")
    _store(session, V2, "2", device="r1")
    _store(session, V1, "3", device="r0")
    latest = latest_backup(session, tenant="acme", device="r1")
    assert latest is not None and (latest.version, latest.content) == (2, V2)
    assert latest_backup(session, tenant="globex", device="r1") is None
    listed = list_backups(session, tenant="acme")
    assert [(b.device, b.version) for b in listed] == [("r0", 1), ("r1", 1), ("r1", 2)]


def test_diff(session: Session, tenants: tuple[str, str]) -> None:
    _store(session, V1, "1")
    _store(session, V2, "2")
    diff = diff_backups(session, tenant="acme", device="r1", from_version=1, to_version=2)
    assert diff.splitlines() == [
        "--- r1 v1",
        "+++ r1 v2",
        "@@ -1,3 +1,3 @@",
        " hostname r1",
        " interface Gi0/1",
        "- description uplink",
        "+ description core uplink",
    ]
    assert diff_backups(session, tenant="acme", device="r1", from_version=2, to_version=2) == ""
    with pytest.raises(NotFoundError, match="backup r1 v3 not found in tenant 'acme'"):
        diff_backups(session, tenant="acme", device="r1", from_version=1, to_version=3)
    with pytest.raises(NotFoundError, match="tenant 'globex'"):
        diff_backups(session, tenant="globex", device="r1", from_version=1, to_version=2)


def test_bad_input_is_refused(session: Session, tenants: tuple[str, str]) -> None:
    with pytest.raises(InvalidInputError, match="collected_at must be timezone-aware"):
        store_backup(
            session,
            tenant="acme",
            device="r1",
            content=V1,
            run_id=None,
            collected_at=T0.replace(tzinfo=None),
        )
    with pytest.raises(InvalidInputError, match="device"):
        _store(session, V1, None, device="")


# --- store_backups: the audit's batch path ---------------------------------------------------


def _batch(session: Session, run_id: str, **configs: str) -> list[StoredBackup]:
    items = [backups.BackupItem(device, text) for device, text in configs.items()]
    return backups.store_backups(
        session, tenant="acme", items=items, run_id=run_id, collected_at=T0
    )


def test_a_batch_answers_like_one_call_per_device(
    session: Session, tenants: tuple[str, str]
) -> None:
    _store(session, V1, "run-0", device="r2")
    _store(session, V1, "run-0", device="r3")
    _store(session, V2, "run-00", device="r3")
    session.commit()
    first = _batch(session, "run-1", r1=V1, r2=V1, r3=V1)
    session.commit()
    assert [(b.device, b.version, b.outcome) for b in first] == [
        ("r1", 1, "backed_up"),  # new device
        ("r2", 1, "unchanged"),  # same text as its newest version
        ("r3", 3, "backed_up"),  # back to V1 after V2: a new version
    ]
    assert _batch(session, "run-1", r1=V1, r2=V1, r3=V1) == first  # a retry of the same run
    assert _batch(session, "run-1", r1=V2)[0] == first[0]  # what this run stored stays its answer
    assert session.scalar(select(func.count()).select_from(ConfigBlob)) == 2  # V1 and V2 once
    assert _batch(session, "run-2") == []


def test_a_batch_that_meets_a_concurrent_writer_goes_device_by_device(
    session: Session, tenants: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(session, V2, "other", device="r2")  # committed by a writer the batch did not see
    session.commit()
    real = writes._batch_state
    looks: list[str] = []

    def stale_once(*args: Any) -> Any:
        looks.append("look")
        return ({}, {}) if len(looks) == 1 else real(*args)

    monkeypatch.setattr(writes, "_batch_state", stale_once)
    stored = _batch(session, "run-1", r1=V1, r2=V1)
    session.commit()
    assert [(b.device, b.version, b.outcome) for b in stored] == [
        ("r1", 1, "backed_up"),
        ("r2", 2, "backed_up"),  # after the other writer's version 1, not over it
    ]
    listed = sorted((b.device, b.version) for b in list_backups(session, tenant="acme"))
    assert listed == [("r1", 1), ("r2", 1), ("r2", 2)]


def test_a_batch_refuses_bad_input_before_writing(
    session: Session, tenants: tuple[str, str]
) -> None:
    with pytest.raises(InvalidInputError, match="device"):
        _batch(session, "run-1", **{"r1": V1, "x" * 300: V1})
    with pytest.raises(InvalidInputError, match="run_id"):
        _batch(session, " ", r1=V1)
    items = [backups.BackupItem("r1", V1), backups.BackupItem("r1", V2)]
    with pytest.raises(InvalidInputError, match="same device twice"):
        backups.store_backups(session, tenant="acme", items=items, run_id="r", collected_at=T0)
    assert list_backups(session, tenant="acme") == []
