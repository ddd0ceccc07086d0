"""What an on-call engineer reads: what happened, which tenant and change or campaign, the
console link and what to do next; statuses staff need not hear of give no message."""

from __future__ import annotations

import datetime as dt

import pytest

from services.notifications.messages import campaign_message, change_message, host_key_message

CONSOLE = "https://netwave.msp.example"
AT = dt.datetime(2026, 6, 10, 22, 0, tzinfo=dt.UTC)


def test_change_awaiting_approval() -> None:
    message = change_message(
        console_url=CONSOLE,
        tenant="acme",
        change_id="chg-42",
        status="awaiting_approval",
        detail={"revision": 3, "reason": "bandwidth above 1 Gbit/s needs an approver"},
    )
    assert message is not None
    assert message.event == "change.awaiting_approval"
    assert message.title == "Approval needed: change chg-42 (acme)"
    assert message.body == (
        "Change chg-42 of tenant acme waits for an approver: bandwidth above 1 Gbit/s needs "
        "an approver.\nReview the plan and approve or reject it: "
        "https://netwave.msp.example/console/tenants/acme/changes/chg-42"
    )
    assert message.url == "https://netwave.msp.example/console/tenants/acme/changes/chg-42"
    assert message.tenant == "acme"
    # A re-plan waits again: another revision is another event.
    again = change_message(
        console_url=CONSOLE,
        tenant="acme",
        change_id="chg-42",
        status="awaiting_approval",
        detail={"revision": 4},
    )
    assert again is not None and again.key != message.key


def test_change_failed_and_rolled_back_say_why_per_device() -> None:
    failed = change_message(
        console_url=CONSOLE,
        tenant="acme",
        change_id="chg-7",
        status="failed",
        detail={"acme-hq-r1": "failed: push refused", "acme-br-r2": "verified: ok"},
    )
    assert failed is not None
    assert failed.event == "change.failed" and failed.severity == "failure"
    assert failed.title == "Change chg-7 failed (acme)"
    assert "acme-br-r2: verified: ok; acme-hq-r1: failed: push refused" in failed.body
    rolled = change_message(
        console_url=CONSOLE,
        tenant="acme",
        change_id="chg-7",
        status="rolled_back",
        detail={"error": "post-check: BGP neighbour 10.0.0.2 down"},
    )
    assert rolled is not None
    assert rolled.event == "change.rolled_back"
    assert rolled.title == "Change chg-7 was rolled back (acme)"
    assert "BGP neighbour 10.0.0.2 down" in rolled.body


@pytest.mark.parametrize("status", ["planned", "approved", "applying", "verified", "expired"])
def test_statuses_staff_need_not_hear_of(status: str) -> None:
    assert (
        change_message(console_url=CONSOLE, tenant="acme", change_id="c", status=status, detail={})
        is None
    )
    assert (
        campaign_message(
            console_url=CONSOLE,
            campaign_id="k",
            name="n",
            status=status,
            reason="",
            tenants={},
            at=AT,
        )
        is None
    )


def test_campaign_halted_and_at_its_gate() -> None:
    tenants = {"acme": {"failed": 2, "upgraded": 1}, "globex": {"pending": 4}}
    halted = campaign_message(
        console_url=CONSOLE,
        campaign_id="cmp-9",
        name="ios-17.9",
        status="halted",
        reason="failure budget exceeded: 2 failed, 1 allowed",
        tenants=tenants,
        at=AT,
    )
    assert halted is not None
    assert halted.event == "campaign.halted"
    assert halted.title == "Campaign ios-17.9 halted"
    assert halted.body == (
        "Campaign ios-17.9 (cmp-9) halted: failure budget exceeded: 2 failed, 1 allowed. "
        "Devices: 2 failed, 4 pending, 1 upgraded. Tenants: acme, globex.\n"
        "No further device is started. Look at the failed devices before retrying them: "
        "https://netwave.msp.example/console/campaigns/cmp-9"
    )
    gate = campaign_message(
        console_url=CONSOLE,
        campaign_id="cmp-9",
        name="ios-17.9",
        status="awaiting_approval",
        reason="",
        tenants=tenants,
        at=AT,
    )
    assert gate is not None
    assert gate.event == "campaign.awaiting_approval"
    assert "waits for an engineer to approve the next waves" in gate.body


def test_host_key_mismatch_says_what_to_do() -> None:
    error = "host key mismatch: r1 (10.0.0.1) presented SHA256:abc, recorded SHA256:def"
    message = host_key_message(
        console_url=CONSOLE, tenant="acme", device="r1", platform="cisco_ios", error=error
    )
    assert message.title == "Host key mismatch: r1 (acme)"
    assert "presented SHA256:abc, recorded SHA256:def" in message.body
    assert "netwave devices trust --tenant acme --device r1" in message.body
    assert message.url == "https://netwave.msp.example/console/tenants/acme/devices/r1"
    other = host_key_message(
        console_url=CONSOLE, tenant="acme", device="r1", platform="cisco_ios", error=error + "x"
    )
    assert other.key != message.key  # another presented key: another event


def test_long_reasons_are_cut_for_a_phone() -> None:
    message = change_message(
        console_url=CONSOLE,
        tenant="acme",
        change_id="c",
        status="failed",
        detail={"error": "x" * 5000},
    )
    assert message is not None
    assert len(message.body) < 500
