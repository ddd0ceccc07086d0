"""The audit log is append-only: refused by the ORM and by database triggers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.store.errors import AppendOnlyError, InvalidInputError
from services.store.models import AuditEntry
from services.store.repos.audit_log import (
    AuditQuery,
    decode_cursor,
    encode_cursor,
    find_entries,
    list_entries,
    record,
)
from tests.unit.store.helpers import T0


def _record_three(session: Session) -> None:
    record(session, actor="alice", action="token.create", tenant=None, object="token:1", at=T0)
    record(
        session,
        actor="bob",
        action="backup.run",
        tenant="acme",
        object="run:42",
        detail={"devices": 3, "failed": []},
        at=T0 + timedelta(seconds=1),
    )
    record(session, actor="carol", action="backup.run", tenant="globex", object="run:43")
    session.commit()


def test_record_and_list(session: Session) -> None:
    _record_three(session)
    entries = list_entries(session)
    assert [e.actor for e in entries] == ["carol", "bob", "alice"]
    bob = entries[1]
    assert (bob.action, bob.tenant, bob.object) == ("backup.run", "acme", "run:42")
    assert bob.detail == {"devices": 3, "failed": []}
    assert bob.at == T0 + timedelta(seconds=1)
    assert entries[2].detail == {}
    assert [e.actor for e in list_entries(session, tenant="acme")] == ["bob"]
    assert list_entries(session, tenant="nobody") == []
    assert [e.actor for e in list_entries(session, limit=1)] == ["carol"]
    assert [e.actor for e in list_entries(session, before_id=entries[1].id)] == ["alice"]


def test_bad_input_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInputError, match="detail must be JSON-serialisable"):
        record(session, actor="a", action="x", tenant=None, object="o", detail={"x": object()})
    with pytest.raises(InvalidInputError, match="actor"):
        record(session, actor="", action="x", tenant=None, object="o")
    with pytest.raises(InvalidInputError, match="limit"):
        list_entries(session, limit=0)


def test_orm_update_and_delete_are_refused(session: Session) -> None:
    _record_three(session)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.actor == "bob")).one()
    entry.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    session.delete(session.scalars(select(AuditEntry).where(AuditEntry.actor == "bob")).one())
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    with pytest.raises(AppendOnlyError):
        session.execute(update(AuditEntry).values(action="rewritten"))
    with pytest.raises(AppendOnlyError):
        session.execute(delete(AuditEntry))
    session.rollback()
    assert [e.action for e in list_entries(session)] == ["backup.run", "backup.run", "token.create"]


def test_raw_sql_is_refused_by_trigger(session: Session, engine: Engine) -> None:
    _record_three(session)
    session.close()
    statements = ["UPDATE audit_log SET action = 'rewritten'", "DELETE FROM audit_log"]
    if engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_log")  # SQLite has no TRUNCATE
    for statement in statements:
        with pytest.raises(IntegrityError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 3


def _query(**fields: object) -> AuditQuery:
    return AuditQuery.model_validate(fields)


def test_find_entries_filters(session: Session) -> None:
    _record_three(session)
    record(session, actor="bob", action="change.request", tenant="acme", object="c1", at=T0)
    record(session, actor="bob", action="change_x", tenant="acme", object="c2", at=T0)
    session.commit()

    def objects(**fields: object) -> list[str]:
        return [e.object for e in find_entries(session, _query(**fields)).entries]

    assert objects(tenant="acme", actor="bob", action="backup.run") == ["run:42"]
    assert objects(action="change.") == ["c1"]  # a prefix, and `_` is no wildcard
    assert objects(action="change") == []
    assert objects(since=T0 + timedelta(seconds=1), until=T0 + timedelta(seconds=2)) == ["run:42"]
    assert objects(actor="nobody") == []


def test_pages_lose_and_repeat_nothing_with_equal_times(session: Session) -> None:
    for n in range(25):  # five entries at each of five instants, recorded out of order
        record(
            session,
            actor="a",
            action="x",
            tenant="acme",
            object=f"o{n}",
            at=T0 + timedelta(seconds=(n * 3) % 5),
        )
    session.commit()
    everything = find_entries(session, _query(limit=1000))
    assert everything.next_cursor is None
    keys = [(e.at, e.id) for e in everything.entries]
    assert keys == sorted(keys, reverse=True) and len(keys) == 25
    for limit in (1, 2, 4, 5, 7):
        seen, cursor = [], None
        while True:
            page = find_entries(session, _query(tenant="acme", limit=limit, cursor=cursor))
            assert len(page.entries) <= limit
            seen += [e.id for e in page.entries]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [e.id for e in everything.entries], limit


def test_bad_query_names_the_field() -> None:
    for fields, field in (
        ({"cursor": "garbage!"}, "cursor"),
        ({"cursor": encode_cursor(T0, 1)[:-2]}, "cursor"),
        ({"since": "2026-01-01T00:00:00"}, "since"),  # no timezone
        ({"until": "yesterday"}, "until"),
        ({"limit": 1001}, "limit"),
        ({"limit": 0}, "limit"),
    ):
        with pytest.raises(ValidationError) as caught:
            _query(**fields)
        assert caught.value.errors()[0]["loc"] == (field,), fields
    assert decode_cursor(encode_cursor(T0, 7)) == (T0, 7)


def test_query_refuses_control_characters_and_times_out_of_range() -> None:
    for fields, field in (
        ({"tenant": "ac\x00me"}, "tenant"),
        ({"actor": "a\nb"}, "actor"),
        ({"since": "0001-01-01T00:00:00+14:00"}, "since"),
        ({"cursor": "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzE0OjAwIiwgMV0"}, "cursor"),  # that time
    ):
        with pytest.raises(ValidationError) as caught:
            _query(**fields)
        assert caught.value.errors()[0]["loc"] == (field,), fields
