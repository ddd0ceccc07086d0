"""Signing in and out, the session cookie, CSRF, and sessions that end with their token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import Response
from fastapi.testclient import TestClient

from services.api.web import session as web_session
from services.core.settings import Settings
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import tokens as token_repo
from tests.unit.web.conftest import SignedIn, sign_in
from tests.unit.web.factories import CSRF, sessions, token_id
from tests.utils.api import make_token


def post_login(client: TestClient, token: str, next_path: str = "") -> httpx.Response:
    """Post the sign-in form as a browser would, with the form's CSRF value."""
    form = client.get("/console/login")
    csrf = CSRF.search(form.text)
    assert csrf
    response: httpx.Response = client.post(
        "/console/login",
        data={"csrf_token": csrf[1], "token": token, "next": next_path},
        follow_redirects=False,
    )
    return response


def test_sign_in_keeps_only_a_signed_token_id_in_an_http_only_cookie(
    client: TestClient, web_settings: Settings
) -> None:
    token = make_token(web_settings, "approver")
    sign_in(client, token)
    cookie = client.cookies[web_session.COOKIE]
    assert token not in cookie and token.split("_", 2)[2] not in cookie
    assert cookie.split(".")[0] == str(token_id(web_settings, token))
    response = post_login(client, token)
    set_cookie = response.headers["set-cookie"].lower()
    assert (
        "httponly" in set_cookie and "samesite=lax" in set_cookie and "path=/console" in set_cookie
    )
    assert "secure" not in set_cookie  # plain HTTP in development and tests
    assert response.headers["location"] == "/console/approvals"
    with sessions(web_settings)() as session:
        entries = audit_log_repo.list_entries(session)
    assert any(e.action == "console.sign_in" for e in entries)
    assert all(token not in str(e.detail) + e.object for e in entries)


def test_cookie_is_secure_outside_development(settings: Settings) -> None:
    response = Response()
    production = settings.model_copy(update={"env": "production"})
    web_session.set_session_cookie(response, production, "x")
    assert "secure" in response.headers["set-cookie"].lower()


def test_bad_token_is_refused_on_the_form(client: TestClient, web_settings: Settings) -> None:
    expired = make_token(web_settings, "engineer", expired=True)
    for token in ("garbage", "nw_000000000000_" + "a" * 43, expired):
        response = post_login(client, token)
        assert response.status_code == 401
        assert "unknown, malformed, expired or revoked" in response.text
        assert web_session.COOKIE not in client.cookies
    assert client.get("/console/changes", follow_redirects=False).status_code == 303


def test_sign_in_form_without_its_csrf_value_is_refused(
    client: TestClient, web_settings: Settings
) -> None:
    token = make_token(web_settings, "engineer")
    client.get("/console/login")
    for data in ({"token": token}, {"token": token, "csrf_token": "forged"}):
        response = client.post("/console/login", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert web_session.COOKIE not in client.cookies


def test_unsigned_in_pages_redirect_to_sign_in_and_back(
    client: TestClient, web_settings: Settings
) -> None:
    response = client.get("/console/tenants/acme/compliance", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/tenants/acme/compliance"
    token = make_token(web_settings, "tenant", tenant="acme")
    form = client.get(response.headers["location"])
    assert 'name="next" value="/console/tenants/acme/compliance"' in form.text
    signed = post_login(client, token, "/console/tenants/acme/compliance")
    assert signed.headers["location"] == "/console/tenants/acme/compliance"
    assert client.get("/console/tenants/acme/changes/x/status.json").status_code == 404


def test_next_never_leaves_the_console(client: TestClient, web_settings: Settings) -> None:
    token = make_token(web_settings, "engineer")
    for target in ("//evil.example/x", "https://evil.example/", "/v1/tenants", "/console/\\x"):
        response = post_login(client, token, target)
        assert response.headers["location"] == "/console/changes", target


def test_posts_need_the_session_csrf_token(signed_in: SignedIn) -> None:
    client, _, csrf = signed_in("engineer")
    _, _, other_csrf = signed_in("engineer")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": other_csrf}):
        response = client.post("/console/logout", data=data, follow_redirects=False)
        assert response.status_code == 403, data
        assert "CSRF" in response.text
    assert client.get("/console/changes").status_code == 200  # still signed in
    json_body = client.post("/console/logout", json={"csrf_token": csrf}, follow_redirects=False)
    assert json_body.status_code == 415
    out = client.post("/console/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and web_session.COOKIE not in client.cookies
    assert client.get("/console/changes", follow_redirects=False).status_code == 303


def test_tampered_expired_and_revoked_sessions_end(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    client, token, _ = signed_in("approver")
    good = client.cookies[web_session.COOKIE]
    ident, nonce, expires, signature = good.split(".")
    other = str(int(ident) + 1)
    past = web_session.issue_cookie(web_settings, int(ident), datetime.now(UTC) - timedelta(days=1))
    for forged in (
        f"{other}.{nonce}.{expires}.{signature}",  # another token id under the same signature
        f"{ident}.{nonce}.{int(expires) + 9999}.{signature}",  # a longer life
        past,  # signed, but expired
        "",
    ):
        client.cookies.set(web_session.COOKIE, forged, path="/console")
        response = client.get("/console/approvals", follow_redirects=False)
        assert response.status_code == 303, forged
        assert response.headers["location"].startswith("/console/login")
    client.cookies.set(web_session.COOKIE, good, path="/console")
    assert client.get("/console/approvals").status_code == 200
    with sessions(web_settings).begin() as session:
        token_repo.revoke_token(session, token_id=token_id(web_settings, token))
    response = client.get("/console/approvals", follow_redirects=False)
    assert response.status_code == 303, "a revoked token ends its console sessions"


def test_console_pages_carry_security_headers(signed_in: SignedIn) -> None:
    client, _, _ = signed_in("tenant", "acme")
    response = client.get("/console/tenants/acme/changes")
    assert "script-src" not in response.headers["content-security-policy"]  # 'self' only
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_a_copied_cookie_stops_working_after_sign_out(
    signed_in: SignedIn, web_settings: Settings
) -> None:
    """Signing out ends the session on the server: a copy of the cookie taken before (another
    browser, a stolen cookie) is sent back to the sign-in form, while another session of the
    same token goes on."""
    client, token, csrf = signed_in("approver")
    copied = client.cookies[web_session.COOKIE]
    other = TestClient(client.app)
    sign_in(other, token)
    out = client.post("/console/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    thief = TestClient(client.app, cookies={web_session.COOKIE: copied})
    answer = thief.get("/console/approvals", follow_redirects=False)
    assert answer.status_code == 303 and "/console/login" in answer.headers["location"]
    assert other.get("/console/approvals").status_code == 200
    with sessions(web_settings)() as session:
        actions = [e.action for e in audit_log_repo.list_entries(session)]
    assert "console.sign_out" in actions
