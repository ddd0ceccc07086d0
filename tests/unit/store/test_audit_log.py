"""The audit log is append-only: refused by the ORM and by database triggers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.store.errors import AppendOnlyError, InvalidInputError
from services.store.models import AuditEntry
from services.store.repos.audit_log import list_entries, record
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
