"""The device hooks: sessions counted by platform, tenant and outcome (also those refused
before connecting, and those the audit helper processes ran), timed while open; pushes and
rollbacks by outcome.

The registry is the process's: each test labels its devices with a tenant of its own, so its
counts start at zero whatever ran before in this process."""

from __future__ import annotations

import queue
import time
import uuid

import pytest
from prometheus_client import REGISTRY
from pydantic import SecretStr
from temporalio.exceptions import ApplicationError

from services.core.errors import HostKeyError
from services.core.secrets import Credential
from services.network.collect import Reachability, collect
from services.network.inventory import Device
from services.network.push import connect
from services.observability import device as device_events
from workflows.audit.assess import Outcome
from workflows.audit.session_pool import Message, _collect
from workflows.runbook import steps


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def sessions(tenant: str, outcome: str, platform: str = "cisco_ios") -> float:
    labels = {"platform": platform, "tenant": tenant, "outcome": outcome}
    return REGISTRY.get_sample_value("netwave_device_sessions_total", labels) or 0.0


def timed(tenant: str, platform: str = "cisco_ios") -> tuple[float, float]:
    labels = {"platform": platform, "tenant": tenant}
    count = REGISTRY.get_sample_value("netwave_device_session_duration_seconds_count", labels)
    total = REGISTRY.get_sample_value("netwave_device_session_duration_seconds_sum", labels)
    return count or 0.0, total or 0.0


def device(tenant: str, name: str = "r1", platform: str = "cisco_ios") -> Device:
    """A device with no recorded host key: refused before any connection is tried."""
    return Device(
        name=name, tenant=tenant, hostname="127.0.0.1", port=1, platform=platform, credential="c"
    )


class NoProvider:
    """A secrets provider never asked: the devices are refused before their login."""

    def resolve(self, name: str) -> Credential:
        raise AssertionError("no login may be resolved for an untrusted device")

    def names(self) -> set[str]:
        return set()


class Conn:
    """Stands for a Netmiko connection (only its identity matters to the hooks)."""


def test_an_open_session_counts_ok_once_and_its_time_when_closed(tenant: str) -> None:
    conn = Conn()
    device_events.session_opened(conn, "cisco_ios", tenant, started=time.monotonic() - 5)
    assert sessions(tenant, "ok") == 1
    assert timed(tenant) == (0, 0)
    device_events.session_closed(conn)
    device_events.session_closed(conn)  # closed twice: timed once
    count, total = timed(tenant)
    assert count == 1 and total >= 5


def test_a_host_key_mismatch_is_a_session_outcome_and_its_own_counter(tenant: str) -> None:
    device_events.session_failed("arista_eos", tenant, "host_key_mismatch")
    device_events.session_failed("arista_eos", tenant, "timeout")
    assert sessions(tenant, "host_key_mismatch", "arista_eos") == 1
    assert sessions(tenant, "timeout", "arista_eos") == 1
    mismatches = REGISTRY.get_sample_value(
        "netwave_host_key_mismatches_total", {"platform": "arista_eos", "tenant": tenant}
    )
    assert mismatches == 1


def test_a_runbook_session_refused_before_connecting_is_counted(tenant: str) -> None:
    with pytest.raises(HostKeyError):
        connect(device(tenant), Credential(username="u", password=SecretStr("p")), timeout=1.0)
    assert sessions(tenant, "host_key_not_trusted") == 1
    assert sessions(tenant, "ok") == 0


def test_collections_count_each_device_unless_told_not_to(tenant: str) -> None:
    fleet = [device(tenant, "r1"), device(tenant, "r2", "juniper_junos")]
    done = collect(fleet, NoProvider(), timeout=1.0)
    assert {c.status for c in done.values()} == {Reachability.host_key_not_trusted}
    assert sessions(tenant, "host_key_not_trusted") == 1
    assert sessions(tenant, "host_key_not_trusted", "juniper_junos") == 1

    collect(fleet, NoProvider(), timeout=1.0, count_sessions=False)  # a helper process's
    assert sessions(tenant, "host_key_not_trusted") == 1


def test_the_worker_counts_the_sessions_its_audit_helpers_ran(tenant: str) -> None:
    fleet = {d.name: d for d in (device(tenant, "r1"), device(tenant, "r2"))}
    inbox: queue.SimpleQueue[Message] = queue.SimpleQueue()

    def outcome(name: str, session: Reachability, seconds: float | None) -> Outcome:
        return Outcome(name, "cisco_ios", None, "unreachable", 0.0, {}, None, session, seconds)

    inbox.put((1, outcome("r1", Reachability.ok, 2.0)))
    inbox.put((1, outcome("r1", Reachability.ok, 2.0)))  # a duplicate is not counted twice
    inbox.put((1, outcome("r2", Reachability.timeout, None)))
    inbox.put((1, None))
    stored: list[Outcome] = []
    _collect(inbox, {1}, fleet, stored.append)

    assert [o.device for o in stored] == ["r1", "r2"]
    assert sessions(tenant, "ok") == 1
    assert sessions(tenant, "timeout") == 1
    assert timed(tenant) == (1, 2.0)


@pytest.mark.parametrize(
    ("error_kind", "outcome"),
    [(None, "ok"), ("rejected", "refused"), ("session_dropped", "session_dropped")],
)
def test_push_outcomes_in_an_operator_s_words(error_kind: str | None, outcome: str) -> None:
    assert device_events.push_outcome(error_kind) == outcome


def test_pushes_and_rollbacks_by_outcome(tenant: str) -> None:
    device_events.push_finished("cisco_ios", tenant, "refused")
    device_events.rollback_finished("cisco_ios", tenant, ok=True)
    device_events.rollback_finished("cisco_ios", tenant, ok=False)
    labels = {"platform": "cisco_ios", "tenant": tenant}
    value = REGISTRY.get_sample_value
    assert value("netwave_pushes_total", {**labels, "outcome": "refused"}) == 1
    assert value("netwave_rollbacks_total", {**labels, "outcome": "ok"}) == 1
    assert value("netwave_rollbacks_total", {**labels, "outcome": "failed"}) == 1


class JobWithoutBackup:
    """A runbook job whose pre-change backup is missing: the restore cannot start."""

    def __init__(self, device: Device) -> None:
        self.device = device

    def record(self, step: str, *, started: bool = False) -> None:
        return None

    def backup(self) -> tuple[int, str]:
        raise ApplicationError("backup missing", type="PlanError", non_retryable=True)


def test_a_restore_that_raises_is_a_failed_rollback(tenant: str) -> None:
    with pytest.raises(ApplicationError):
        steps.restore(JobWithoutBackup(device(tenant)), None)  # type: ignore[arg-type]
    labels = {"platform": "cisco_ios", "tenant": tenant, "outcome": "failed"}
    assert REGISTRY.get_sample_value("netwave_rollbacks_total", labels) == 1
