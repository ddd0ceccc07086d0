"""Oversized and hostile request bodies: refused with a 413 before they are parsed, and a 422
never echoes more than a short excerpt of what was sent (issue #20: a 10 MB body was parsed
and its 422 quoted all of it back)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from services.api.body_limit import BodyLimitMiddleware
from services.api.errors import EXCERPT, excerpt, short_error
from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.store.repos import changes as change_repo
from tests.utils.api import bearer, make_token

CHANGE = {"kind": "wan_bandwidth", "site": "hq", "bandwidth_mbps": 300}
JSON = {"content-type": "application/json"}


@pytest.fixture
def limit(api_settings: Settings) -> int:
    return api_settings.max_body_bytes


@pytest.fixture
def limits_client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def acme(api_settings: Settings) -> dict[str, str]:
    return {**bearer(make_token(api_settings, "tenant", "acme")), **JSON}


def padded(body: dict[str, Any], size: int) -> bytes:
    """The JSON body with trailing spaces up to exactly `size` bytes (still the same JSON)."""
    raw = json.dumps(body).encode()
    assert len(raw) <= size
    return raw + b" " * (size - len(raw))


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def no_changes(settings: Settings) -> bool:
    with prepare_local(settings, lab=True)() as session:
        return change_repo.list_changes(session, tenant="acme") == []


# --- the body limit ------------------------------------------------------------------------


def test_the_default_limit_is_one_mebibyte() -> None:
    assert Settings.model_fields["max_body_bytes"].default == 1_048_576


def test_a_10_mb_body_is_refused_quickly_unparsed(
    limits_client: TestClient,
    acme: dict[str, str],
    api_settings: Settings,
    limit: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[str] = []
    original = Request.body

    async def spy(self: Request) -> bytes:
        reads.append(self.url.path)
        return await original(self)

    monkeypatch.setattr(Request, "body", spy)
    marker = b"netwave-echo-marker-"
    body = b'{"kind": "wan_bandwidth", "description": "' + marker * 500_000 + b'"}'
    assert len(body) > 10_000_000
    started = time.perf_counter()
    response = limits_client.post("/v1/tenants/acme/changes", content=body, headers=acme)
    assert time.perf_counter() - started < 2
    assert response.status_code == 413, response.text[:300]
    assert response.json() == {"detail": f"the request body is over the limit of {limit} bytes"}
    assert marker not in response.content and len(response.content) < 200
    assert response.headers["connection"] == "close"
    assert reads == [], "the route read the body"
    assert no_changes(api_settings)


def test_a_chunked_body_over_the_limit_is_refused(
    limits_client: TestClient, acme: dict[str, str], api_settings: Settings, limit: int
) -> None:
    data = padded(CHANGE, limit + 1)
    response = limits_client.post("/v1/tenants/acme/changes", content=chunks(data), headers=acme)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, response.text[:300]
    assert str(limit) in response.json()["detail"]
    assert no_changes(api_settings)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_at_the_limit_gets_the_routes_answer(
    limits_client: TestClient, acme: dict[str, str], limit: int, chunked: bool
) -> None:
    data = padded(CHANGE, limit)
    content = chunks(data) if chunked else data
    response = limits_client.post("/v1/tenants/acme/changes", content=content, headers=acme)
    # A valid change that would now start its workflow (Temporal is down here).
    assert response.status_code == 503, response.text[:300]
    assert "Temporal is not reachable" in response.text
    over = limits_client.post("/v1/tenants/acme/changes", content=data + b" ", headers=acme)
    assert over.status_code == 413


def test_the_limit_is_a_setting(api_settings: Settings, acme: dict[str, str]) -> None:
    small = api_settings.model_copy(update={"max_body_bytes": 4096})
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        fits = client.post("/v1/tenants/acme/changes", content=padded(CHANGE, 4096), headers=acme)
        assert fits.status_code == 503, fits.text
        over = client.post("/v1/tenants/acme/changes", content=padded(CHANGE, 4097), headers=acme)
        assert over.status_code == 413
        assert over.json()["detail"] == "the request body is over the limit of 4096 bytes"


def test_the_console_refuses_a_large_form_too(limits_client: TestClient, limit: int) -> None:
    response = limits_client.post(
        "/console/login",
        content=b"token=" + b"x" * (2 * limit),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert b"x" * 100 not in response.content


class Recorder:
    """An ASGI app that reads the whole body, and records what it was handed."""

    def __init__(self) -> None:
        self.called = False
        self.received = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called = True
        more = True
        while more:
            message = await receive()
            self.received += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _scope(headers: list[tuple[bytes, bytes]]) -> Scope:
    return {"type": "http", "method": "POST", "path": "/", "headers": headers}


async def _drive(
    app: BodyLimitMiddleware, scope: Scope, body_chunks: Iterator[bytes]
) -> tuple[list[Message], int]:
    sent: list[Message] = []
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        chunk = next(body_chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent, pulled


async def test_a_declared_length_over_the_limit_never_reaches_the_app() -> None:
    inner = Recorder()
    app = BodyLimitMiddleware(inner, max_bytes=1024)
    sent, pulled = await _drive(
        app, _scope([(b"content-length", b"10485760")]), iter([b"x" * 1024] * 10_240)
    )
    assert not inner.called and pulled == 0
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"]) == {
        "detail": "the request body is over the limit of 1024 bytes"
    }


async def test_an_endless_chunked_body_is_cut_off_at_the_limit() -> None:
    inner = Recorder()
    app = BodyLimitMiddleware(inner, max_bytes=64 * 1024)
    endless = iter(lambda: b"x" * 4096, None)  # never ends
    sent, pulled = await _drive(app, _scope([(b"transfer-encoding", b"chunked")]), endless)
    assert sent[0]["status"] == 413
    # The app was handed the limit at most; the stream was not read past the crossing chunk.
    assert inner.received <= 64 * 1024 and pulled == 64 * 1024 // 4096 + 1


async def test_a_body_within_the_limit_passes_untouched() -> None:
    inner = Recorder()
    app = BodyLimitMiddleware(inner, max_bytes=64 * 1024)
    sent, _ = await _drive(app, _scope([]), iter([b"x" * 4096] * 16))
    assert sent[0]["status"] == 200 and inner.received == 64 * 1024


# --- the 422 shape -------------------------------------------------------------------------


def test_a_422_names_the_field_and_shows_an_excerpt(
    limits_client: TestClient, acme: dict[str, str]
) -> None:
    long = "A" + "b" * 500_000
    body = {
        "kind": "vlan_handoff",
        "site": "branch3",
        "vlan_id": 300,
        "address": "10.99.0.1/24",
        "description": long,
    }
    response = limits_client.post("/v1/tenants/acme/changes", json=body, headers=acme)
    assert response.status_code == 422
    assert len(response.content) < 2000 and "b" * (EXCERPT + 1) not in response.text
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == "description" and error["type"] == "string_too_long"
    assert set(error) <= {"type", "loc", "msg", "input", "ctx"}
    assert error["input"] == f"{long[:EXCERPT]}… ({len(long)} characters)"


def test_a_422_shows_objects_and_arrays_by_type_and_size(
    limits_client: TestClient, acme: dict[str, str]
) -> None:
    response = limits_client.post("/v1/tenants/acme/changes", json=[1] * 1000, headers=acme)
    assert response.status_code == 422
    assert response.json()["detail"][0]["input"] == "<array with 1000 items>"
    huge_key = {**CHANGE, "k" * 100_000: 1}
    response = limits_client.post("/v1/tenants/acme/changes", json=huge_key, headers=acme)
    assert response.status_code == 422 and len(response.content) < 1000
    assert response.json()["detail"][0]["type"] == "extra_forbidden"
    tag = {"kind": "x" * 100_000, "site": "hq"}
    response = limits_client.post("/v1/tenants/acme/changes", json=tag, headers=acme)
    assert response.status_code == 422 and len(response.content) < 1500
    assert "does not match any of the expected tags" in response.json()["detail"][0]["msg"]


def test_a_422_answers_nan_as_text(limits_client: TestClient, api_settings: Settings) -> None:
    engineer = {**bearer(make_token(api_settings, "engineer")), **JSON}
    raw = (
        b'{"name": "n", "kind": "config_rollout", "features": ["ntp"],'
        b' "strategy": {"max_failure_percent": NaN, "pause_between_waves_seconds": Infinity}}'
    )
    response = limits_client.post("/v1/campaigns", content=raw, headers=engineer)
    assert response.status_code == 422, response.text
    inputs = {tuple(e["loc"]): e["input"] for e in response.json()["detail"]}
    assert inputs[("body", "strategy", "max_failure_percent")] == "nan"
    assert inputs[("body", "strategy", "pause_between_waves_seconds")] == "inf"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, None),
        (True, True),
        (5, 5),
        (1.5, 1.5),
        (10**30, 10**30),
        (10**200, f"<integer of {(10**200).bit_length()} bits>"),
        ("short", "short"),
        ("x" * 81, f"{'x' * 80}… (81 characters)"),
        ({"a": 1, "b": 2}, "<object with 2 keys>"),
        ([1, 2, 3], "<array with 3 items>"),
        (b"abc", "<3 bytes>"),
        (object(), "<object>"),
    ],
)
def test_excerpt(value: Any, shown: Any) -> None:
    assert excerpt(value) == shown


def test_short_error_cuts_locations_messages_and_context() -> None:
    error = {
        "type": "union_tag_invalid",
        "loc": ("body", "k" * 500, 3),
        "msg": f"Input tag '{'t' * 500}' found using 'kind' does not match",
        "input": {"kind": "t" * 500},
        "ctx": {"tag": "t" * 500, "error": ValueError("e" * 1000), "le": 5},
        "url": "https://errors.pydantic.dev/",
    }
    short = short_error(error)
    assert short["loc"] == ["body", f"{'k' * 80}… (500 characters)", 3]
    assert short["msg"] == f"Input tag '{'t' * 80}…' found using 'kind' does not match"
    assert short["input"] == "<object with 1 keys>"
    assert short["ctx"]["tag"] == f"{'t' * 80}… (500 characters)"
    assert len(short["ctx"]["error"]) < 400 and short["ctx"]["le"] == 5
    assert "url" not in short


def test_console_forms_turn_typed_digits_into_numbers() -> None:
    """What the strict models get from the console's text fields."""
    from services.api.web.campaigns import spec_data
    from services.api.web.numbers import form_decimal, form_integer

    assert form_integer(" 12 ") == 12 and form_integer("1.5") == "1.5"
    assert form_integer("lots") == "lots" and form_integer("") == ""
    assert form_decimal("1.5") == 1.5 and form_decimal("900") == 900
    assert form_decimal("1e3") == 1000.0 and form_decimal("soon") == "soon"
    data = spec_data({"name": "n", "kind": "os_upgrade", "wave_size": "3", "settle_seconds": "2.5"})
    assert data["strategy"]["wave_size"] == 3 and data["post_check"]["settle_seconds"] == 2.5
