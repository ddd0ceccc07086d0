"""Console sessions: a signed, expiring cookie naming a token id, never the token itself.

The cookie carries `<token id>.<nonce>.<expires>.<signature>` (HMAC-SHA256 keyed from the
token pepper). Every request looks the token up again, so revoking or expiring the API token
ends its console sessions; signing out records the session's nonce on the server, so a copy
of the cookie stops working too. The CSRF token of a session is derived from its nonce: forms carry
it in a hidden field and every POST must send it back (double submit bound to the session).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Request, Response, status

from services.api.deps import SessionDep, SettingsDep, identity_of_token_id
from services.core.settings import Settings
from services.store.repos import console_sessions as console_repo
from services.store.repos.tokens import Identity

COOKIE = "netwave_console"
LOGIN_COOKIE = "netwave_console_login"
COOKIE_PATH = "/console"
LOGIN_PATH = "/console/login"
LIFETIME = timedelta(hours=8)
LOGIN_FORM_LIFETIME = timedelta(hours=1)
CSRF_FIELD = "csrf_token"
MAX_FORM_BYTES = 64 * 1024


class SignInRequired(Exception):
    """No valid console session: the page answers with a redirect to the sign-in form."""


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in console user: the API identity behind the session and its CSRF token."""

    identity: Identity
    csrf: str
    nonce: str = ""
    expires_at: datetime | None = None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _key(settings: Settings, purpose: str) -> bytes:
    """A key per purpose, derived from the pepper (never the pepper itself)."""
    pepper = settings.token_pepper.get_secret_value().encode()
    return hmac.new(pepper, f"netwave console {purpose} v1".encode(), hashlib.sha256).digest()


def _sign(settings: Settings, payload: str) -> str:
    return _b64(hmac.new(_key(settings, "session"), payload.encode(), hashlib.sha256).digest())


def csrf_for(settings: Settings, nonce: str) -> str:
    return _b64(hmac.new(_key(settings, "csrf"), nonce.encode(), hashlib.sha256).digest())


def issue_cookie(settings: Settings, token_id: int, now: datetime) -> str:
    """A new session cookie value for the token: fresh nonce, absolute expiry."""
    expires = int((now + LIFETIME).timestamp())
    payload = f"{token_id}.{secrets.token_urlsafe(16)}.{expires}"
    return f"{payload}.{_sign(settings, payload)}"


def read_cookie(
    settings: Settings, value: str | None, now: datetime
) -> tuple[int, str, datetime] | None:
    """(token id, nonce, expiry) of a genuine, unexpired cookie; None otherwise."""
    parts = (value or "").split(".")
    if len(parts) != 4:
        return None
    token_id, nonce, expires, signature = parts
    expected = _sign(settings, f"{token_id}.{nonce}.{expires}")
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        return None
    if not (token_id.isdigit() and expires.isdigit()) or int(expires) <= now.timestamp():
        return None
    return int(token_id), nonce, datetime.fromtimestamp(int(expires), UTC)


def secure_cookies(settings: Settings) -> bool:
    """Cookies need HTTPS outside development and tests."""
    return settings.env not in ("development", "test")


def set_session_cookie(response: Response, settings: Settings, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(LIFETIME.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=secure_cookies(settings)
    )


def set_login_cookie(response: Response, settings: Settings, value: str) -> None:
    """The pre-session CSRF value of the sign-in form (classic double submit)."""
    response.set_cookie(
        LOGIN_COOKIE,
        value,
        max_age=int(LOGIN_FORM_LIFETIME.total_seconds()),
        path=LOGIN_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )


def console_session(request: Request, session: SessionDep, settings: SettingsDep) -> ConsoleSession:
    """The signed-in user, re-checked against the token store on every request."""
    now = datetime.now(UTC)
    found = read_cookie(settings, request.cookies.get(COOKIE), now)
    if found is None:
        raise SignInRequired
    token_id, nonce, expires_at = found
    identity = identity_of_token_id(session, token_id, now)
    if identity is None or console_repo.has_ended(session, nonce):  # revoked, or signed out
        raise SignInRequired
    request.state.identity = identity  # the access log's principal
    return ConsoleSession(
        identity=identity, csrf=csrf_for(settings, nonce), nonce=nonce, expires_at=expires_at
    )


ConsoleDep = Annotated[ConsoleSession, Depends(console_session)]


async def read_form(request: Request) -> dict[str, str]:
    """A url-encoded form (the console posts nothing else); the last value of each field."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    chunks: list[bytes] = []
    async for chunk in request.stream():  # stop reading at the limit, not after the body
        chunks.append(chunk)
        if sum(map(len, chunks)) > MAX_FORM_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "form too large")
    body = b"".join(chunks)
    if not body:
        return {}
    if content_type != "application/x-www-form-urlencoded":
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "expected a form post")
    try:
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    except UnicodeDecodeError:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "form is not UTF-8") from None


async def checked_form(request: Request, console: ConsoleDep) -> dict[str, str]:
    """The posted form, if it carries this session's CSRF token; 403 otherwise."""
    form = await read_form(request)
    if not hmac.compare_digest(form.get(CSRF_FIELD, "").encode(), console.csrf.encode()):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "the form's CSRF token is missing or stale: reload the page"
        )
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
