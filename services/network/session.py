"""One login to a device for all the steps of a runbook activity.

A change used to log in for each thing it read or did (the backup, the pre-check's show
commands, the push's read of the running config, the push, the post-checks, the save).
A `DeviceSession` logs in at its first use and keeps the session until the `with` block ends,
so an activity that backs up and pre-checks, or pushes, or verifies and saves, logs in once.

A push or save that failed drops the session (the NOS may still sit in a config session, or
the transport is gone): the next step logs in again.
"""

from __future__ import annotations

from collections.abc import Sequence

from netmiko import BaseConnection

from services.core.secrets import Credential
from services.network.collect import classify
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.push import (
    connect,
    disconnect,
    push_on,
    running_on,
    save_on,
    saved_by_commit,
    unreachable,
)
from services.network.push_driver import LineHook, PushResult
from services.network.state import DeviceState, state_on
from services.observability import device as device_events
from services.observability import device_log
from services.observability.tracing import DeviceSpan, device_span, start_device_span


class DeviceSession:
    """A device, its login and its platform, resolved once; the connection opened on demand."""

    def __init__(self, device: Device, credential: Credential, timeout: float) -> None:
        self.device = device
        self.credential = credential
        self.timeout = timeout
        self.platform = get_platform(device.platform)
        self._conn: BaseConnection | None = None
        self._span: DeviceSpan | None = None  # the login's span in the trace, while open

    def __enter__(self) -> DeviceSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> BaseConnection:
        if self._conn is None:
            device = self.device
            span = start_device_span("session", device.platform, device.tenant, device.name)
            try:
                self._conn = connect(self.device, self.credential, self.timeout, self.platform)
            except Exception as exc:
                span.fail(exc, classify(exc).value)
                span.end()
                raise
            self._span = span
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            disconnect(self._conn)
            self._conn = None
        if self._span is not None:
            self._span.end()
            self._span = None

    def running(self) -> str:
        """The running config (the platform's running-config command)."""
        return running_on(self._open(), self.platform, self.timeout)

    def state(self) -> DeviceState:
        """Interfaces, BGP neighbours and routes (the pre- and post-checks' show commands)."""
        return state_on(self._open(), self.device, self.timeout)

    def push(
        self,
        commands: Sequence[str],
        *,
        save: bool = False,
        tag: str | None = None,
        after_line: LineHook | None = None,
    ) -> PushResult:
        """`push_config` in this session: under the safety net with a `tag`, never saved then."""
        if not commands:
            return PushResult(ok=True, pushed=0)
        try:
            conn = self._open()
        except Exception as exc:  # connection faults are classified, not raised
            return unreachable(exc)
        device = self.device
        with device_span(
            "push", device.platform, device.tenant, device.name, parent=self._span
        ) as span:
            result = push_on(
                conn,
                self.platform,
                commands,
                save=save,
                timeout=self.timeout,
                tag=tag,
                after_line=after_line,
            )
            span.outcome = (
                "ok" if result.ok else device_events.push_outcome(result.error_kind or "failed")
            )
        if not result.ok:
            self.close()
        return result

    def save(self, tag: str | None = None) -> PushResult:
        """`save_running` in this session: confirm the tagged change, then keep it."""
        if saved_by_commit(self.platform, tag):
            return PushResult(ok=True, pushed=0, saved=True)
        try:
            conn = self._open()
        except Exception as exc:
            return unreachable(exc)
        result = save_on(conn, self.platform, timeout=self.timeout, tag=tag)
        if not result.ok:
            self.close()
        return result

    def undo(self, tag: str) -> str | None:
        """`undo_change` in this session: the NOS's own take-back of the tagged change."""
        net = self.platform.safety_net
        if net is None:
            return None
        try:
            conn = self._open()
            with device_log.undoing(conn):
                return net.undo(conn, tag, self.timeout)
        except Exception:
            self.close()
            raise
