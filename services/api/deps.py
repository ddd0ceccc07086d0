"""Annotated dependencies: database session, settings, the caller's identity, tenant scope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, params, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from services.api.state import AppState
from services.api.throttle import auth_log, client_address, printable, too_many_failures
from services.app.errors import Conflict, Forbidden, Refused, TemporalUnavailable, Unprocessable
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
    return Identity(token_id=token.id, name=token.principal, role=token.role, tenant=token.tenant)


def caller_address(request: Request) -> str:
    """The client's address (X-Forwarded-For only from `trusted_proxies`)."""
    return client_address(request.scope, get_state(request).settings.trusted_proxies)


def _refusal(request: Request, address: str, reason: str) -> None:
    """One `netwave.auth` record of a refused authentication: never the token, not a byte."""
    path = printable(request.url.path)
    auth_log.warning(
        "refused authentication: %s; client=%s %s %s",
        reason,
        address,
        request.method,
        path,
        extra={"reason": reason, "client": address, "method": request.method, "path": path},
    )


def throttle_wait(request: Request) -> int | None:
    """Seconds the caller's address must wait before authenticating again (that refusal is
    logged), or None. Checked before any token is looked up: a throttled address is refused
    even with a valid token."""
    address = caller_address(request)
    wait = get_state(request).throttle.retry_after(address)
    if wait is not None:
        _refusal(request, address, f"throttled, retry in {wait}s")
    return wait


def authentication_failed(request: Request, reason: str) -> None:
    """Count a failed authentication against the caller's address, and log it."""
    address = caller_address(request)
    _refusal(request, address, reason)
    wait = get_state(request).throttle.record_failure(address)
    if wait is not None:
        auth_log.warning(
            "client=%s throttled for %ds: too many failed authentications",
            address,
            wait,
            extra={"reason": "throttled", "client": address},
        )


async def refuse_throttled(request: Request) -> None:
    """429 (Retry-After) for a throttled address, before its token is looked up."""
    wait = throttle_wait(request)
    if wait is not None:
        raise too_many_failures(wait)


def current_identity(
    request: Request,
    _: Annotated[None, Depends(refuse_throttled)],
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Identity:
    if credentials is None or credentials.scheme.lower() != "bearer":
        authentication_failed(request, "no bearer token")
        raise UNAUTHORIZED
    identity = authenticate_token(session, settings, credentials.credentials)
    # End the transaction here: a dependency must not keep SQLite's write lock while FastAPI
    # hops to other threads for the next dependencies and the route.
    session.commit()
    if identity is None:
        authentication_failed(request, "unknown, malformed, expired or revoked token")
        raise UNAUTHORIZED
    request.state.identity = identity  # the access log's principal
    return identity


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def require_roles(*roles: str) -> params.Depends:
    """Dependency: the caller's role must be one of `roles`, else 403."""
    allowed = frozenset(roles)

    def check(identity: CurrentIdentity) -> Identity:
        return check_role(identity, allowed)

    dependency: params.Depends = Depends(check)
    return dependency


def add_role_route(
    router: APIRouter,
    path: str,
    endpoint: Callable[..., Awaitable[Any]],
    roles: frozenset[str],
    name: str,
    summary: str,
) -> None:
    """POST `path` for callers of `roles` only: one route of a table of actions (campaign
    controls, ways to stop a change); the endpoint's return type is the response model."""
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        dependencies=[require_roles(*sorted(roles))],
        name=name,
        description=summary,
    )


def check_role(identity: Identity, allowed: frozenset[str]) -> Identity:
    """The identity, if its role is one of `allowed`; 403 otherwise (API and console)."""
    if identity.role not in allowed:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"role {identity.role!r} may not do this; needs one of {sorted(allowed)}",
        )
    return identity


# The HTTP status of each refusal of a use case (services/app/errors.py), API and console.
REFUSAL_STATUS: dict[type[Refused], int] = {
    Forbidden: status.HTTP_403_FORBIDDEN,
    Conflict: status.HTTP_409_CONFLICT,
    Unprocessable: status.HTTP_422_UNPROCESSABLE_CONTENT,
    TemporalUnavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def refusal_status(exc: Refused) -> int:
    """The HTTP status a use case's refusal is answered with."""
    return REFUSAL_STATUS.get(type(exc), status.HTTP_409_CONFLICT)


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
