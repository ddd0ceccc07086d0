"""Webhooks: canonical signed events, delivered to a small receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from pydantic import SecretStr

from services.changes.contract import TenantContract, Webhook
from services.changes.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    build_event,
    deliver,
    headers,
    sign,
    verify_signature,
    webhook_target,
)
from services.core.errors import CredentialError
from services.core.secrets import Credential

SECRET = "s3cret-for-tests"


class Receiver(HTTPServer):
    """Checks each delivery's signature; answers `status` (200 unless told otherwise)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status = 200
        self.received: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/netwave"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, self.headers[SIGNATURE_HEADER] or "")
        self.server.received.append(
            {"body": body, "valid": valid, "headers": dict(self.headers), "path": self.path}
        )
        self.send_response(self.server.status if valid else 401)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_event_is_canonical_json() -> None:
    body = build_event(
        "chg-42",
        "acme",
        "approved",
        {"by": "alice", "devices": ["acme-hq-r1"]},
        at=dt.datetime(2026, 6, 10, 22, 0, tzinfo=dt.UTC),
    )
    assert body == (
        b'{"at":"2026-06-10T22:00:00+00:00","change_id":"chg-42","detail":{"by":"alice",'
        b'"devices":["acme-hq-r1"]},"event":"change.approved","status":"approved","tenant":"acme"}'
    )
    assert build_event("chg-42", "acme", "approved") == build_event("chg-42", "acme", "approved")


def test_signature() -> None:
    body = b'{"a":1}'
    assert sign(body, "key") == ("sha256=" + hmac.new(b"key", body, hashlib.sha256).hexdigest())
    assert verify_signature(body, "key", sign(body, "key"))
    assert not verify_signature(body + b" ", "key", sign(body, "key"))
    sent = headers(body, "key")
    assert sent[EVENT_HEADER] == "change.unknown"
    assert sent[DELIVERY_HEADER] == headers(body, "key")[DELIVERY_HEADER]  # stable on retry


def test_delivery_is_signed_and_accepted(receiver: Receiver) -> None:
    body = build_event("chg-1", "acme", "pushed", "2 devices")
    result = deliver(receiver.url, body, SECRET, timeout=5)
    assert result.ok and result.status_code == 200
    (got,) = receiver.received
    assert got["valid"] and got["body"] == body
    assert got["headers"][EVENT_HEADER] == "change.pushed"
    assert got["headers"][DELIVERY_HEADER] == result.delivery_id
    assert got["headers"]["Content-Type"] == "application/json"
    assert json.loads(got["body"])["detail"] == "2 devices"


def test_wrong_secret_is_refused_by_the_receiver(receiver: Receiver) -> None:
    result = deliver(receiver.url, build_event("chg-1", "acme", "pushed"), "wrong", timeout=5)
    assert (result.ok, result.status_code, result.error) == (False, 401, "HTTP 401")


def test_server_error_is_a_failure_to_retry(receiver: Receiver) -> None:
    receiver.status = 503
    body = build_event("chg-1", "acme", "failed")
    first = deliver(receiver.url, body, SECRET, timeout=5)
    assert (first.ok, first.status_code) == (False, 503)
    receiver.status = 204
    second = deliver(receiver.url, body, SECRET, timeout=5)
    assert second.ok and second.delivery_id == first.delivery_id


def test_network_error_is_a_failure() -> None:
    server = HTTPServer(("127.0.0.1", 0), _Handler)
    port = server.server_address[1]
    server.server_close()  # nothing listens there any more
    result = deliver(f"http://127.0.0.1:{port}/", b"{}", SECRET, timeout=2)
    assert not result.ok and result.status_code is None
    assert result.error and "ConnectError" in result.error


class Provider:
    def resolve(self, name: str) -> Credential:
        if name != "webhook-acme":
            raise CredentialError(f"credential {name!r} is not set")
        return Credential(username="webhook", password=SecretStr(SECRET))

    def names(self) -> set[str]:
        return {"webhook-acme"}


def test_target_resolves_the_named_credential(contracts: dict[str, TenantContract]) -> None:
    hook = Webhook.model_validate(
        {"url": "https://hooks.acme.example.net/nw", "secret": "webhook-acme"}
    )
    acme = contracts["acme"].model_copy(update={"webhook": hook})
    assert webhook_target(acme, Provider()) == ("https://hooks.acme.example.net/nw", SECRET)
    assert webhook_target(contracts["initech"], Provider()) is None  # no webhook
    other = Webhook.model_validate({"url": "https://itsm.example.com/", "secret": "webhook-x"})
    with pytest.raises(CredentialError):
        webhook_target(acme.model_copy(update={"webhook": other}), Provider())
