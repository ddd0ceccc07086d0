"""What a tenant hears of a campaign: its own devices' counts, never another tenant's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from services.changes.webhooks import build_campaign_event


def tenant_counts(devices: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """`{"tenant/device": status}` -> `{tenant: {status: n}}`."""
    counts: dict[str, dict[str, int]] = {}
    for key, status in devices.items():
        tenant = key.split("/", 1)[0]
        per_tenant = counts.setdefault(tenant, {})
        per_tenant[status] = per_tenant.get(status, 0) + 1
    return counts


def tenant_event(
    *,
    campaign_id: str,
    name: str,
    kind: str,
    status: str,
    tenant: str,
    counts: Mapping[str, int],
    reason: str = "",
    at: datetime | None = None,
) -> bytes:
    """The signed-to-be body for one tenant: the campaign, its status, the tenant's counts."""
    detail: dict[str, object] = {
        "campaign": name,
        "kind": kind,
        "devices": sum(counts.values()),
        "counts": dict(sorted(counts.items())),
    }
    if reason:
        detail["reason"] = reason
    return build_campaign_event(campaign_id, tenant, status, detail, at=at)
