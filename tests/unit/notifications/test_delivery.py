"""Delivery through apprise to a generic webhook on 127.0.0.1: signed as tenant webhooks are,
retried a bounded number of times, failures logged (no secret) and counted, never raised."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from services.changes.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    delivery_id,
    verify_signature,
)
from services.core.secrets import EnvSecretsProvider
from services.notifications import delivery
from services.notifications.delivery import StaffNotifier
from services.notifications.events import StaffMessage
from services.notifications.signed import signed_body
from tests.unit.notifications.conftest import HMAC_SECRET
from tests.utils.staff_receiver import StaffReceiver, staff_receiver

MESSAGE = StaffMessage(
    event="campaign.halted",
    title="Campaign ios-17.9 halted",
    body="Campaign ios-17.9 (cmp-9) halted: failure budget exceeded.",
    severity="failure",
    subject="campaign:cmp-9",
    url="https://netwave.example/console/campaigns/cmp-9",
    key="campaign.halted:cmp-9:2026-06-10T22:00:00+00:00",
)


@pytest.fixture
def receiver() -> Iterator[StaffReceiver]:
    with staff_receiver(HMAC_SECRET) as server:
        yield server


@pytest.fixture(autouse=True)
def _quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery, "RETRY_WAIT_SECONDS", 0.0)


def _notifier(tmp_path: Path, provider: EnvSecretsProvider, targets: str) -> StaffNotifier:
    path = tmp_path / "notifications.yaml"
    path.write_text(f"targets:\n{targets}")
    return StaffNotifier(path, provider)


def _failed(target: str) -> float:
    labels = {"event": "campaign.halted", "target": target, "outcome": "failed"}
    return REGISTRY.get_sample_value("netwave_staff_notifications_total", labels) or 0.0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_generic_webhook_gets_a_signed_body(
    tmp_path: Path, provider: EnvSecretsProvider, receiver: StaffReceiver
) -> None:
    staff = _notifier(
        tmp_path,
        provider,
        f"  - name: noc\n    url: {receiver.json_url}\n    secret: noc-hmac\n",
    )
    assert staff.send(MESSAGE) == {"noc": True}
    (got,) = receiver.received
    assert got["valid"]  # X-Netwave-Signature verifies with the secret
    assert got["path"] == "/hooks/staff"
    assert got["body"] == signed_body(MESSAGE, "failure")
    assert verify_signature(got["body"], HMAC_SECRET, got["headers"][SIGNATURE_HEADER])
    assert not verify_signature(got["body"], "another-secret", got["headers"][SIGNATURE_HEADER])
    assert got["headers"][EVENT_HEADER] == "campaign.halted"
    assert got["headers"][DELIVERY_HEADER] == delivery_id(got["body"])
    assert got["json"] == {
        "version": "1.0",
        "title": "Campaign ios-17.9 halted",
        "message": "Campaign ios-17.9 (cmp-9) halted: failure budget exceeded.",
        "type": "failure",
        "event": "campaign.halted",
        "tenant": None,
        "subject": "campaign:cmp-9",
        "url": "https://netwave.example/console/campaigns/cmp-9",
        "key": "campaign.halted:cmp-9:2026-06-10T22:00:00+00:00",
    }


def test_a_failed_attempt_is_retried_once_with_the_same_delivery_id(
    tmp_path: Path, provider: EnvSecretsProvider, receiver: StaffReceiver
) -> None:
    staff = _notifier(
        tmp_path, provider, f"  - name: noc\n    url: {receiver.json_url}\n    secret: noc-hmac\n"
    )
    receiver.answers = [503]
    assert staff.send(MESSAGE) == {"noc": True}
    first, second = receiver.received
    assert first["headers"][DELIVERY_HEADER] == second["headers"][DELIVERY_HEADER]


def test_a_target_that_keeps_failing_is_counted_and_logged_without_secrets(
    tmp_path: Path,
    provider: EnvSecretsProvider,
    receiver: StaffReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    port = _closed_port()
    staff = _notifier(
        tmp_path,
        provider,
        f"  - name: noc\n    url: {receiver.json_url}\n    secret: noc-hmac\n"
        f"  - name: dead\n    url: json://bob:pw-in-url-9@127.0.0.1:{port}/x\n",
    )
    receiver.answers = [500, 500, 500]
    before = _failed("noc"), _failed("dead")
    assert staff.send(MESSAGE) == {"noc": False, "dead": False}
    assert len(receiver.received) == 2  # two attempts, then it gives up
    assert (_failed("noc"), _failed("dead")) == (before[0] + 1, before[1] + 1)
    logged = caplog.text
    assert "staff notification campaign.halted (campaign:cmp-9) to noc (JSON) failed" in logged
    assert "to dead (JSON) failed" in logged
    assert "pw-in-url-9" not in logged and HMAC_SECRET not in logged


def test_targets_get_only_the_events_they_asked_for(
    tmp_path: Path, provider: EnvSecretsProvider, receiver: StaffReceiver
) -> None:
    staff = _notifier(
        tmp_path,
        provider,
        f"  - name: noc\n    url: {receiver.json_url}\n    events: [change.failed]\n",
    )
    assert staff.send(MESSAGE) == {}
    assert receiver.received == []


def test_an_unsigned_generic_webhook_is_plain_apprise_json(
    tmp_path: Path, provider: EnvSecretsProvider, receiver: StaffReceiver
) -> None:
    staff = _notifier(tmp_path, provider, f"  - name: noc\n    url: {receiver.json_url}\n")
    assert staff.send(MESSAGE) == {"noc": True}
    (got,) = receiver.received
    assert SIGNATURE_HEADER not in got["headers"]
    assert got["json"]["title"] == "Campaign ios-17.9 halted"


def test_a_broken_file_sends_nothing_and_raises_nothing(
    tmp_path: Path, provider: EnvSecretsProvider, caplog: pytest.LogCaptureFixture
) -> None:
    staff = _notifier(tmp_path, provider, "  - name: a\n    url_secret: no-such-secret\n")
    assert staff.send(MESSAGE) == {}
    assert "staff notification campaign.halted not sent" in caplog.text
    assert "no-such-secret" in caplog.text


def test_the_file_is_read_again_when_it_changes(
    tmp_path: Path, provider: EnvSecretsProvider, receiver: StaffReceiver
) -> None:
    staff = _notifier(tmp_path, provider, "  []\n")
    assert staff.send(MESSAGE) == {}
    staff.path.write_text(f"targets:\n  - name: noc\n    url: {receiver.json_url}\n")
    assert staff.send(MESSAGE) == {"noc": True}


def test_no_file_no_targets(tmp_path: Path, provider: EnvSecretsProvider) -> None:
    assert StaffNotifier(tmp_path / "none.yaml", provider).send(MESSAGE) == {}
