"""Annotated dependencies: database session, settings, the caller's identity, tenant scope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from services.api.state import AppState
from services.core.settings import Settings
from services.store.db import READ_ONLY
from services.store.repos import tenants as tenant_repo
from services.store.repos import tokens as token_repo
from services.store.repos.tokens import Identity

bearer = HTTPBearer(auto_error=False, description="netwave API token: `Bearer nw_...`")

STAFF_ROLES = frozenset({"engineer", "approver", "admin"})


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.netwave
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_settings_dep(state: StateDep) -> Settings:
    return state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


READ_METHODS = frozenset({"GET", "HEAD"})


async def get_session(request: Request, state: StateDep) -> AsyncIterator[Session]:
    """One session per request, committed at the end.

    GET and HEAD read a snapshot (on SQLite: no write lock). Otherwise every request would take
    SQLite's single write lock in its first dependency and need more pool threads to finish:
    with all 40 threads waiting on the lock, the holder could not go on until the busy timeout.
    """
    read_only = request.method in READ_METHODS
    bind = state.sessions.kw["bind"]
    with state.sessions(
        bind=bind.execution_options(**{READ_ONLY: True}) if read_only else bind
    ) as session:
        session.info["read_only"] = read_only
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


SessionDep = Annotated[Session, Depends(get_session)]

UNAUTHORIZED = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="missing, malformed, expired or revoked API token",
    headers={"WWW-Authenticate": "Bearer"},
)


def authenticate_token(session: Session, settings: Settings, token: str) -> Identity | None:
    """The identity behind an API token (bearer header or console sign-in), or None."""
    return token_repo.authenticate(
        session,
        token=token,
        pepper=settings.token_pepper.get_secret_value(),
        now=datetime.now(UTC),
        touch=not session.info.get("read_only", False),
    )


def identity_of_token_id(session: Session, token_id: int, now: datetime) -> Identity | None:
    """The identity of a stored token that is neither revoked nor expired (console sessions)."""
    token = token_repo.get_token(session, token_id=token_id)
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    return Identity(token_id=token.id, name=token.name, role=token.role, tenant=token.tenant)


def current_identity(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Identity:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise UNAUTHORIZED
    identity = authenticate_token(session, settings, credentials.credentials)
    # End the transaction here: a dependency must not keep SQLite's write lock while FastAPI
    # hops to other threads for the next dependencies and the route.
    session.commit()
    if identity is None:
        raise UNAUTHORIZED
    return identity


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def require_roles(*roles: str) -> object:
    """Dependency: the caller's role must be one of `roles`, else 403."""
    allowed = frozenset(roles)

    def check(identity: CurrentIdentity) -> Identity:
        return check_role(identity, allowed)

    return Depends(check)


def check_role(identity: Identity, allowed: frozenset[str]) -> Identity:
    """The identity, if its role is one of `allowed`; 403 otherwise (API and console)."""
    if identity.role not in allowed:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"role {identity.role!r} may not do this; needs one of {sorted(allowed)}",
        )
    return identity


EngineerIdentity = Annotated[Identity, require_roles("engineer", "admin")]
AdminIdentity = Annotated[Identity, require_roles("admin")]


def tenant_not_found(tenant: str) -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_404_NOT_FOUND, detail=f"tenant {tenant!r} not found"
    )


def scoped_tenant(tenant: str, identity: CurrentIdentity, session: SessionDep) -> str:
    """The path's tenant, if the caller may see it; a foreign tenant answers 404, never 403."""
    if identity.role == "tenant" and identity.tenant != tenant:
        raise tenant_not_found(tenant)
    found = tenant_repo.get_tenant(session, name=tenant)
    session.commit()  # as in current_identity: no lock kept across dependencies
    if found is None:
        raise tenant_not_found(tenant)
    return tenant


TenantDep = Annotated[str, Depends(scoped_tenant)]
