"""Tenant webhooks: a signed JSON event on every state change of a capacity change, and of
every upgrade campaign that touches the tenant's devices.

The body is canonical JSON (sorted keys, no spaces), signed with HMAC-SHA256 over the exact
bytes sent: `X-Netwave-Signature: sha256=<hex>`. `X-Netwave-Delivery` is derived from the body,
so a retried delivery carries the same id and receivers can drop duplicates. `deliver` makes
one attempt; the caller (a Temporal activity with a retry policy) retries with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from services.changes.contract import TenantContract
from services.core.secrets import SecretsProvider

SIGNATURE_HEADER = "X-Netwave-Signature"
EVENT_HEADER = "X-Netwave-Event"
DELIVERY_HEADER = "X-Netwave-Delivery"
USER_AGENT = "netwave-webhooks/1"
_DELIVERY_NAMESPACE = uuid.UUID("6f1c1e5e-8a43-4a8e-9d53-6b0c5a1f2e10")
# What `sign` writes: the prefix, then 64 lowercase hex digits (ASCII only).
_SIGNATURE = re.compile(r"sha256=[0-9a-f]{64}", re.ASCII)


def build_event(
    change_id: str,
    tenant: str,
    status: str,
    detail: dict[str, Any] | str | None = None,
    *,
    at: datetime | None = None,
) -> bytes:
    """The event body: canonical JSON bytes (pass `at`, e.g. workflow.now(), to stamp it)."""
    event: dict[str, Any] = {
        "event": event_name(status),
        "change_id": change_id,
        "tenant": tenant,
        "status": status,
        "detail": detail if detail is not None else {},
    }
    return _canonical(event, at)


def build_campaign_event(
    campaign_id: str,
    tenant: str,
    status: str,
    detail: dict[str, Any],
    *,
    at: datetime | None = None,
) -> bytes:
    """A campaign's event for one tenant; `detail` must hold that tenant's data only."""
    event: dict[str, Any] = {
        "event": f"campaign.{status}",
        "campaign_id": campaign_id,
        "tenant": tenant,
        "status": status,
        "detail": detail,
    }
    return _canonical(event, at)


def _canonical(event: dict[str, Any], at: datetime | None) -> bytes:
    if at is not None:
        event["at"] = at.isoformat()
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_name(status: str) -> str:
    return f"change.{status}"


def sign(body: bytes, secret: str) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of the body with the tenant's webhook secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, secret: str, signature: str | None) -> bool:
    """What a receiver does: recompute and compare in constant time.

    False, never an exception, for a missing (None or empty) or malformed header: another
    prefix, not 64 lowercase hex digits, non-ASCII text. Only a well-formed header reaches the
    constant-time comparison (its length and alphabet are public: the format says them).
    """
    if not isinstance(signature, str) or _SIGNATURE.fullmatch(signature) is None:
        return False
    return hmac.compare_digest(sign(body, secret).encode("ascii"), signature.encode("ascii"))


def delivery_id(body: bytes) -> str:
    """Stable per event body, so every retry of one delivery has the same id."""
    return str(uuid.uuid5(_DELIVERY_NAMESPACE, hashlib.sha256(body).hexdigest()))


def headers(body: bytes, secret: str) -> dict[str, str]:
    """The headers of a delivery of `body`."""
    event = json.loads(body)
    name = event.get("event") or event_name(str(event.get("status", "unknown")))
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(body, secret),
        EVENT_HEADER: str(name),
        DELIVERY_HEADER: delivery_id(body),
    }


class DeliveryResult(BaseModel):
    """One delivery attempt: ok on a 2xx answer; otherwise why not."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    delivery_id: str
    status_code: int | None = None
    error: str | None = None
    elapsed_ms: int = 0


def deliver(
    url: str,
    body: bytes,
    secret: str,
    *,
    timeout: float = 10.0,  # pragma: no mutate
) -> DeliveryResult:
    """POST the signed body once; a non-2xx answer or a network error is a failure."""
    sent = headers(body, secret)
    started = time.monotonic()
    try:
        # httpx's default too; said here because a followed redirect re-posts a signed body
        with httpx.Client(timeout=timeout, follow_redirects=False) as client:  # pragma: no mutate
            response = client.post(url, content=body, headers=sent)
    except httpx.HTTPError as exc:
        return DeliveryResult(
            ok=False,
            delivery_id=sent[DELIVERY_HEADER],
            error=f"{type(exc).__name__}: {exc}"[:300],
            elapsed_ms=_since(started),
        )
    ok = 200 <= response.status_code < 300
    return DeliveryResult(
        ok=ok,
        delivery_id=sent[DELIVERY_HEADER],
        status_code=response.status_code,
        error=None if ok else f"HTTP {response.status_code}",
        elapsed_ms=_since(started),
    )


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def webhook_target(contract: TenantContract, provider: SecretsProvider) -> tuple[str, str] | None:
    """(url, secret) of the tenant's webhook, the secret resolved now; None when it has none.

    The secret is the password of the credential the contract names; keep it in memory only.
    """
    hook = contract.webhook
    if hook.url is None or hook.secret is None:
        return None
    credential = provider.resolve(hook.secret)
    return str(hook.url), credential.secret()
