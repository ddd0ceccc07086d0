"""Telling staff of changes and campaigns: called from the activities that already deliver the
tenant webhooks (never from workflow code, so replay is unaffected). Each function builds the
message, sends it to the targets that want it and never raises."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from services.core.secrets import SecretsProvider
from services.core.settings import Settings
from services.notifications.delivery import StaffNotifier
from services.notifications.events import StaffMessage
from services.notifications.messages import campaign_message, change_message

_NOTIFIERS: dict[tuple[Path, int], StaffNotifier] = {}


def notifier(settings: Settings, provider: SecretsProvider) -> StaffNotifier:
    """One notifier per targets file and provider, so the file is parsed once per change."""
    key = (settings.notifications_file, id(provider))
    found = _NOTIFIERS.get(key)
    if found is None or found.provider is not provider:
        found = _NOTIFIERS[key] = StaffNotifier(settings.notifications_file, provider)
    return found


def tell_of_change(
    settings: Settings,
    provider: SecretsProvider,
    *,
    tenant: str,
    change_id: str,
    status: str,
    detail: Mapping[str, Any],
) -> StaffMessage | None:
    """The change's new status, to staff when they hear of it (the message, or None)."""
    message = change_message(
        console_url=settings.console_url,
        tenant=tenant,
        change_id=change_id,
        status=status,
        detail=detail,
    )
    if message is not None:
        notifier(settings, provider).send(message)
    return message


def tell_of_campaign(
    settings: Settings,
    provider: SecretsProvider,
    *,
    campaign_id: str,
    name: str,
    status: str,
    reason: str,
    tenants: Mapping[str, Mapping[str, int]],
    at: datetime,
) -> StaffMessage | None:
    """The campaign's new status, to staff when they hear of it (the message, or None)."""
    message = campaign_message(
        console_url=settings.console_url,
        campaign_id=campaign_id,
        name=name,
        status=status,
        reason=reason,
        tenants=tenants,
        at=at,
    )
    if message is not None:
        notifier(settings, provider).send(message)
    return message


# What a notification activity heartbeats once staff were told, so its retries do not tell
# them again (heartbeat details survive a failed attempt; docs/observability.md).
STAFF_TOLD = "staff-told"
