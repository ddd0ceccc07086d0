"""Compliance reports: one per audit workflow of a tenant, with each device's full result.

Activities write (start_report, record_device, finish_report) and are idempotent under retry;
the API reads, always within one tenant: another tenant's report is simply not found.

views: what is returned; checks: limits and input checks; records: opening, recording devices
and finishing a report; queries: reports, device results, history and trend.
"""

from __future__ import annotations

from services.store.repos.compliance.checks import MAX_LIMIT, DeviceResult
from services.store.repos.compliance.queries import (
    device_history,
    device_result,
    device_results,
    get_report,
    get_report_by_workflow,
    list_reports,
    trend,
)
from services.store.repos.compliance.records import (
    SCORED,
    finish_report,
    record_device,
    record_devices,
    start_report,
)
from services.store.repos.compliance.views import (
    DeviceHistoryEntry,
    DeviceResultOut,
    DeviceResultSummary,
    ReportOut,
    TrendPoint,
)

__all__ = [
    "MAX_LIMIT",
    "SCORED",
    "DeviceHistoryEntry",
    "DeviceResult",
    "DeviceResultOut",
    "DeviceResultSummary",
    "ReportOut",
    "TrendPoint",
    "device_history",
    "device_result",
    "device_results",
    "finish_report",
    "get_report",
    "get_report_by_workflow",
    "list_reports",
    "record_device",
    "record_devices",
    "start_report",
    "trend",
]
