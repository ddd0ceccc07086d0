"""Throttling failed authentication per client address: a token bucket each, in memory.

Every client address has a bucket of `auth_failure_burst` attempts. Each failed authentication
(a missing, malformed, unknown, expired or revoked bearer token on /v1, a refused console
sign-in) takes one; the bucket refills evenly, `auth_failure_burst` attempts per
`auth_failure_window_seconds`. An empty bucket throttles the address: its requests are refused
with 429 and a Retry-After header *before* any token is looked up, so a flood of bad tokens
costs the API a dictionary look-up each and it stays responsive for everyone else.

- While an address is throttled, every request from it that needs authentication is refused,
  a valid token included: the throttle cannot tell the owner of a good token from an attacker
  who sends one among a thousand guesses. (Routes without authentication, /healthz, still
  answer.)
- Refused (throttled) requests do not take from the bucket: an address that keeps hammering
  gets its next attempt once one has refilled, no sooner and no later.
- A successful authentication neither refills nor resets any bucket, its address's or another's.
- Memory is bounded: at most `auth_throttle_max_addresses` addresses are tracked; past that
  the one whose last failure is the oldest is forgotten. A bucket that has refilled is
  forgotten at its next look-up (a full bucket is the same as no bucket).
- In memory, per process: with several API processes, each throttles on its own.

The client address is the connection's peer (`request.client.host`). X-Forwarded-For is read
only when the peer is one of `trusted_proxies` (addresses or networks; empty by default): the
client is then the right-most address of the header that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from fastapi import HTTPException, status
from starlette.types import Scope

from services.core.settings import Settings
from services.observability import metrics

auth_log = logging.getLogger("netwave.auth")

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN_ADDRESS = "-"
MAX_ADDRESS_CHARS = 64  # an address read from a header is logged and kept as a key: bounded


@dataclass
class _Bucket:
    tokens: float
    updated: float


class AuthThrottle:
    """Per-address token buckets of failed authentications; thread-safe.

    `clock` returns seconds (monotonic by default); tests pass their own.
    """

    def __init__(
        self,
        burst: int,
        window_seconds: float,
        max_addresses: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if burst < 1 or window_seconds <= 0 or max_addresses < 1:
            raise ValueError("burst, window_seconds and max_addresses must be positive")
        self.burst = burst
        self.window_seconds = window_seconds
        self.max_addresses = max_addresses
        self.clock = clock
        self._rate = burst / window_seconds  # attempts regained per second
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> AuthThrottle:
        return cls(
            burst=settings.auth_failure_burst,
            window_seconds=settings.auth_failure_window_seconds,
            max_addresses=settings.auth_throttle_max_addresses,
        )

    def __len__(self) -> int:
        with self._lock:
            return len(self._buckets)

    def _refill(self, bucket: _Bucket, now: float) -> None:
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self._rate)
        bucket.updated = now

    def _wait(self, bucket: _Bucket) -> int | None:
        if bucket.tokens >= 1:
            return None
        return max(1, math.ceil((1 - bucket.tokens) / self._rate))

    def retry_after(self, address: str) -> int | None:
        """Whole seconds until `address` may try again, or None if it is not throttled.

        Asked once per request that needs authentication, before its token is looked up; a
        wait is answered 429, so each one is counted (`netwave_auth_throttled_total`)."""
        with self._lock:
            bucket = self._buckets.get(address)
            if bucket is None:
                return None
            self._refill(bucket, self.clock())
            if bucket.tokens >= self.burst:
                del self._buckets[address]
                return None
            wait = self._wait(bucket)
        if wait is not None:
            metrics.auth().throttled.inc()
        return wait

    def record_failure(self, address: str) -> int | None:
        """Count a failed authentication; the wait it leaves `address` with (None: none yet)."""
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(address)
            if bucket is None:
                bucket = self._buckets[address] = _Bucket(tokens=float(self.burst), updated=now)
                while len(self._buckets) > self.max_addresses:
                    self._buckets.popitem(last=False)
            else:
                self._refill(bucket, now)
                self._buckets.move_to_end(address)
            bucket.tokens = max(0.0, bucket.tokens - 1)
            return self._wait(bucket)


def too_many_failures(retry_after: int) -> HTTPException:
    """The 429 a throttled address gets (JSON detail, Retry-After in whole seconds)."""
    return HTTPException(
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"too many failed authentications from this address: retry in {retry_after} seconds",
        headers={"Retry-After": str(retry_after)},
    )


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _is_trusted(address: str, networks: Iterable[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(scope: Scope, trusted_proxies: Sequence[str] = ()) -> str:
    """The client's address: the peer, or what a trusted proxy says in X-Forwarded-For."""
    client = scope.get("client")
    peer = str(client[0]) if client else UNKNOWN_ADDRESS
    if not trusted_proxies:
        return peer
    networks = _networks(tuple(trusted_proxies))
    if not _is_trusted(peer, networks):
        return peer
    hops = [
        hop.strip()
        for name, value in scope.get("headers", ())
        if name == b"x-forwarded-for"
        for hop in value.decode("latin-1").split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return printable(hop)[:MAX_ADDRESS_CHARS]
    return printable(hops[0])[:MAX_ADDRESS_CHARS] if hops else peer


def printable(text: str) -> str:
    """`text` with control characters escaped: one log record stays one line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
