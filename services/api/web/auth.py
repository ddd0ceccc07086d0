"""Signing in to the console with an API token, signing out, and each role's home page."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response, status

from services.api.deps import (
    SessionDep,
    SettingsDep,
    authenticate_token,
    authentication_failed,
    throttle_wait,
)
from services.api.web.render import ConsoleRoute, page, redirect
from services.api.web.session import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    CheckedForm,
    ConsoleDep,
    clear_session_cookie,
    issue_cookie,
    read_form,
    set_login_cookie,
    set_session_cookie,
)
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import console_sessions as console_repo
from services.store.repos.tokens import Identity

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


def home_of(identity: Identity) -> str:
    """Where a role starts: its own tenant, the approval queue, or the change list."""
    if identity.role == "tenant":
        return f"/console/tenants/{identity.tenant}/changes"
    if identity.role in ("approver", "admin"):
        return "/console/approvals"
    return "/console/changes"


def safe_next(target: str | None) -> str | None:
    """A local console path to return to after signing in; anything else is dropped."""
    if not target or not target.startswith("/console/") or target.startswith("//"):
        return None
    if any(c in target for c in "\\\r\n") or target.startswith("/console/login"):
        return None
    return target


def _login_page(
    request: Request, settings: SettingsDep, next_path: str | None, error: str | None, code: int
) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = page(
        request, "login.html", None, code, csrf=nonce, next_path=next_path or "", error=error
    )
    set_login_cookie(response, settings, nonce)
    return response


@router.get("/")
def home(console: ConsoleDep) -> Response:
    """The signed-in user's start page."""
    return redirect(home_of(console.identity))


@router.get("/login")
def login_form(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    """The sign-in form: paste an API token."""
    return _login_page(request, settings, safe_next(next), None, status.HTTP_200_OK)


@router.post("/login")
async def login(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Check the token once, then keep only its id in a signed session cookie.

    Refused sign-ins count against the address like bad API tokens; a throttled address gets
    429 before its token is looked up (services/api/throttle.py)."""
    wait = throttle_wait(request)
    if wait is not None:
        message = f"Too many failed sign-ins from this address: try again in {wait} seconds."
        response = _login_page(request, settings, None, message, status.HTTP_429_TOO_MANY_REQUESTS)
        response.headers["Retry-After"] = str(wait)
        return response
    form = await read_form(request)
    next_path = safe_next(form.get("next"))
    expected = request.cookies.get(LOGIN_COOKIE, "")
    sent = form.get(CSRF_FIELD, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        message = "The sign-in form expired or was not sent by this browser: try again."
        return _login_page(request, settings, next_path, message, status.HTTP_403_FORBIDDEN)
    identity = authenticate_token(session, settings, form.get("token", "").strip())
    if identity is None:
        authentication_failed(request, "console sign-in: unknown, malformed, expired or revoked")
        message = "That token is unknown, malformed, expired or revoked."
        return _login_page(request, settings, next_path, message, status.HTTP_401_UNAUTHORIZED)
    request.state.identity = identity
    audit_log_repo.record(
        session,
        actor=identity.name,
        action="console.sign_in",
        tenant=identity.tenant,
        object=f"token:{identity.token_id}",
    )
    response = redirect(next_path or home_of(identity))
    cookie = issue_cookie(settings, identity.token_id, datetime.now(UTC))
    set_session_cookie(response, settings, cookie)
    response.delete_cookie(LOGIN_COOKIE, path="/console/login")
    return response


@router.post("/logout")
def logout(
    _: CheckedForm, console: ConsoleDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """End the session on the server (a copied cookie no longer works) and in this browser."""
    now = datetime.now(UTC)
    console_repo.end_session(
        session,
        nonce=console.nonce,
        token_id=console.identity.token_id,
        now=now,
        expires_at=console.expires_at or now,
    )
    audit_log_repo.record(
        session,
        actor=console.identity.name,
        action="console.sign_out",
        tenant=console.identity.tenant,
        object=f"token:{console.identity.token_id}",
    )
    session.commit()
    response = redirect("/console/login")
    clear_session_cookie(response, settings)
    return response
