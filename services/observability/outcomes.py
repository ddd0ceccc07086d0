"""How runs ended, reported by the activities that record it (never by workflow code, which
must not touch process state: a replay would count again). One function per event."""

from __future__ import annotations

from services.observability import metrics


def change_finished(tenant: str, status: str) -> None:
    """A change reached a final status (verified, failed, rolled_back, rejected, ...)."""
    metrics.runs().changes_finished.labels(tenant, status).inc()


def campaign_device_finished(state: str, devices: int = 1) -> None:
    """Campaign devices reached a final state (upgraded, applied, skipped, rolled_back, ...)."""
    metrics.runs().campaign_devices_finished.labels(state).inc(devices)


def audit_finished(tenant: str, seconds: float) -> None:
    """One tenant's audit closed its report, `seconds` after opening it."""
    metrics.runs().audit_duration.labels(tenant).observe(max(0.0, seconds))
