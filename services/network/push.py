"""Push config commands to a device in one Netmiko config session, and read its running config.

Each platform says how its config session runs (PUSH_DRIVERS, keyed by netwave platform):
IOS/EOS enter `configure terminal`, refuse a line whose answer matches the error pattern, and
save with `write memory`; Junos works in `configure exclusive` from a clean candidate and
applies everything at once with `commit`. Failures come back as a PushResult that says what
happened in an operator's words, never as a half-read exception.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import ConfigInvalidException, ReadTimeout
from netmiko.juniper.juniper import JuniperBase
from pydantic import BaseModel, ConfigDict

from services.core.secrets import Credential
from services.network.collect import Reachability, classify
from services.network.inventory import Device
from services.network.nornir_fleet import netmiko_extras
from services.network.platforms import get_platform


class PushError(StrEnum):
    """Why a push did not complete."""

    auth_failed = "auth_failed"
    unreachable = "unreachable"
    timeout = "timeout"
    rejected = "rejected"  # the device refused a line
    session_dropped = "session_dropped"  # the session was cut mid-push
    commit_failed = "commit_failed"  # Junos refused the candidate
    save_failed = "save_failed"  # lines applied, startup config not written
    no_credential = "no_credential"
    failed = "failed"


class PushResult(BaseModel):
    """What a push did: `pushed` lines were accepted (on Junos: into the candidate)."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    pushed: int
    error_kind: PushError | None = None
    error: str | None = None
    saved: bool = False


Finish = Callable[[BaseConnection, bool, float], None]


@dataclass(frozen=True)
class PushDriver:
    """How one platform runs a config session."""

    error_pattern: str
    config_command: str | None = None
    prelude: tuple[str, ...] = ()
    finish: Finish | None = None
    enable: bool = False  # needs privileged (enable) mode for config
    commit_saves: bool = False  # applying the change also makes it persistent (Junos commit)


def _finish_ios(conn: BaseConnection, save: bool, timeout: float) -> None:
    conn.exit_config_mode()
    if save:
        output = conn.save_config()
        if re.search(r"^%", output, re.M):
            raise _SaveFailed(output.strip())


def _finish_junos(conn: BaseConnection, save: bool, timeout: float) -> None:
    # A Junos commit is both the apply and the save: it always runs.
    if isinstance(conn, JuniperBase):
        conn.commit(read_timeout=max(timeout, 30.0))
    else:
        conn.commit()
    conn.exit_config_mode()


class _SaveFailed(Exception):
    pass


IOS_ERRORS = (
    r"^% ?(Invalid|Incomplete|Ambiguous|Error|Unknown|Cannot|Bad)|^% .*not (permitted|allowed)"
)
# vtysh: `% Unknown command: ...`, `% Command incomplete: ...`, `% Invalid ...`, `% Malformed ...`,
# and the northbound's `% Configuration failed.` (then `Error type:`/`Error description:`).
FRR_ERRORS = (
    r"^% ?(Unknown command|Command incomplete|Ambiguous command|Invalid|Malformed|Can't|Cannot"
    r"|Error|There is no|Configuration failed|Failed)"
)
JUNOS_ERRORS = r"syntax error|unknown command|missing argument|invalid value|^error:"

PUSH_DRIVERS: dict[str, PushDriver] = {
    "cisco_ios": PushDriver(IOS_ERRORS, finish=_finish_ios, enable=True),
    "arista_eos": PushDriver(IOS_ERRORS, finish=_finish_ios, enable=True),
    # vtysh is always privileged; `write memory` saves the integrated frr.conf.
    "frr": PushDriver(FRR_ERRORS, finish=_finish_ios),
    # A clean candidate first, so the commit holds our lines and nothing left by others.
    "juniper_junos": PushDriver(
        JUNOS_ERRORS,
        config_command="configure exclusive",
        prelude=("rollback 0",),
        finish=_finish_junos,
        commit_saves=True,
    ),
}


def connect(device: Device, credential: Credential, timeout: float) -> BaseConnection:
    """An open Netmiko session, in enable mode where the platform has one."""
    enable = credential.enable.get_secret_value() if credential.enable else None
    conn = ConnectHandler(
        host=device.hostname,
        port=device.port,
        username=credential.username,
        password=credential.password.get_secret_value(),
        **netmiko_extras(device, enable, timeout),
    )
    driver = PUSH_DRIVERS.get(device.platform)
    if driver is not None and driver.enable and not conn.check_enable_mode():
        conn.enable()
    return conn


def _alive(conn: BaseConnection) -> bool:
    try:
        return bool(conn.is_alive())
    except Exception:  # a dead transport may raise instead of answering
        return False


def _short(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]


_REACHABILITY = {
    Reachability.auth_failed: PushError.auth_failed,
    Reachability.unreachable: PushError.unreachable,
    Reachability.timeout: PushError.timeout,
    Reachability.no_credential: PushError.no_credential,
}


def push_config(
    device: Device,
    credential: Credential,
    commands: Sequence[str],
    *,
    save: bool = True,
    timeout: float = 30.0,
) -> PushResult:
    """Push `commands` in one config session; save (IOS/EOS) or commit (Junos) at the end."""
    driver = PUSH_DRIVERS.get(device.platform)
    if driver is None:
        return PushResult(
            ok=False,
            pushed=0,
            error_kind=PushError.failed,
            error=f"no push driver for {device.platform}",
        )
    if not commands:
        return PushResult(ok=True, pushed=0)
    try:
        conn = connect(device, credential, timeout)
    except Exception as exc:  # connection faults are classified, not raised
        kind = _REACHABILITY.get(classify(exc), PushError.failed)
        return PushResult(ok=False, pushed=0, error_kind=kind, error=_short(exc))
    pushed = 0
    stage = "push"
    try:
        if driver.config_command:
            conn.config_mode(config_command=driver.config_command)
        else:
            conn.config_mode()
        for line in driver.prelude:
            _send(conn, line, driver, timeout)
        for line in commands:
            _send(conn, line, driver, timeout)
            pushed += 1
        stage = "finish"
        if driver.finish is not None:
            driver.finish(conn, save, timeout)
        return PushResult(ok=True, pushed=pushed, saved=save or driver.commit_saves)
    except ConfigInvalidException as exc:
        return PushResult(ok=False, pushed=pushed, error_kind=PushError.rejected, error=str(exc))
    except _SaveFailed as exc:
        error = f"save failed: {exc}"[:300]
        return PushResult(ok=False, pushed=pushed, error_kind=PushError.save_failed, error=error)
    except ValueError as exc:  # Netmiko's commit() says the commit failed
        kind = PushError.commit_failed if stage == "finish" else PushError.failed
        return PushResult(ok=False, pushed=pushed, error_kind=kind, error=_short(exc))
    except Exception as exc:
        return PushResult(
            ok=False, pushed=pushed, error_kind=_failure(conn, exc), error=_short(exc)
        )
    finally:
        with contextlib.suppress(Exception):  # the device may already have cut the session
            conn.disconnect()


def save_running(device: Device, credential: Credential, *, timeout: float = 30.0) -> PushResult:
    """Make the running config the startup config (IOS/EOS/FRR `write memory`); a platform
    whose apply is its save (Junos commit) has nothing to do."""
    driver = PUSH_DRIVERS.get(device.platform)
    if driver is None or driver.commit_saves:
        return PushResult(ok=True, pushed=0, saved=driver is not None)
    try:
        conn = connect(device, credential, timeout)
    except Exception as exc:
        kind = _REACHABILITY.get(classify(exc), PushError.failed)
        return PushResult(ok=False, pushed=0, error_kind=kind, error=_short(exc))
    try:
        output = str(conn.save_config())
        if re.search(r"^%", output, re.M):
            error = f"save failed: {output.strip()}"[:300]
            return PushResult(ok=False, pushed=0, error_kind=PushError.save_failed, error=error)
        return PushResult(ok=True, pushed=0, saved=True)
    except Exception as exc:
        return PushResult(ok=False, pushed=0, error_kind=_failure(conn, exc), error=_short(exc))
    finally:
        with contextlib.suppress(Exception):
            conn.disconnect()


def _send(conn: BaseConnection, line: str, driver: PushDriver, timeout: float) -> None:
    """Send one line; a refusal raises with the device's whole answer (FRR says why on the
    lines after `% Configuration failed.`, which Netmiko's own check would cut off)."""
    output = str(
        conn.send_config_set(
            [line], enter_config_mode=False, exit_config_mode=False, read_timeout=timeout
        )
    )
    if re.search(driver.error_pattern, output, flags=re.M):
        raise ConfigInvalidException(
            f"the device refused {line.strip()!r}: {answer_of(output, line)}"
        )


def answer_of(output: str, line: str) -> str:
    """What the device answered to `line`: its output without the echo and the prompts."""
    sent = line.strip()
    kept = []
    for text in (t.strip() for t in output.splitlines()):
        echo = text == sent or re.match(r"^\S+[#>]\s*" + re.escape(sent) + "$", text)
        if not text or echo or re.match(r"^\S+[#>]$", text):
            continue
        kept.append(text)
    return " / ".join(kept)[:500]


def _failure(conn: BaseConnection, exc: BaseException) -> PushError:
    """A read timeout or socket error on a session that is gone is a drop, not a slow device."""
    if isinstance(exc, ReadTimeout | OSError | EOFError) and not _alive(conn):
        return PushError.session_dropped
    return _REACHABILITY.get(classify(exc), PushError.failed)


def fetch_running(device: Device, credential: Credential, timeout: float = 30.0) -> str:
    """The device's running config (the platform's running-config command)."""
    command = get_platform(device.platform).running_config_command
    conn = connect(device, credential, timeout)
    try:
        return str(conn.send_command(command, read_timeout=timeout))
    finally:
        with contextlib.suppress(Exception):
            conn.disconnect()


def error_pattern(platform: str) -> str:
    """The regex that marks a refused config line on a platform."""
    return PUSH_DRIVERS[platform].error_pattern
