"""Push config commands to a device in one Netmiko config session, and read its running config.

Each platform driver says how its config session runs (`Platform.push`): the command that
opens it, the answers that mean a line was refused, and how the session ends (leave and
`write memory`, or a commit that applies and keeps at once). A change pushed with a `tag`
runs under the platform's safety net (`services.network.safety`): applied but not kept until
`save_running` confirms it, and taken back by `undo_change`. Failures come back as a
PushResult that says what happened in an operator's words, never as a half-read exception.

Each step is written once on an open connection (`push_on`, `save_on`, `undo_on`,
`running_on`); the functions named after the step open and close a session around it, and
`services.network.session.DeviceSession` runs several steps in one login.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import ConfigInvalidException, ReadTimeout

from services.core.secrets import Credential
from services.network.collect import Reachability, classify, short_error
from services.network.host_keys import known_hosts_file, refusal, report_mismatch, untrusted
from services.network.inventory import Device
from services.network.nornir_fleet import netmiko_extras
from services.network.platforms import Platform, get_platform
from services.network.push_driver import (
    LineHook,
    PushDriver,
    PushError,
    PushResult,
    SaveFailed,
)
from services.network.safety import SafetyNet, SafetyNetError
from services.observability import device as device_events
from services.observability import device_log


def connect(
    device: Device, credential: Credential, timeout: float, platform: Platform | None = None
) -> BaseConnection:
    """An open Netmiko session, in enable mode where the platform has one; a HostKeyError,
    before anything is sent, when the device's key is not the recorded one. Logged
    (`device_log`) and counted (`device_events`) when it fails here, else when `disconnect`
    ends it (counted `ok` at once)."""
    started, fields = time.monotonic(), device_log.device_fields(device)
    try:
        conn = _connect(device, credential, timeout, platform)
    except Exception as exc:
        device_log.session_failed(fields, exc, started)
        device_events.session_failed(device.platform, device.tenant, classify(exc).value)
        raise
    device_log.session_opened(conn, fields, started)
    device_events.session_opened(conn, device.platform, device.tenant, started)
    return conn


def _connect(
    device: Device, credential: Credential, timeout: float, platform: Platform | None
) -> BaseConnection:
    refused = untrusted(device)
    if refused is not None:
        raise refused
    with known_hosts_file([device]) as known_hosts:
        try:
            conn = ConnectHandler(
                host=device.hostname,
                port=device.port,
                username=device.login_name(credential.username),
                password=credential.password.get_secret_value() if credential.password else None,
                **netmiko_extras(device, credential, timeout, known_hosts),
            )
        except Exception as exc:
            refused = refusal(device.name, device.hostname, device.port, exc)
            if refused is not None:
                report_mismatch(device.tenant, device.name, device.platform, refused)
                raise refused from None
            raise
    if (platform or get_platform(device.platform)).push.enable and not conn.check_enable_mode():
        conn.enable()
    return conn


def disconnect(conn: BaseConnection) -> None:
    device_log.session_closed(conn)
    device_events.session_closed(conn)
    with contextlib.suppress(Exception):  # the device may already have cut the session
        conn.disconnect()


def unreachable(exc: Exception) -> PushResult:
    """A session that could not be opened: classified, nothing pushed or applied."""
    kind = _REACHABILITY.get(classify(exc), PushError.failed)
    return PushResult(ok=False, pushed=0, error_kind=kind, error=short_error(exc), applied=False)


def _alive(conn: BaseConnection) -> bool:
    try:
        return bool(conn.is_alive())
    except Exception:  # a dead transport may raise instead of answering
        return False


_REACHABILITY = {
    Reachability.auth_failed: PushError.auth_failed,
    Reachability.unreachable: PushError.unreachable,
    Reachability.timeout: PushError.timeout,
    Reachability.no_credential: PushError.no_credential,
    Reachability.host_key_mismatch: PushError.host_key_mismatch,
    Reachability.host_key_not_trusted: PushError.host_key_not_trusted,
}


def push_config(
    device: Device,
    credential: Credential,
    commands: Sequence[str],
    *,
    save: bool = True,
    timeout: float = 30.0,
    tag: str | None = None,
    after_line: LineHook | None = None,
) -> PushResult:
    """Push `commands` in one config session, then save or commit as the platform does.

    `after_line(k, n)` is called once line k of n has been accepted (crash tests hold there).

    With a `tag`, the change runs under the platform's safety net: applied but not kept
    (never saved here), to be confirmed by `save_running(tag=...)` or taken back by
    `undo_change`.
    """
    if not commands:
        return PushResult(ok=True, pushed=0)
    platform = get_platform(device.platform)
    try:
        conn = connect(device, credential, timeout, platform)
    except Exception as exc:  # connection faults are classified, not raised
        return unreachable(exc)
    try:
        return push_on(
            conn, platform, commands, save=save, timeout=timeout, tag=tag, after_line=after_line
        )
    finally:
        disconnect(conn)


@device_log.logged("push")
def push_on(
    conn: BaseConnection,
    platform: Platform,
    commands: Sequence[str],
    *,
    save: bool,
    timeout: float,
    tag: str | None = None,
    after_line: LineHook | None = None,
) -> PushResult:
    """`push_config` on an open session (left open: the caller ends it)."""
    driver = platform.push
    if driver.frame is not None:
        commands = driver.frame(list(commands))
    net = platform.safety_net if tag else None
    session_command = net.config_command(tag) if net is not None and tag else None
    # Lines reach the running config as they are typed, unless a candidate or session holds them.
    applied_each = driver.applies_each_line and session_command is None
    progress = _Progress()
    try:
        if net is not None and tag:
            net.before(conn, tag, timeout)
        _enter_config(conn, session_command or driver.config_command)
        _type_lines(conn, driver, commands, timeout, progress, after_line)
        progress.finishing = True
        return _finish(conn, driver, net, tag, save=save, timeout=timeout, pushed=progress.pushed)
    except Exception as exc:  # every failure is a result, classified by how far the push got
        return _push_failed(conn, exc, net, tag, progress, applied_each=applied_each)


@dataclass
class _Progress:
    """How far a push got: lines the device accepted, and whether it reached its finish."""

    pushed: int = 0
    finishing: bool = False


def _enter_config(conn: BaseConnection, config_command: str | None) -> None:
    if config_command:
        conn.config_mode(config_command=config_command)
    else:
        conn.config_mode()


def _type_lines(
    conn: BaseConnection,
    driver: PushDriver,
    commands: Sequence[str],
    timeout: float,
    progress: _Progress,
    after_line: LineHook | None,
) -> None:
    """The driver's prelude, then each command; `after_line(k, n)` once line k is accepted."""
    for line in driver.prelude:
        _send(conn, line, driver, timeout)
    for line in commands:
        _send(conn, line, driver, timeout)
        progress.pushed += 1
        if after_line is not None:
            after_line(progress.pushed, len(commands))


def _finish(
    conn: BaseConnection,
    driver: PushDriver,
    net: SafetyNet | None,
    tag: str | None,
    *,
    save: bool,
    timeout: float,
    pushed: int,
) -> PushResult:
    """Apply under the safety net (never saved here), or end the session as the platform does."""
    if net is not None and tag:
        if not net.apply(conn, tag, timeout) and driver.finish is not None:
            driver.finish(conn, False, timeout)
        return PushResult(ok=True, pushed=pushed, saved=False)
    if driver.finish is not None:
        driver.finish(conn, save, timeout)
    return PushResult(ok=True, pushed=pushed, saved=save or driver.commit_saves)


def _push_failed(
    conn: BaseConnection,
    exc: Exception,
    net: SafetyNet | None,
    tag: str | None,
    progress: _Progress,
    *,
    applied_each: bool,
) -> PushResult:
    """What a push that raised `exc` did: refused, not saved, not committed, or cut short."""
    pushed = progress.pushed
    if isinstance(exc, ConfigInvalidException):
        if net is not None and tag:
            with contextlib.suppress(Exception):
                net.abandon(conn, tag)
        return PushResult(
            ok=False,
            pushed=pushed,
            error_kind=PushError.rejected,
            error=str(exc),
            applied=applied_each and pushed > 0,
        )
    if isinstance(exc, SaveFailed):
        error = f"save failed: {exc}"[:300]
        return PushResult(ok=False, pushed=pushed, error_kind=PushError.save_failed, error=error)
    if isinstance(exc, ValueError | SafetyNetError):  # Netmiko's commit() says it failed
        kind = PushError.commit_failed if progress.finishing else PushError.failed
        return PushResult(
            ok=False, pushed=pushed, error_kind=kind, error=short_error(exc), applied=applied_each
        )
    return PushResult(
        ok=False, pushed=pushed, error_kind=_failure(conn, exc), error=short_error(exc)
    )


def save_running(
    device: Device,
    credential: Credential,
    *,
    timeout: float = 30.0,  # pragma: no mutate (every caller passes the settings' timeout)
    tag: str | None = None,
) -> PushResult:
    """Keep a verified change: confirm it under the platform's safety net (with a `tag`),
    then make the running config the startup config (`write memory`); a platform whose
    apply is its save (a commit) has nothing more to do."""
    platform = get_platform(device.platform)
    if saved_by_commit(platform, tag):
        return PushResult(ok=True, pushed=0, saved=True)
    try:
        conn = connect(device, credential, timeout, platform)
    except Exception as exc:
        return unreachable(exc)
    try:
        return save_on(conn, platform, timeout=timeout, tag=tag)
    finally:
        disconnect(conn)


def saved_by_commit(platform: Platform, tag: str | None) -> bool:
    """Nothing to do to keep a change: no net to confirm, and the platform's commit saved it."""
    net = platform.safety_net if tag else None
    return net is None and platform.push.commit_saves


@device_log.logged("save")
def save_on(
    conn: BaseConnection, platform: Platform, *, timeout: float, tag: str | None = None
) -> PushResult:
    """`save_running` on an open session (left open: the caller ends it)."""
    driver = platform.push
    net = platform.safety_net if tag else None
    try:
        if net is not None and tag:
            net.confirm(conn, tag, timeout)
        if driver.commit_saves:
            return PushResult(ok=True, pushed=0, saved=True)
        output = str(conn.save_config())
        if re.search(r"^%", output, re.M):
            error = f"save failed: {output.strip()}"[:300]
            return PushResult(ok=False, pushed=0, error_kind=PushError.save_failed, error=error)
        return PushResult(ok=True, pushed=0, saved=True)
    except SafetyNetError as exc:
        error = f"could not confirm the change: {exc}"[:300]
        return PushResult(ok=False, pushed=0, error_kind=PushError.commit_failed, error=error)
    except Exception as exc:
        return PushResult(
            ok=False, pushed=0, error_kind=_failure(conn, exc), error=short_error(exc)
        )


def undo_change(
    device: Device,
    credential: Credential,
    tag: str,
    *,
    timeout: float = 30.0,  # pragma: no mutate (every caller passes the settings' timeout)
) -> str | None:
    """Take a tagged change back through the platform's safety net; what was done, or None
    when the platform has no net or it had nothing to take back. Raises SafetyNetError with
    the device's answer when the NOS refuses."""
    platform = get_platform(device.platform)
    if platform.safety_net is None:
        return None
    conn = connect(device, credential, timeout, platform)
    try:
        with device_log.undoing(conn):
            return platform.safety_net.undo(conn, tag, timeout)
    finally:
        disconnect(conn)


def _send(conn: BaseConnection, line: str, driver: PushDriver, timeout: float) -> None:
    """Send one line; a refusal raises with the device's whole answer (some NOSes say why on the
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
    platform = get_platform(device.platform)
    conn = connect(device, credential, timeout, platform)
    try:
        return running_on(conn, platform, timeout)
    finally:
        disconnect(conn)


def running_on(conn: BaseConnection, platform: Platform, timeout: float) -> str:
    """`fetch_running` on an open session."""
    return str(conn.send_command(platform.running_config_command, read_timeout=timeout))


def error_pattern(platform: str) -> str:
    """The regex that marks a refused config line on a platform."""
    return get_platform(platform).push.error_pattern
