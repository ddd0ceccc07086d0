"""What an on-call engineer reads on a phone: what happened, to which tenant and change or
campaign, the console link, and what to do next. Built from the status events netwave already
records; statuses staff need not hear of give None."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.notifications.events import StaffMessage

_LONGEST_DETAIL = 300  # characters of a failure reason in a body


def change_message(
    *,
    console_url: str,
    tenant: str,
    change_id: str,
    status: str,
    detail: Mapping[str, Any],
) -> StaffMessage | None:
    """The message for a change's new status, or None when staff need not hear of it."""
    link = f"{console_url}/console/tenants/{tenant}/changes/{change_id}"
    subject = f"change:{change_id}"
    if status == "awaiting_approval":
        revision = detail.get("revision", "")
        reason = str(detail.get("reason") or "the tenant's policy asks for a person")
        return StaffMessage(
            event="change.awaiting_approval",
            title=f"Approval needed: change {change_id} ({tenant})",
            body=f"Change {change_id} of tenant {tenant} waits for an approver: "
            f"{_short(reason)}.\nReview the plan and approve or reject it: {link}",
            severity="info",
            tenant=tenant,
            subject=subject,
            url=link,
            key=f"change.awaiting_approval:{change_id}:{revision}",
        )
    if status in ("failed", "rolled_back"):
        what = "failed" if status == "failed" else "was rolled back"
        event = "change.failed" if status == "failed" else "change.rolled_back"
        return StaffMessage(
            event=event,
            title=f"Change {change_id} {what} ({tenant})",
            body=f"Change {change_id} of tenant {tenant} {what}: {_reasons(detail)}.\n"
            f"Check the devices' state and the change's events before trying again: {link}",
            severity="failure" if status == "failed" else "warning",
            tenant=tenant,
            subject=subject,
            url=link,
            key=f"{event}:{change_id}",
        )
    return None


def campaign_message(
    *,
    console_url: str,
    campaign_id: str,
    name: str,
    status: str,
    reason: str,
    tenants: Mapping[str, Mapping[str, int]],
    at: datetime,
) -> StaffMessage | None:
    """The message for a campaign's new status, or None when staff need not hear of it."""
    link = f"{console_url}/console/campaigns/{campaign_id}"
    counts = _counts(tenants)
    who = ", ".join(sorted(tenants)) or "no tenant"
    if status == "awaiting_approval":
        return StaffMessage(
            event="campaign.awaiting_approval",
            title=f"Campaign {name} waits at its gate",
            body=f"Campaign {name} ({campaign_id}) finished its canary and waits for an "
            f"engineer to approve the next waves. Devices: {counts}. Tenants: {who}.\n"
            f"Check the canary's results, then approve or cancel: {link}",
            severity="info",
            tenant=None,
            subject=f"campaign:{campaign_id}",
            url=link,
            key=f"campaign.awaiting_approval:{campaign_id}:{at.isoformat()}",
        )
    if status == "halted":
        return StaffMessage(
            event="campaign.halted",
            title=f"Campaign {name} halted",
            body=f"Campaign {name} ({campaign_id}) halted: "
            f"{_short(reason or 'its failure budget was spent')}. Devices: {counts}. "
            f"Tenants: {who}.\nNo further device is started. Look at the failed devices "
            f"before retrying them: {link}",
            severity="failure",
            tenant=None,
            subject=f"campaign:{campaign_id}",
            url=link,
            key=f"campaign.halted:{campaign_id}:{at.isoformat()}",
        )
    return None


def host_key_message(
    *, console_url: str, tenant: str, device: str, platform: str, error: str
) -> StaffMessage:
    """A device presented another SSH host key than the recorded one: nothing was sent to it."""
    link = f"{console_url}/console/tenants/{tenant}/devices/{device}"
    digest = hashlib.sha256(error.encode()).hexdigest()[:16]
    return StaffMessage(
        event="device.host_key_mismatch",
        title=f"Host key mismatch: {device} ({tenant})",
        body=f"{device} ({platform}) of tenant {tenant} presented another SSH host key than "
        f"the recorded one; netwave sent it no password and no change. {_short(error)}\n"
        f"Compare the fingerprint with the device's own (a replaced device or a man in the "
        f"middle?); record the new key with `netwave devices trust --tenant {tenant} "
        f"--device {device}` only once you know why: {link}",
        severity="failure",
        tenant=tenant,
        subject=f"device:{tenant}/{device}",
        url=link,
        key=f"device.host_key_mismatch:{tenant}/{device}:{digest}",
    )


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _LONGEST_DETAIL else text[: _LONGEST_DETAIL - 1] + "…"


def _reasons(detail: Mapping[str, Any]) -> str:
    """`error`, or each device's outcome (`r1: failed: ...`), on one line."""
    if "error" in detail:
        return _short(str(detail["error"]))
    parts = [f"{device}: {outcome}" for device, outcome in sorted(detail.items())]
    return _short("; ".join(parts) or "no reason recorded")


def _counts(tenants: Mapping[str, Mapping[str, int]]) -> str:
    total: dict[str, int] = {}
    for counts in tenants.values():
        for state, number in counts.items():
            total[state] = total.get(state, 0) + number
    return ", ".join(f"{n} {state}" for state, n in sorted(total.items())) or "none"
