"""Keeping a verified change (`save_running`): each way it can fail is named, and nothing is
counted as pushed (issue #21: mutation testing showed these results were never checked)."""

from __future__ import annotations

from typing import Any

import pytest
from netmiko.exceptions import NetmikoAuthenticationException, ReadTimeout
from pydantic import SecretStr

from services.core.secrets import Credential
from services.network import push
from services.network.platforms.cisco_ios import ConfigReplace
from services.network.push import save_running
from services.network.push_driver import PushError, PushResult
from services.network.safety import SafetyNetError
from tests.unit.changes.conftest import FLEET

IOS, JUNOS = FLEET["acme-hq-r1"], FLEET["acme-branch2-r1"]
LOGIN = Credential(username="netwave", password=SecretStr("x"))


class Session:
    """A Netmiko session that answers `save_config` with `answer` (or raises it)."""

    def __init__(self, answer: str | BaseException = "Building configuration...\n[OK]") -> None:
        self.answer, self.alive, self.closed = answer, True, False

    def save_config(self) -> str:
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer

    def is_alive(self) -> bool:
        return self.alive

    def disconnect(self) -> None:
        self.closed = True


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> Session:
    conn = Session()
    monkeypatch.setattr(push, "connect", lambda *_args: conn)
    return conn


def test_a_commit_platform_without_a_safety_net_has_nothing_to_save(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: Any) -> None:
        raise AssertionError("no session is needed")

    monkeypatch.setattr(push, "connect", refuse)
    assert save_running(JUNOS, LOGIN) == PushResult(ok=True, pushed=0, saved=True)


def test_write_memory_saves(session: Session) -> None:
    assert save_running(IOS, LOGIN) == PushResult(ok=True, pushed=0, saved=True)
    assert session.closed


def test_a_refused_save_is_save_failed(session: Session) -> None:
    session.answer = "% Error: flash full\n"
    assert save_running(IOS, LOGIN) == PushResult(
        ok=False,
        pushed=0,
        error_kind=PushError.save_failed,
        error="save failed: % Error: flash full",
    )


def test_a_refused_confirm_is_commit_failed(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any) -> None:
        raise SafetyNetError("x" * 400)

    monkeypatch.setattr(ConfigReplace, "confirm", refuse)
    result = save_running(IOS, LOGIN, tag="chg-1")
    assert (result.ok, result.pushed, result.error_kind) == (False, 0, PushError.commit_failed)
    assert result.error == ("could not confirm the change: " + "x" * 400)[:300]


def test_a_login_refused_is_auth_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any) -> None:
        raise NetmikoAuthenticationException("Authentication to device failed.")

    monkeypatch.setattr(push, "connect", refuse)
    result = save_running(IOS, LOGIN)
    assert (result.ok, result.pushed, result.error_kind) == (False, 0, PushError.auth_failed)


def test_a_slow_device_is_a_timeout_a_gone_session_a_drop(session: Session) -> None:
    session.answer = ReadTimeout("no prompt")
    result = save_running(IOS, LOGIN)
    assert (result.ok, result.pushed, result.error_kind) == (False, 0, PushError.timeout)
    session.alive = False
    assert save_running(IOS, LOGIN).error_kind == PushError.session_dropped
    session.answer = ValueError("odd answer")  # not a transport error: a failure, dead or not
    assert save_running(IOS, LOGIN).error_kind == PushError.failed


class Transport:
    """What a Netmiko session says about its transport: alive, gone, or raising on the
    question (a transport that is torn down may)."""

    def __init__(self, alive: bool | BaseException) -> None:
        self.alive = alive

    def is_alive(self) -> bool:
        if isinstance(self.alive, BaseException):
            raise self.alive
        return self.alive


@pytest.mark.parametrize(
    ("alive", "exc", "expected"),
    [
        # A slow device on a live session is a timeout, not a drop.
        (True, ReadTimeout("pattern not found"), PushError.timeout),
        (False, ReadTimeout("pattern not found"), PushError.session_dropped),
        (False, EOFError(), PushError.session_dropped),
        (OSError("socket closed"), OSError("socket closed"), PushError.session_dropped),
        # Anything else keeps its own class, whatever the transport says.
        (False, ValueError("bad answer"), PushError.failed),
        (True, OSError("no route"), PushError.unreachable),
    ],
)
def test_a_failure_on_a_session_that_is_gone_is_a_drop(
    alive: bool | BaseException, exc: BaseException, expected: PushError
) -> None:
    assert push._failure(Transport(alive), exc) is expected  # type: ignore[arg-type]
