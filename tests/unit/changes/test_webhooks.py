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
        self.location: str | None = None  # sent with the status (a redirect)
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
        if self.server.location:
            self.send_header("Location", self.server.location)
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
    # No `at`, no detail: no timestamp, an empty detail; keys sorted, no spaces.
    assert build_event("chg-42", "acme", "approved") == (
        b'{"change_id":"chg-42","detail":{},"event":"change.approved","status":"approved",'
        b'"tenant":"acme"}'
    )
    # Not ASCII-escaped: the bytes signed are the UTF-8 of the text.
    assert build_event("chg-1", "acme", "pushed", "café") == (
        b'{"change_id":"chg-1","detail":"caf\xc3\xa9","event":"change.pushed",'
        b'"status":"pushed","tenant":"acme"}'
    )


# HMAC-SHA256 of b'{"a":1}' with the key "key", worked out apart from netwave:
# printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac key
SIGNED = "sha256=88a67f24bbcdaed0e6c997404bb79a743baf44c6bab2f4c27328e3009d22e342"
# uuid5(6f1c1e5e-8a43-4a8e-9d53-6b0c5a1f2e10, the body's sha256 hex, which `sha256sum` gives as
# 015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862), worked out as RFC 4122
# says (SHA-1 of namespace bytes + name, version 5 and variant bits set) without `uuid`.
DELIVERY = "6ce929af-0f10-547f-a278-06f5c1760b52"


def test_signature() -> None:
    body = b'{"a":1}'
    assert sign(body, "key") == SIGNED
    assert sign(body, "key") == "sha256=" + hmac.new(b"key", body, hashlib.sha256).hexdigest()
    assert verify_signature(body, "key", SIGNED)
    assert not verify_signature(body + b" ", "key", SIGNED)
    assert not verify_signature(body, "other", SIGNED)
    sent = headers(body, "key")
    assert sent == {
        "Content-Type": "application/json",
        "User-Agent": "netwave-webhooks/1",
        SIGNATURE_HEADER: SIGNED,
        EVENT_HEADER: "change.unknown",
        DELIVERY_HEADER: DELIVERY,  # from the body alone: the same on every retry
    }


@pytest.mark.parametrize(
    "signature",
    [
        None,  # no header at all
        "",
        "sha256=",
        SIGNED[len("sha256=") :],  # the hex without its prefix
        "sha1=" + SIGNED[len("sha256=") :],
        "SHA256=" + SIGNED[len("sha256=") :],
        "sha256:" + SIGNED[len("sha256=") :],
        SIGNED.upper().replace("SHA256=", "sha256="),  # `sign` writes lowercase hex
        SIGNED[:-1],  # one digit short
        SIGNED + "0",  # one digit long
        SIGNED + "\n",
        " " + SIGNED,
        SIGNED[:-1] + "g",  # not hex
        SIGNED[:-1] + "\u00e9",  # non-ASCII: hmac.compare_digest would raise TypeError
        "sha256=" + "\u0661" * 64,  # Arabic-Indic digits: digits, but not ASCII hex
        "sha256=" + "0" * 64,  # well formed, wrong
        "sha256=\u00e9",
    ],
)
def test_a_missing_or_malformed_signature_is_false_not_an_error(signature: str | None) -> None:
    assert verify_signature(b'{"a":1}', "key", signature) is False


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


def test_a_redirect_is_a_failure_and_is_not_followed(receiver: Receiver) -> None:
    """A signed body is never re-posted to wherever a receiver points (it could be anyone)."""
    receiver.status, receiver.location = 307, receiver.url + "/elsewhere"
    result = deliver(receiver.url, build_event("chg-1", "acme", "pushed"), SECRET, timeout=5)
    assert (result.ok, result.status_code, result.error) == (False, 307, "HTTP 307")
    assert [r["path"] for r in receiver.received] == ["/hooks/netwave"]


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
