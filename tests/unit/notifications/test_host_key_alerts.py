"""Host-key mismatches reach staff once per device and presented key, not once per session,
retry or audit; refusals for a key never recorded are not mismatches; a listener that fails
never changes the session's refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from services.core.errors import HostKeyError
from services.core.secrets import EnvSecretsProvider
from services.core.settings import Settings
from services.network import host_keys
from services.notifications.delivery import StaffNotifier
from services.notifications.host_keys import HostKeyAlerts, install
from tests.unit.notifications.conftest import HMAC_SECRET
from tests.utils.staff_receiver import StaffReceiver, staff_receiver

MISMATCH = HostKeyError(
    "host key mismatch: r1 (10.0.0.1) presented SHA256:new, recorded SHA256:old", mismatch=True
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def receiver() -> Iterator[StaffReceiver]:
    with staff_receiver(HMAC_SECRET) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_listener_left() -> Iterator[None]:
    yield
    host_keys.on_mismatch(None)


def _alerts(
    tmp_path: Path, provider: EnvSecretsProvider, receiver: StaffReceiver, clock: Clock
) -> HostKeyAlerts:
    path = tmp_path / "notifications.yaml"
    path.write_text(
        f"targets:\n  - name: noc\n    url: {receiver.json_url}\n    secret: noc-hmac\n"
        "    events: [device.host_key_mismatch]\n"
    )
    settings = Settings(var_dir=tmp_path, public_url="https://nw.example/")
    return HostKeyAlerts(
        settings, StaffNotifier(path, provider), repeat_after=timedelta(hours=1), clock=clock
    )


def test_one_message_per_device_and_key(
    tmp_path: Path, provider: EnvSecretsProvider, receiver: StaffReceiver
) -> None:
    clock = Clock()
    alerts = _alerts(tmp_path, provider, receiver, clock)
    host_keys.on_mismatch(alerts)
    for _ in range(3):  # the backup session, the retry, the next audit
        host_keys.report_mismatch("acme", "r1", "cisco_ios", MISMATCH)
    alerts.drain()
    (got,) = receiver.received
    assert got["valid"]
    assert got["json"]["event"] == "device.host_key_mismatch"
    assert got["json"]["url"] == "https://nw.example/console/tenants/acme/devices/r1"
    assert "presented SHA256:new, recorded SHA256:old" in got["json"]["message"]

    # Another device, or the same device presenting yet another key: another event.
    host_keys.report_mismatch("acme", "r2", "cisco_ios", MISMATCH)
    other = HostKeyError(MISMATCH.message.replace("SHA256:new", "SHA256:newer"), mismatch=True)
    host_keys.report_mismatch("acme", "r1", "cisco_ios", other)
    alerts.drain()
    assert len(receiver.received) == 3

    # While it lasts, a reminder after `repeat_after`, not before.
    clock.now += 3599
    host_keys.report_mismatch("acme", "r1", "cisco_ios", MISMATCH)
    alerts.drain()
    assert len(receiver.received) == 3
    clock.now += 2
    host_keys.report_mismatch("acme", "r1", "cisco_ios", MISMATCH)
    alerts.drain()
    assert len(receiver.received) == 4


def test_an_untrusted_key_is_not_a_mismatch(
    tmp_path: Path, provider: EnvSecretsProvider, receiver: StaffReceiver
) -> None:
    alerts = _alerts(tmp_path, provider, receiver, Clock())
    host_keys.on_mismatch(alerts)
    untrusted = HostKeyError("host key not trusted: no key is recorded for r1", mismatch=False)
    host_keys.report_mismatch("acme", "r1", "cisco_ios", untrusted)
    alerts.drain()
    assert receiver.received == []


def test_a_failing_listener_never_raises() -> None:
    def broken(*_: str) -> None:
        raise RuntimeError("boom")

    host_keys.on_mismatch(broken)
    host_keys.report_mismatch("acme", "r1", "cisco_ios", MISMATCH)  # no exception


def test_a_slow_target_does_not_hold_the_session(
    tmp_path: Path, provider: EnvSecretsProvider
) -> None:
    calls: list[str] = []

    class Slow(StaffNotifier):
        def send(self, message):  # type: ignore[no-untyped-def]
            import time

            time.sleep(0.5)
            calls.append(message.subject)
            return {}

    alerts = HostKeyAlerts(Settings(var_dir=tmp_path), Slow(tmp_path / "n.yaml", provider))
    host_keys.on_mismatch(alerts)
    host_keys.report_mismatch("acme", "r1", "cisco_ios", MISMATCH)
    assert calls == []  # on its way in the background
    alerts.drain()
    assert calls == ["device:acme/r1"]


def test_install_refuses_a_broken_file(tmp_path: Path, provider: EnvSecretsProvider) -> None:
    path = tmp_path / "notifications.yaml"
    path.write_text("targets:\n  - name: a\n    url: json://h/x\n    events: [nope]\n")
    settings = Settings(var_dir=tmp_path, notifications_file=path)
    with pytest.raises(Exception, match=r"notifications.yaml:4: targets\[0\] \(a\)\.events"):
        install(settings, provider)


def test_install_without_a_file_is_quiet(tmp_path: Path, provider: EnvSecretsProvider) -> None:
    settings = Settings(var_dir=tmp_path, inventories_path=tmp_path)
    assert settings.notifications_file == tmp_path / "notifications.yaml"
    alerts = install(settings, provider)
    host_keys.report_mismatch("acme", "r1", "cisco_ios", MISMATCH)
    alerts.drain()
