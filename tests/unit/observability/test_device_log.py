"""A `netwave.device` record for every device session and every push, with its outcome, the
tenant and the ids of the activity; never a secret of the device's config."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from netmiko.exceptions import NetmikoAuthenticationException
from pydantic import SecretStr

from services.core import log_context
from services.core.log_format import JsonFormatter
from services.core.secrets import Credential
from services.network import push
from services.network.nornir_fleet import DEVICE_LOG, DeviceSession
from services.network.platforms import get_platform
from services.network.push_driver import PushError, PushResult
from services.observability import device_log
from tests.unit.changes.conftest import FLEET
from tests.unit.observability.conftest import Records

IOS = FLEET["acme-hq-r1"]
LOGIN = Credential(username="netwave", password=SecretStr("pa55word-in-the-vault"))
CHANGE = "0f8fad5b-d9cb-469f-a165-70867728950e"


class Session:
    """A Netmiko session that answers `save_config` with `answer`."""

    def __init__(self, answer: str = "Building configuration...\n[OK]") -> None:
        self.answer = answer

    def save_config(self) -> str:
        return self.answer

    def is_alive(self) -> bool:
        return True

    def disconnect(self) -> None:
        return None


def fields(record: Any) -> dict[str, Any]:
    line = JsonFormatter().format(record)
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def test_a_session_is_one_record_when_it_ends(
    records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = Session()
    monkeypatch.setattr(push, "_connect", lambda *_args: conn)
    with log_context.bind(tenant="acme", change_id=CHANGE):
        opened = push.connect(IOS, LOGIN, 5)
    assert not records.named("netwave.device"), "nothing logged until the session ends"
    push.disconnect(opened)
    [record] = records.named("netwave.device")
    out = fields(record)
    assert out["event"] == "session" and out["outcome"] == "ok"
    assert out["device"] == "acme-hq-r1" and out["tenant"] == "acme"
    assert out["platform"] == IOS.platform and out["change_id"] == CHANGE
    assert isinstance(out["duration_ms"], float) and out["level"] == "INFO"


def test_a_session_that_could_not_open_says_why(
    records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any) -> None:
        raise NetmikoAuthenticationException("Authentication to device failed.")

    monkeypatch.setattr(push, "_connect", refuse)
    with pytest.raises(NetmikoAuthenticationException):
        push.connect(IOS, LOGIN, 5)
    [record] = records.named("netwave.device")
    out = fields(record)
    assert (out["event"], out["outcome"], out["tenant"]) == ("session", "auth_failed", "acme")
    assert out["level"] == "WARNING" and "Authentication" in out["error"]


@pytest.mark.parametrize(
    ("cause", "level"),
    [
        (ConnectionRefusedError("[Errno 111] Connection refused"), "INFO"),
        (NetmikoAuthenticationException("Authentication to device failed."), "WARNING"),
    ],
)
def test_a_device_away_for_its_reload_is_no_warning_but_a_refused_login_is(
    records: Records, monkeypatch: pytest.MonkeyPatch, cause: Exception, level: str
) -> None:
    """The upgrade's wait polls a reloading device about once a second: each refused
    connection is what it waits for, not a warning; a wrong password still is one."""

    def refuse(*_args: Any) -> None:
        raise cause

    monkeypatch.setattr(push, "_connect", refuse)
    with device_log.expected_down(), pytest.raises(type(cause)):
        push.connect(IOS, LOGIN, 5)
    with pytest.raises(type(cause)):
        push.connect(IOS, LOGIN, 5)  # outside the wait: a warning whatever the cause
    first, second = (fields(r) for r in records.named("netwave.device"))
    assert (first["level"], second["level"]) == (level, "WARNING")


def test_a_save_is_logged_with_its_outcome(records: Records) -> None:
    conn = Session(answer="% Error opening nvram:startup-config (Permission denied)")
    device_log.session_opened(conn, device_log.device_fields(IOS), 0.0)
    result = push.save_on(conn, get_platform(IOS.platform), timeout=5)
    assert result.error_kind == PushError.save_failed
    [record] = records.named("netwave.device")
    out = fields(record)
    assert (out["event"], out["outcome"], out["device"]) == ("save", "save_failed", "acme-hq-r1")


def test_a_refused_line_is_logged_without_the_secret_it_held(records: Records) -> None:
    conn = Session()
    device_log.session_opened(conn, device_log.device_fields(IOS), 0.0)
    refused = PushResult(
        ok=False,
        pushed=2,
        error_kind=PushError.rejected,
        error="the device refused 'snmp-server community n0t-for-logs RO': % Invalid input",
    )
    device_log.pushed(conn, "push", refused, 0.0, lines=3)
    [record] = records.named("netwave.device")
    line = JsonFormatter().format(record)
    assert "n0t-for-logs" not in line
    out = json.loads(line)
    assert out["outcome"] == "rejected" and (out["pushed"], out["lines"]) == (2, 3)
    assert "snmp-server community <masked>" in out["error"]


def test_an_undo_is_logged_and_its_failure_raised(records: Records) -> None:
    conn = Session()
    device_log.session_opened(conn, device_log.device_fields(IOS), 0.0)
    with device_log.undoing(conn):
        pass
    with pytest.raises(RuntimeError), device_log.undoing(conn):
        raise RuntimeError("rollback refused")
    ok, failed = (fields(r) for r in records.named("netwave.device"))
    assert (ok["event"], ok["outcome"]) == ("undo", "ok")
    assert (failed["outcome"], failed["error"]) == ("failed", "RuntimeError: rollback refused")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_nornir_session_carries_the_ids_of_the_activity_that_built_it(
    records: Records,
) -> None:
    ids = {"tenant": "acme", "workflow_id": "backup-acme-0123456789ab", "run_id": "r1"}
    extras = {
        "device_type": get_platform(IOS.platform).device_type,
        "conn_timeout": 2,
        DEVICE_LOG: (device_log.device_fields(IOS), ids),
    }
    with pytest.raises(Exception):  # noqa: B017 (whatever Netmiko raises for a closed port)
        DeviceSession().open("127.0.0.1", "netwave", "x", closed_port(), IOS.platform, extras)
    [record] = records.named("netwave.device")
    out = fields(record)
    assert (out["outcome"], out["tenant"], out["device"]) == ("unreachable", "acme", IOS.name)
    assert (out["workflow_id"], out["run_id"]) == (ids["workflow_id"], "r1")
