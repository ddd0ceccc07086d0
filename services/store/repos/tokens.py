"""API tokens: `nw_<prefix>_<secret>` shown once; only an HMAC-SHA256 with the pepper is kept."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, SecretStr
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.core import principals
from services.core.errors import NotFoundError
from services.store.errors import ConflictError, InvalidInputError
from services.store.models import ROLES, ApiToken, Role, Tenant, utcnow
from services.store.repos._checks import aware, text_field
from services.store.repos.tenants import tenant_id_of

TOKEN_FORMAT = re.compile(r"nw_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
# last_used_at is informational: writing it on every request would serialise readers.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenOut(BaseModel):
    """A token as listings show it: never the secret, never the hash."""

    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    principal: str
    principal_kind: str
    prefix: str
    role: Role
    tenant: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class Identity(BaseModel):
    """Who is calling: the result of a successful authentication."""

    model_config = ConfigDict(frozen=True)

    token_id: int
    name: str  # the principal (services/core/principals.py), never the token's label
    role: Role
    tenant: str | None


def hash_token(token: str, pepper: str | SecretStr) -> str:
    """HMAC-SHA256 of the whole token keyed with the pepper, hex encoded."""
    key = pepper.get_secret_value() if isinstance(pepper, SecretStr) else pepper
    if not key:
        raise InvalidInputError("pepper must not be empty (set NETWAVE_TOKEN_PEPPER)")
    return hmac.new(key.encode(), token.encode(), hashlib.sha256).hexdigest()


def _out(row: ApiToken, tenant: str | None) -> TokenOut:
    """The listing view of a token row."""
    return TokenOut(
        id=row.id,
        name=row.name,
        principal=row.principal,
        principal_kind=row.principal_kind,
        prefix=row.prefix,
        role=row.role,  # the CHECK constraint keeps it a Role
        tenant=tenant,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def _check_scope(role: str, tenant: str | None) -> None:
    """Only `tenant` tokens belong to a tenant, and they always do."""
    if role not in ROLES:
        raise InvalidInputError(f"role {role!r} is invalid: use one of {', '.join(ROLES)}")
    if role == "tenant" and tenant is None:
        raise InvalidInputError("tenant is required when role is 'tenant'")
    if role != "tenant" and tenant is not None:
        raise InvalidInputError(
            f"tenant must be empty when role is {role!r}: only 'tenant' tokens are tenant-scoped"
        )


def create_token(
    session: Session,
    *,
    role: str,
    tenant: str | None,
    name: str,
    pepper: str | SecretStr,
    expires_at: datetime | None = None,
    now: datetime | None = None,
    principal: str | None = None,
    principal_kind: str = "person",
) -> tuple[str, TokenOut]:
    """Issue a token; the plaintext is returned here once and never stored.

    `principal` (default: `name`) is who stands behind it, normalized; one that only looks
    like an existing principal is refused (InvalidInputError).
    """
    _check_scope(role, tenant)
    text_field("name", name, 100)
    who = _principal(session, principal if principal is not None else name)
    if principal_kind not in ("person", "system"):
        raise InvalidInputError(f"principal kind {principal_kind!r}: use person or system")
    if expires_at is not None:
        aware("expires_at", expires_at)
        if expires_at <= (now or utcnow()):
            raise InvalidInputError(
                f"expires_at {expires_at.isoformat()} is not in the future: the token would "
                "never work"
            )
    tenant_id = None if tenant is None else tenant_id_of(session, name=tenant)
    for _ in range(3):
        prefix = secrets.token_hex(6)
        token = f"nw_{prefix}_{secrets.token_urlsafe(32)}"
        row = ApiToken(
            name=name,
            principal=who,
            principal_kind=principal_kind,
            prefix=prefix,
            token_hash=hash_token(token, pepper),
            role=role,
            tenant_id=tenant_id,
            created_at=now or utcnow(),
            expires_at=expires_at,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            continue  # a prefix collision (48 random bits): draw again
        return token, _out(row, tenant)
    raise ConflictError("could not draw an unused token prefix in 3 attempts")


def find_by_prefix(session: Session, prefix: str) -> TokenOut | None:
    """The token with this prefix (from `token list`), or None."""
    found = session.execute(_scoped(None).where(ApiToken.prefix == prefix)).first()
    return None if found is None else _out(*found)


def _principal(session: Session, text: str) -> str:
    try:
        who = principals.normalize(text)
    except principals.PrincipalError as exc:
        raise InvalidInputError(str(exc)) from None
    existing = session.scalars(select(ApiToken.principal).distinct())
    other = principals.look_alike(who, existing)
    if other is not None:
        raise InvalidInputError(
            f"principal {who!r} looks like the existing principal {other!r}: use {other!r} "
            "for the same person or system, or a clearly different name"
        )
    return who


def authenticate(
    session: Session, *, token: str, pepper: str | SecretStr, now: datetime, touch: bool = True
) -> Identity | None:
    """The identity behind a token, or None if it is malformed, unknown, revoked or expired.

    `touch` records last_used_at; read-only requests leave it (they hold no write lock).
    """
    aware("now", now)
    if not isinstance(token, str) or not (match := TOKEN_FORMAT.fullmatch(token)):
        return None
    digest = hash_token(token, pepper)
    found = session.execute(
        select(ApiToken, Tenant.name)
        .outerjoin(Tenant, ApiToken.tenant_id == Tenant.id)
        .where(ApiToken.prefix == match[1])
        # A revocation committed elsewhere must win over a copy cached in this session.
        .execution_options(populate_existing=True)
    ).first()
    if found is None:
        return None
    row, tenant = found
    if not hmac.compare_digest(digest, row.token_hash):
        return None
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return None
    if touch and (row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION):
        row.last_used_at = now
        session.flush()
    return Identity(token_id=row.id, name=row.principal, role=row.role, tenant=tenant)


def _scoped(tenant: str | None) -> Select[ApiToken, str | None]:
    """Tokens with their tenant name, only one tenant's when `tenant` is given."""
    query = select(ApiToken, Tenant.name).outerjoin(Tenant, ApiToken.tenant_id == Tenant.id)
    return query if tenant is None else query.where(Tenant.name == tenant)


def get_token(session: Session, *, token_id: int, tenant: str | None = None) -> TokenOut | None:
    """One token by id (within `tenant` when given), or None."""
    found = session.execute(_scoped(tenant).where(ApiToken.id == token_id)).first()
    return None if found is None else _out(*found)


def list_tokens(session: Session, *, tenant: str | None = None) -> list[TokenOut]:
    """Every token (or one tenant's), oldest first, revoked ones included."""
    rows = session.execute(_scoped(tenant).order_by(ApiToken.id))
    return [_out(*row) for row in rows]


def revoke_token(
    session: Session, *, token_id: int, tenant: str | None = None, now: datetime | None = None
) -> TokenOut:
    """Revoke a token (within `tenant` when given); revoking twice keeps the first time."""
    found = session.execute(_scoped(tenant).where(ApiToken.id == token_id)).first()
    if found is None:
        raise NotFoundError(f"token {token_id} not found")
    row, tenant_name = found
    if row.revoked_at is None:
        row.revoked_at = aware("now", now) if now is not None else utcnow()
        session.flush()
    return _out(row, tenant_name)
