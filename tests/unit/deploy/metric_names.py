"""The metric names deploy/ may use: the contract between netwave's metrics and the dashboard
and alert rules in deploy/grafana and deploy/prometheus.

The names are written out here so a reader of a dashboard query finds them in one list;
test_metric_contract.py checks that this list is exactly what services/observability registers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# name -> type, exactly as a scrape shows them (a counter with its `_total`).
NETWAVE_METRICS: dict[str, str] = {
    # API process
    "netwave_http_requests_total": "counter",
    "netwave_http_request_duration_seconds": "histogram",
    "netwave_auth_throttled_total": "counter",
    "netwave_changes": "gauge",
    "netwave_change_approval_wait_seconds": "gauge",
    "netwave_campaigns": "gauge",
    "netwave_campaign_devices": "gauge",
    "netwave_compliance_score_ratio": "gauge",
    # worker process
    "netwave_device_sessions_total": "counter",
    "netwave_device_session_duration_seconds": "histogram",
    "netwave_pushes_total": "counter",
    "netwave_rollbacks_total": "counter",
    "netwave_audit_duration_seconds": "histogram",
    "netwave_host_key_mismatches_total": "counter",
    "netwave_changes_finished_total": "counter",
    "netwave_campaign_devices_finished_total": "counter",
    "netwave_staff_notifications_total": "counter",
}

# The metrics with a `tenant` label: the dashboard's tenant variable filters each of them.
TENANT_METRICS = {
    "netwave_changes",
    "netwave_change_approval_wait_seconds",
    "netwave_compliance_score_ratio",
    "netwave_device_sessions_total",
    "netwave_device_session_duration_seconds",
    "netwave_pushes_total",
    "netwave_rollbacks_total",
    "netwave_audit_duration_seconds",
    "netwave_host_key_mismatches_total",
    "netwave_changes_finished_total",
}

# Gauges the API reads from the database at scrape time: every API replica shows the same
# values, so queries take max() over replicas, never sum().
DATABASE_GAUGES = {name for name, kind in NETWAVE_METRICS.items() if kind == "gauge"}

# The Temporal SDK's own metrics (sdk-core, `temporal_` prefix) the dashboard and rules use,
# as the worker serves them: counters without `_total`, durations in seconds.
TEMPORAL_METRICS: dict[str, str] = {
    "temporal_workflow_completed": "counter",
    "temporal_workflow_failed": "counter",
    "temporal_workflow_canceled": "counter",
    "temporal_activity_execution_failed": "counter",
    "temporal_workflow_task_schedule_to_start_latency": "histogram",
    "temporal_activity_schedule_to_start_latency": "histogram",
    "temporal_worker_task_slots_available": "gauge",
}

# Series Prometheus itself writes for every target.
PROMETHEUS_SERIES = {"up"}

HISTOGRAM_SERIES = ("_bucket", "_sum", "_count")
METRIC_NAME = re.compile(r"\b(?:netwave|temporal)_[a-z0-9_]+")


def series_names() -> set[str]:
    """Every series name a query may read: histograms by their _bucket, _sum and _count."""
    names = set(PROMETHEUS_SERIES)
    for name, kind in {**NETWAVE_METRICS, **TEMPORAL_METRICS}.items():
        if kind == "histogram":
            names.update(name + suffix for suffix in HISTOGRAM_SERIES)
        else:
            names.add(name)
    return names


def metric_of(series: str) -> str:
    """The metric a series belongs to (a histogram's _bucket, _sum and _count: the histogram)."""
    for suffix in HISTOGRAM_SERIES:
        base = series.removesuffix(suffix)
        if base != series and {**NETWAVE_METRICS, **TEMPORAL_METRICS}.get(base) == "histogram":
            return base
    return series


def unknown_series(queries: Iterable[str]) -> set[str]:
    """Metric names in PromQL `queries` that the contract does not define."""
    return {found for query in queries for found in METRIC_NAME.findall(query)} - series_names()
