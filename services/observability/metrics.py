"""Every Prometheus metric netwave defines, in one place (docs/observability.md lists them).

The names are a contract with the dashboards and alert rules in deploy/: rename one there too.
Labels are few and bounded: platform, tenant, outcome, status, route template. Never a device
name, a change id or a campaign id (one time series each would grow without end).

Metrics live in prometheus-client's process-wide registry, created on first use, so a process
shows only what it records (the API its HTTP metrics, a worker its device metrics). Tests give
their own `CollectorRegistry` to the classes here, or read the difference a step made.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

# HTTP latency: most API answers are milliseconds, a few (plans, big lists) seconds.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A device session: a login and a few commands (seconds) up to an image copy (minutes).
SESSION_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)
# One tenant's audit: seconds for a handful of devices, up to an hour for thousands.
AUDIT_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


@dataclass(frozen=True)
class HttpMetrics:
    """The API's requests: by method, route template and status; latency by route."""

    requests: Counter
    duration: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> HttpMetrics:
        return cls(
            requests=Counter(
                "netwave_http_requests",
                "HTTP requests answered, by method, route template and status",
                ["method", "route", "status"],
                registry=registry,
            ),
            duration=Histogram(
                "netwave_http_request_duration_seconds",
                "Time to answer an HTTP request, by method and route template",
                ["method", "route"],
                buckets=HTTP_BUCKETS,
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class DeviceMetrics:
    """What the worker did to devices: sessions, pushes, rollbacks, host-key mismatches."""

    sessions: Counter
    session_duration: Histogram
    pushes: Counter
    rollbacks: Counter
    host_key_mismatches: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> DeviceMetrics:
        device = ["platform", "tenant"]
        return cls(
            sessions=Counter(
                "netwave_device_sessions",
                "Device SSH sessions, by outcome (ok, or why the session failed)",
                [*device, "outcome"],
                registry=registry,
            ),
            session_duration=Histogram(
                "netwave_device_session_duration_seconds",
                "How long device sessions that logged in stayed open",
                device,
                buckets=SESSION_BUCKETS,
                registry=registry,
            ),
            pushes=Counter(
                "netwave_pushes",
                "Config pushes of changes and rollouts, by outcome",
                [*device, "outcome"],
                registry=registry,
            ),
            rollbacks=Counter(
                "netwave_rollbacks",
                "Restores of a device to its pre-change backup, by outcome (ok, failed)",
                [*device, "outcome"],
                registry=registry,
            ),
            host_key_mismatches=Counter(
                "netwave_host_key_mismatches",
                "Sessions refused because the device presented another host key than recorded",
                device,
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class RunMetrics:
    """How changes, campaign devices and audits ended, and what staff were told (recorded by
    worker activities)."""

    changes_finished: Counter
    campaign_devices_finished: Counter
    audit_duration: Histogram
    staff_notifications: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> RunMetrics:
        return cls(
            changes_finished=Counter(
                "netwave_changes_finished",
                "Changes that reached a final status, by tenant and status",
                ["tenant", "status"],
                registry=registry,
            ),
            campaign_devices_finished=Counter(
                "netwave_campaign_devices_finished",
                "Campaign devices that reached a final state (upgraded, rolled_back, ...)",
                ["state"],
                registry=registry,
            ),
            audit_duration=Histogram(
                "netwave_audit_duration_seconds",
                "Time one tenant's compliance audit took, from its report opening to closing",
                ["tenant"],
                buckets=AUDIT_BUCKETS,
                registry=registry,
            ),
            staff_notifications=Counter(
                "netwave_staff_notifications",
                "Staff notifications by event, target (its name in the file) and outcome "
                "(sent, failed)",
                ["event", "target", "outcome"],
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class AuthMetrics:
    """The auth-failure throttle's refusals (services/api/throttle.py)."""

    throttled: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry = REGISTRY) -> AuthMetrics:
        return cls(
            throttled=Counter(
                "netwave_auth_throttled",
                "Requests answered 429 by the auth-failure throttle",
                registry=registry,
            )
        )


T = TypeVar("T", HttpMetrics, DeviceMetrics, RunMetrics, AuthMetrics)
_CREATED: dict[type, object] = {}
_LOCK = threading.Lock()


def _process_wide(kind: type[T]) -> T:
    """The process's one instance of `kind`, registered in the default registry on first use."""
    with _LOCK:
        found = _CREATED.get(kind)
        if found is None:
            found = _CREATED[kind] = kind.create()
        assert isinstance(found, kind)
        return found


def http() -> HttpMetrics:
    return _process_wide(HttpMetrics)


def devices() -> DeviceMetrics:
    return _process_wide(DeviceMetrics)


def runs() -> RunMetrics:
    return _process_wide(RunMetrics)


def auth() -> AuthMetrics:
    return _process_wide(AuthMetrics)


CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def exposition(*registries: CollectorRegistry) -> bytes:
    """The text exposition of the process's registry and `registries` (distinct names)."""
    return b"".join(generate_latest(r) for r in (REGISTRY, *registries))
