"""Collect show-command output from devices with Netmiko through Nornir's threaded runner."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)
from nornir.core.inventory import Host
from nornir.core.processor import Processor
from nornir.core.task import AggregatedResult, MultiResult, Result, Task
from paramiko.ssh_exception import AuthenticationException, NoValidConnectionsError, SSHException

from services.core.errors import CredentialError, HostKeyError, NetwaveError
from services.core.secrets import SecretsProvider
from services.network.host_keys import (
    MISMATCH,
    host_key_fault,
    known_hosts_file,
    refusal,
    report_mismatch,
    untrusted,
)
from services.network.inventory import Device
from services.network.jump import resolve_login
from services.network.nornir_fleet import CONNECTION_NAME, build_nornir
from services.network.platforms import get_platform
from services.observability import device as device_events
from services.observability.tracing import device_span


class Reachability(StrEnum):
    """Why a collection did or did not return output, in an operator's words."""

    ok = "ok"
    unreachable = "unreachable"
    auth_failed = "auth_failed"
    timeout = "timeout"
    no_credential = "no_credential"
    host_key_mismatch = "host_key_mismatch"  # the host presented another key than recorded
    host_key_not_trusted = "host_key_not_trusted"  # no key recorded: `netwave devices trust`
    failed = "failed"


@dataclass(frozen=True)
class Collected:
    device: str
    status: Reachability
    output: str | None = None
    error: str | None = None
    seconds: float | None = None  # how long its session was open (None: it never opened)


def classify(exc: BaseException) -> Reachability:
    """Map what Netmiko/paramiko raised to a fault an engineer recognises."""
    mismatch = exc.mismatch if isinstance(exc, HostKeyError) else None
    fault = host_key_fault(exc)
    if mismatch is not None or fault is not None:
        if mismatch or fault == MISMATCH:
            return Reachability.host_key_mismatch
        return Reachability.host_key_not_trusted
    if isinstance(exc, NetmikoAuthenticationException | AuthenticationException):
        return Reachability.auth_failed  # paramiko's own: the jump host refused the login
    if isinstance(exc, ReadTimeout):
        return Reachability.timeout
    if isinstance(exc, NetmikoTimeoutException | NoValidConnectionsError | ConnectionError):
        return Reachability.unreachable
    if isinstance(exc, socket.timeout | TimeoutError):
        return Reachability.unreachable
    if isinstance(exc, CredentialError):
        return Reachability.no_credential
    if isinstance(exc, SSHException | EOFError | OSError):
        return Reachability.unreachable
    return Reachability.failed


def short_error(exc: BaseException) -> str:
    """One line an operator can read: netwave's own message, else the exception's first line."""
    if isinstance(exc, NetwaveError):
        return exc.message[:300]
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:300]


_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def session_slots(workers: int) -> threading.BoundedSemaphore:
    """The process-wide budget of `workers` device sessions at once.

    Collections running side by side (the worker runs several audit chunks at a time, each a
    Nornir of `workers` threads) share it, so the process never holds more sessions than one
    collection would: beyond that, on few cores, extra threads only fight over the GIL.
    """
    with _SLOTS_LOCK:
        if workers not in _SLOTS:
            _SLOTS[workers] = threading.BoundedSemaphore(workers)
        return _SLOTS[workers]


def _collect_task(
    task: Task,
    command_for: dict[str, str],
    slots: threading.BoundedSemaphore,
    opened: dict[str, float],
) -> Result:
    host = task.host
    tenant = str(host.data.get("tenant", ""))
    with slots, device_span("session", host.platform or "", tenant, host.name) as span:
        started = time.monotonic()
        try:
            connection = host.get_connection(CONNECTION_NAME, task.nornir.config)
        except Exception as exc:
            refused = refusal(host.name, host.hostname or "", host.port or 22, exc)
            span.fail(exc, classify(refused or exc).value)
            if refused is not None:
                tenant = str(host.data.get("tenant", ""))
                report_mismatch(tenant, host.name, str(host.platform), refused)
                raise refused from None
            raise
        try:
            output = connection.send_command(command_for[host.name])
        except Exception as exc:
            span.fail(exc, classify(exc).value)
            raise
        finally:
            host.close_connection(CONNECTION_NAME)
            opened[host.name] = time.monotonic() - started
    return Result(host=host, result=output)


class _Progress(Processor):
    """Calls back after each device so long runs can heartbeat and show progress."""

    def __init__(self, on_done: Callable[[Collected], None], opened: dict[str, float]) -> None:
        self.on_done = on_done
        self.opened = opened

    def task_started(self, task: Task) -> None:
        return None

    def task_completed(self, task: Task, result: AggregatedResult) -> None:
        return None

    def task_instance_started(self, task: Task, host: Host) -> None:
        return None

    def task_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        if task.task is _collect_task:  # not Nornir's own tasks such as close_connections
            self.on_done(to_collected(host.name, result, self.opened.get(host.name)))

    def subtask_instance_started(self, task: Task, host: Host) -> None:
        return None

    def subtask_instance_completed(self, task: Task, host: Host, result: MultiResult) -> None:
        return None


def to_collected(name: str, result: MultiResult, seconds: float | None = None) -> Collected:
    first = result[0]
    if first.exception is not None:
        status = classify(first.exception)
        return Collected(name, status, error=short_error(first.exception), seconds=seconds)
    if result.failed:
        return Collected(name, Reachability.failed, error="task failed", seconds=seconds)
    return Collected(name, Reachability.ok, output=str(first.result), seconds=seconds)


def count_session(device: Device, item: Collected) -> None:
    """Report the session that collected `item` (services/observability/device.py)."""
    device_events.session_finished(device.platform, device.tenant, item.status.value, item.seconds)


def collect(
    devices: Iterable[Device],
    provider: SecretsProvider,
    *,
    command: str | None = None,
    workers: int = 50,
    timeout: float = 20.0,
    on_done: Callable[[Collected], None] | None = None,
    count_sessions: bool = True,
) -> dict[str, Collected]:
    """Run one show command per device (default: the platform's running-config command).

    Each device's session is counted as it ends (`count_session`), unless `count_sessions` is
    False: the audit's helper processes leave that to the worker, whose metrics are scraped.
    """
    devices = list(devices)
    by_name = {d.name: d for d in devices}

    def finished(item: Collected) -> None:
        if count_sessions:
            count_session(by_name[item.device], item)
        if on_done is not None:
            on_done(item)

    results: dict[str, Collected] = {}
    usable: list[Device] = []
    for device in devices:
        try:
            refused = untrusted(device)
            if refused is not None:
                raise refused
            resolve_login(provider, device)
            usable.append(device)
        except (CredentialError, HostKeyError) as exc:
            results[device.name] = Collected(device.name, classify(exc), error=exc.message)
            finished(results[device.name])
    if not usable:
        return results
    command_for = {
        d.name: command or get_platform(d.platform).running_config_command for d in usable
    }
    opened: dict[str, float] = {}
    with known_hosts_file(usable) as known_hosts:
        nr = build_nornir(
            usable, provider, workers=workers, timeout=timeout, known_hosts=known_hosts
        ).with_processors([_Progress(finished, opened)])
        aggregated = nr.run(
            task=_collect_task,
            command_for=command_for,
            slots=session_slots(workers),
            opened=opened,
            on_failed=True,
        )
    for name, multi in aggregated.items():
        results[name] = to_collected(name, multi, opened.get(name))
    return results
