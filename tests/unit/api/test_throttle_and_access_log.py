"""Failed authentication is throttled per client address (429, Retry-After), refusals are logged
without the token, and every request is in the access log. The throttle's clock is injected:
no test waits for, or depends on, the wall clock."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from services.api import deps
from services.api.access_log import AccessLogMiddleware
from services.api.main import create_app
from services.api.throttle import AuthThrottle, client_address
from services.core.settings import Settings
from tests.unit.web.factories import CSRF
from tests.utils.api import bearer, make_token

BURST = 20
WINDOW = 60
ATTACKER = ("10.0.0.1", 1111)
OTHER = ("10.0.0.2", 2222)
# A well-formed token that exists nowhere; its secret part must never reach a log.
SECRET = "Zq9" + "s" * 40
BAD_TOKEN = f"nw_000000000000_{SECRET}"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(api_settings: Settings, clock: Clock) -> FastAPI:
    settings = api_settings.model_copy(
        update={"auth_failure_burst": BURST, "auth_failure_window_seconds": WINDOW}
    )
    app = create_app(settings)
    app.state.netwave.throttle = AuthThrottle(BURST, WINDOW, clock=clock)
    return app


@pytest.fixture
def attacker(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=ATTACKER) as test_client:
        yield test_client


@pytest.fixture
def other(app: FastAPI, attacker: TestClient) -> TestClient:
    """A second client address on the same (started) app."""
    return TestClient(app, client=OTHER)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every token looked up in the store (to show a throttled address costs no look-up)."""
    seen: list[str] = []
    real = deps.token_repo.authenticate

    def counting(*args: object, **kwargs: object) -> object:
        seen.append("lookup")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(deps.token_repo, "authenticate", counting)
    return seen


def test_a_thousand_bad_tokens_are_throttled_and_other_clients_still_served(
    app: FastAPI,
    attacker: TestClient,
    other: TestClient,
    api_settings: Settings,
    clock: Clock,
    lookups: list[str],
) -> None:
    token = make_token(api_settings, "engineer")
    responses = [attacker.get("/v1/tenants", headers=bearer(BAD_TOKEN)) for _ in range(1000)]

    assert [r.status_code for r in responses[:BURST]] == [401] * BURST
    assert {r.status_code for r in responses[BURST:]} == {429}
    assert len(lookups) == BURST  # refused before the token is looked up
    throttled = responses[-1]
    assert throttled.headers["retry-after"] == str(WINDOW // BURST)  # one attempt regained
    assert throttled.json() == {
        "detail": "too many failed authentications from this address: retry in 3 seconds"
    }

    # Another address is served; the throttled one is refused even with a valid token.
    assert other.get("/v1/tenants", headers=bearer(token)).status_code == 200
    assert other.get("/v1/tenants", headers=bearer(BAD_TOKEN)).status_code == 401
    assert attacker.get("/v1/tenants", headers=bearer(token)).status_code == 429
    assert attacker.get("/v1/tenants").status_code == 429  # no token at all: same
    assert attacker.get("/healthz").status_code != 429  # no authentication, no throttle

    # One attempt comes back after window / burst seconds, the whole burst after the window.
    clock.advance(WINDOW / BURST)
    assert attacker.get("/v1/tenants", headers=bearer(BAD_TOKEN)).status_code == 401
    assert attacker.get("/v1/tenants", headers=bearer(BAD_TOKEN)).status_code == 429
    clock.advance(WINDOW)
    assert attacker.get("/v1/tenants", headers=bearer(token)).status_code == 200
    statuses = [
        attacker.get("/v1/tenants", headers=bearer(BAD_TOKEN)).status_code for _ in range(BURST + 1)
    ]
    assert statuses == [401] * BURST + [429]


def test_a_success_resets_no_counter(
    app: FastAPI, attacker: TestClient, api_settings: Settings
) -> None:
    token = make_token(api_settings, "engineer")
    for _ in range(BURST - 1):
        assert attacker.get("/v1/tenants", headers=bearer(BAD_TOKEN)).status_code == 401
    assert attacker.get("/v1/tenants", headers=bearer(token)).status_code == 200
    assert attacker.get("/v1/tenants", headers=bearer(BAD_TOKEN)).status_code == 401
    assert attacker.get("/v1/tenants", headers=bearer(token)).status_code == 429


def test_refused_authentications_are_logged_with_the_address_never_the_token(
    attacker: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for _ in range(BURST + 5):
        attacker.get("/v1/tenants", headers=bearer(BAD_TOKEN))
    attacker.get("/v1/tenants/acme/devices")  # no token at all

    refused = [
        r for r in caplog.records if r.name == "netwave.auth" and "refused" in r.getMessage()
    ]
    assert len(refused) == BURST + 5 + 1
    assert all(r.client == ATTACKER[0] for r in refused)  # type: ignore[attr-defined]
    assert all(ATTACKER[0] in r.getMessage() for r in refused)
    reasons = [r.reason for r in refused]  # type: ignore[attr-defined]
    assert reasons[:BURST] == ["unknown, malformed, expired or revoked token"] * BURST
    assert reasons[BURST:-1] == ["throttled, retry in 3s"] * 5
    assert reasons[-1] == "throttled, retry in 3s"
    assert any("throttled for 3s" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        assert SECRET not in text and SECRET[:8] not in text and BAD_TOKEN not in text


def test_a_missing_token_is_counted_and_logged(
    attacker: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="netwave.auth")
    assert attacker.get("/v1/tenants").status_code == 401
    assert attacker.get("/v1/tenants", headers={"Authorization": "Basic eA=="}).status_code == 401
    reasons = [r.reason for r in caplog.records if r.name == "netwave.auth"]  # type: ignore[attr-defined]
    assert reasons == ["no bearer token", "no bearer token"]


def test_every_request_is_in_the_access_log(
    attacker: TestClient, api_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    token = make_token(api_settings, "engineer")
    caplog.set_level(logging.INFO, logger="netwave.access")
    attacker.get("/healthz")
    attacker.get("/v1/tenants?secret=hunter2", headers=bearer(token))
    attacker.get("/v1/tenants", headers=bearer(BAD_TOKEN))
    attacker.get("/v1/tenants/nowhere", headers=bearer(token))

    records = [r for r in caplog.records if r.name == "netwave.access"]
    seen = [
        (r.method, r.path, r.status, r.principal, r.client)  # type: ignore[attr-defined]
        for r in records
    ]
    assert seen == [
        ("GET", "/healthz", seen[0][2], "-", ATTACKER[0]),
        ("GET", "/v1/tenants", 200, "test-engineer-all", ATTACKER[0]),
        ("GET", "/v1/tenants", 401, "-", ATTACKER[0]),
        ("GET", "/v1/tenants/nowhere", 404, "test-engineer-all", ATTACKER[0]),
    ]
    assert all(isinstance(r.duration_ms, float) for r in records)  # type: ignore[attr-defined]
    message = records[1].getMessage()
    assert message.startswith('client=10.0.0.1 principal=test-engineer-all "GET /v1/tenants"')
    assert " status=200 duration_ms=" in message
    for record in records:
        text = record.getMessage() + repr(record.__dict__)
        assert "hunter2" not in text and token not in text and SECRET not in text


def test_console_sign_in_failures_are_throttled_too(
    app: FastAPI,
    attacker: TestClient,
    other: TestClient,
    api_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = make_token(api_settings, "engineer")
    caplog.set_level(logging.INFO)

    def sign_in(client: TestClient, value: str) -> int:
        form = client.get("/console/login")
        csrf = CSRF.search(form.text)
        assert csrf, form.text
        response = client.post(
            "/console/login",
            data={"csrf_token": csrf[1], "token": value},
            follow_redirects=False,
        )
        if response.status_code == 429:
            assert response.headers["retry-after"] == "3"
            assert "Too many failed sign-ins" in response.text
        return response.status_code

    assert [sign_in(attacker, BAD_TOKEN) for _ in range(BURST)] == [401] * BURST
    assert sign_in(attacker, BAD_TOKEN) == 429
    assert sign_in(attacker, token) == 429  # a valid token too, while throttled
    assert attacker.get("/v1/tenants", headers=bearer(token)).status_code == 429  # same count
    assert sign_in(other, token) == 303
    other.get("/console/changes")
    signed_in = [
        r
        for r in caplog.records
        if r.name == "netwave.access" and r.path == "/console/changes"  # type: ignore[attr-defined]
    ]
    assert [(r.principal, r.client) for r in signed_in] == [  # type: ignore[attr-defined]
        ("test-engineer-all", OTHER[0])
    ]
    refused = [r for r in caplog.records if r.name == "netwave.auth"]
    assert any("console sign-in" in r.getMessage() for r in refused)
    assert all(SECRET not in r.getMessage() + repr(r.__dict__) for r in caplog.records)


# --- the throttle and the middleware alone ------------------------------------------------


def test_the_throttle_tracks_a_bounded_number_of_addresses(clock: Clock) -> None:
    throttle = AuthThrottle(burst=2, window_seconds=10, max_addresses=3, clock=clock)
    for address in ("a", "b", "c", "d"):
        throttle.record_failure(address)
    assert len(throttle) == 3
    assert throttle.record_failure("d") == 5  # d's second failure: throttled, 1 per 5 s
    throttle.record_failure("a")  # a was forgotten (oldest): a fresh bucket
    assert throttle.retry_after("a") is None
    assert len(throttle) == 3
    clock.advance(10)
    assert throttle.retry_after("d") is None
    assert throttle.retry_after("a") is None
    assert len(throttle) == 1  # refilled buckets are forgotten when looked at


def test_the_throttle_counts_every_failure_from_many_threads(clock: Clock) -> None:
    throttle = AuthThrottle(burst=800, window_seconds=60, clock=clock)

    def fail(count: int) -> None:
        for _ in range(count):
            throttle.record_failure("10.0.0.1")

    threads = [threading.Thread(target=fail, args=(100,)) for _ in range(8)]
    for thread in threads[:-1]:
        thread.start()
    for thread in threads[:-1]:
        thread.join()
    assert throttle.retry_after("10.0.0.1") is None  # 700 of 800
    threads[-1].start()
    threads[-1].join()
    assert throttle.retry_after("10.0.0.1") is not None


def test_forwarded_for_is_read_only_from_a_trusted_proxy() -> None:
    def scope(peer: str, forwarded: str | None) -> dict[str, object]:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        return {"type": "http", "client": (peer, 1), "headers": headers}

    proxies = ["10.9.0.0/16"]
    assert client_address(scope("1.2.3.4", "5.6.7.8"), ()) == "1.2.3.4"
    assert client_address(scope("1.2.3.4", "5.6.7.8"), proxies) == "1.2.3.4"
    assert client_address(scope("10.9.0.1", "9.9.9.9, 5.6.7.8"), proxies) == "5.6.7.8"
    assert client_address(scope("10.9.0.1", "5.6.7.8, 10.9.0.2"), proxies) == "5.6.7.8"
    assert client_address(scope("10.9.0.1", None), proxies) == "10.9.0.1"
    assert client_address({"type": "http", "headers": []}, proxies) == "-"
    with pytest.raises(ValidationError):
        Settings(trusted_proxies=["not-an-address"])


def test_a_crashing_request_is_logged_as_a_500(caplog: pytest.LogCaptureFixture) -> None:
    async def boom(request: Request) -> PlainTextResponse:
        raise RuntimeError("boom")

    async def fine(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    inner = Starlette(routes=[Route("/boom", boom), Route("/fine/{x}", fine)])
    inner.add_middleware(AccessLogMiddleware)
    caplog.set_level(logging.INFO, logger="netwave.access")
    with TestClient(inner, raise_server_exceptions=False) as client:
        assert client.get("/boom").status_code == 500
        assert client.get("/fine/a%0Ab").status_code == 200
    records = [r for r in caplog.records if r.name == "netwave.access"]
    assert [(r.path, r.status) for r in records] == [  # type: ignore[attr-defined]
        ("/boom", 500),
        ("/fine/a\\nb", 200),  # one record, one line
    ]
