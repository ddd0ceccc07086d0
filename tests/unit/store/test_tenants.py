"""Tenants."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from services.store.errors import InvalidInputError
from services.store.repos.tenants import ensure_tenant, get_tenant, list_tenants


def test_ensure_creates_once(session: Session) -> None:
    first = ensure_tenant(session, name="acme", display_name="ACME Corp")
    again = ensure_tenant(session, name="acme")
    session.commit()
    assert again == first
    assert first.display_name == "ACME Corp"
    assert first.created_at.tzinfo is not None
    assert [t.name for t in list_tenants(session)] == ["acme"]


def test_ensure_updates_display_name(session: Session) -> None:
    ensure_tenant(session, name="acme")
    assert ensure_tenant(session, name="acme", display_name="ACME").display_name == "ACME"
    session.commit()
    found = get_tenant(session, name="acme")
    assert found is not None and found.display_name == "ACME"


def test_get_missing_is_none(session: Session) -> None:
    assert get_tenant(session, name="nobody") is None


def test_list_is_sorted(session: Session) -> None:
    for name in ("initech", "acme", "globex"):
        ensure_tenant(session, name=name)
    assert [t.name for t in list_tenants(session)] == ["acme", "globex", "initech"]


BAD_NAMES = ["", "ACME", "-acme", "acme-", "a b", "x" * 64, "acme/../x", "acme\n"]


def test_bad_names_are_refused(session: Session) -> None:
    for name in BAD_NAMES:
        with pytest.raises(InvalidInputError, match="tenant name"):
            ensure_tenant(session, name=name)
    assert list_tenants(session) == []
