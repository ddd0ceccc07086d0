"""API tokens: issue, authenticate, revoke, expire; only the HMAC is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, String, Text, inspect, select, text
from sqlalchemy.orm import Session

from services.core.errors import NotFoundError
from services.store.errors import InvalidInputError
from services.store.models import ApiToken
from services.store.repos.tokens import (
    authenticate,
    create_token,
    get_token,
    hash_token,
    list_tokens,
    revoke_token,
)
from tests.unit.store.helpers import T0

PEPPER = "test-pepper-0123456789abcdef0123456789"


def test_create_and_authenticate(session: Session, tenants: tuple[str, str]) -> None:
    token, out = create_token(session, role="tenant", tenant="acme", name="ci", pepper=PEPPER)
    session.commit()
    assert token.startswith(f"nw_{out.prefix}_")
    assert (out.role, out.tenant, out.revoked_at, out.last_used_at) == (
        "tenant",
        "acme",
        None,
        None,
    )
    who = authenticate(session, token=token, pepper=PEPPER, now=T0)
    assert who is not None
    assert (who.token_id, who.name, who.role, who.tenant) == (out.id, "ci", "tenant", "acme")


def test_admin_token_has_no_tenant(session: Session) -> None:
    token, _ = create_token(session, role="admin", tenant=None, name="root", pepper=PEPPER)
    who = authenticate(session, token=token, pepper=SecretStr(PEPPER), now=T0)
    assert who is not None and (who.role, who.tenant) == ("admin", None)


ROLE_ERRORS = [
    ("tenant", None, "tenant is required when role is 'tenant'"),
    ("engineer", "acme", "tenant must be empty when role is 'engineer'"),
    ("root", None, "role 'root' is invalid"),
]


def test_role_and_tenant_must_agree(session: Session, tenants: tuple[str, str]) -> None:
    for role, tenant, message in ROLE_ERRORS:
        with pytest.raises(InvalidInputError, match=message):
            create_token(session, role=role, tenant=tenant, name="x", pepper=PEPPER)


def test_a_lifetime_in_the_past_is_refused(session: Session) -> None:
    for expires_at in (T0, T0 - timedelta(days=5)):
        with pytest.raises(InvalidInputError, match="is not in the future"):
            create_token(
                session,
                role="admin",
                tenant=None,
                name="x",
                pepper=PEPPER,
                expires_at=expires_at,
                now=T0,
            )


def test_unknown_tenant_and_bad_fields_are_refused(session: Session) -> None:
    with pytest.raises(NotFoundError, match="tenant 'nobody' not found"):
        create_token(session, role="tenant", tenant="nobody", name="x", pepper=PEPPER)
    with pytest.raises(InvalidInputError, match="name"):
        create_token(session, role="admin", tenant=None, name=" ", pepper=PEPPER)
    with pytest.raises(InvalidInputError, match="expires_at must be timezone-aware"):
        create_token(
            session,
            role="admin",
            tenant=None,
            name="x",
            pepper=PEPPER,
            expires_at=T0.replace(tzinfo=None),
        )
    with pytest.raises(InvalidInputError, match="pepper"):
        create_token(session, role="admin", tenant=None, name="x", pepper="")


def test_only_the_hash_is_stored(session: Session, engine: Engine) -> None:
    token, out = create_token(session, role="engineer", tenant=None, name="eng", pepper=PEPPER)
    session.commit()
    secret = token.split("_", 2)[2]
    inspector = inspect(engine)
    text_columns = [
        (table, column["name"])
        for table in inspector.get_table_names()
        for column in inspector.get_columns(table)
        if isinstance(column["type"], String | Text)
    ]
    assert ("api_tokens", "token_hash") in text_columns
    with engine.connect() as connection:
        for table, column in text_columns:
            for value in connection.execute(text(f'SELECT "{column}" FROM {table}')).scalars():
                assert value is None or (token not in value and secret not in value)
    stored = session.scalars(select(ApiToken.token_hash).where(ApiToken.id == out.id)).one()
    assert stored == hash_token(token, PEPPER)
    assert "hash" not in out.model_dump() and "token_hash" not in out.model_dump()


MALFORMED = [
    "",
    "nw_",
    "Bearer nw_abc",
    "nw_0123456789ab",
    "nw_0123456789ab_short",
    "nw_0123456789AB_" + "a" * 43,
    "xx_0123456789ab_" + "a" * 43,
    "nw_0123456789ab_" + "a" * 43 + "\n",
]


def test_malformed_tokens_are_refused(session: Session) -> None:
    token, _ = create_token(session, role="admin", tenant=None, name="x", pepper=PEPPER)
    for bad in [*MALFORMED, token + "x", token[:-1], " " + token]:
        assert authenticate(session, token=bad, pepper=PEPPER, now=T0) is None, bad


def test_wrong_secret_and_wrong_pepper_are_refused(session: Session) -> None:
    token, out = create_token(session, role="admin", tenant=None, name="x", pepper=PEPPER)
    forged = f"nw_{out.prefix}_" + "A" * 43
    assert authenticate(session, token=forged, pepper=PEPPER, now=T0) is None
    assert authenticate(session, token=token, pepper="another-pepper", now=T0) is None
    unknown = "nw_000000000000_" + token.split("_", 2)[2]
    assert authenticate(session, token=unknown, pepper=PEPPER, now=T0) is None


def test_revoke(session: Session, tenants: tuple[str, str]) -> None:
    token, out = create_token(session, role="tenant", tenant="acme", name="x", pepper=PEPPER)
    with pytest.raises(NotFoundError):
        revoke_token(session, token_id=out.id, tenant="globex", now=T0)
    revoked = revoke_token(session, token_id=out.id, tenant="acme", now=T0)
    again = revoke_token(session, token_id=out.id, now=T0 + timedelta(hours=1))
    session.commit()
    assert revoked.revoked_at == again.revoked_at == T0
    assert authenticate(session, token=token, pepper=PEPPER, now=T0) is None
    with pytest.raises(NotFoundError, match="token 999999 not found"):
        revoke_token(session, token_id=999999)


def test_expiry(session: Session) -> None:
    token, _ = create_token(
        session,
        role="approver",
        tenant=None,
        name="x",
        pepper=PEPPER,
        expires_at=T0 + timedelta(hours=1),
        now=T0,
    )
    session.commit()
    assert authenticate(session, token=token, pepper=PEPPER, now=T0) is not None
    at_expiry = T0 + timedelta(hours=1)
    assert authenticate(session, token=token, pepper=PEPPER, now=at_expiry) is None


def test_last_used_is_recorded(session: Session) -> None:
    token, out = create_token(session, role="admin", tenant=None, name="x", pepper=PEPPER)
    authenticate(session, token=token, pepper=PEPPER, now=T0)
    authenticate(session, token=token, pepper=PEPPER, now=T0 + timedelta(seconds=5))
    session.commit()
    seen = get_token(session, token_id=out.id)
    assert seen is not None and seen.last_used_at == T0
    authenticate(session, token=token, pepper=PEPPER, now=T0 + timedelta(minutes=2))
    session.commit()
    seen = get_token(session, token_id=out.id)
    assert seen is not None and seen.last_used_at == T0 + timedelta(minutes=2)


def test_listing_is_scoped(session: Session, tenants: tuple[str, str]) -> None:
    _, acme = create_token(session, role="tenant", tenant="acme", name="a", pepper=PEPPER)
    _, globex = create_token(session, role="tenant", tenant="globex", name="g", pepper=PEPPER)
    _, admin = create_token(session, role="admin", tenant=None, name="root", pepper=PEPPER)
    session.commit()
    assert [t.id for t in list_tokens(session)] == [acme.id, globex.id, admin.id]
    assert [t.id for t in list_tokens(session, tenant="acme")] == [acme.id]
    assert get_token(session, token_id=globex.id, tenant="acme") is None
    assert get_token(session, token_id=admin.id, tenant="acme") is None
