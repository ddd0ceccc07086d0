"""Build a Nornir object for a set of devices, with credentials resolved at run time."""

from __future__ import annotations

import contextvars
import functools
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from nornir.core import Nornir
from nornir.core.configuration import Config
from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Groups,
    Host,
    Hosts,
    Inventory,
)
from nornir.core.plugins.connections import ConnectionPluginRegister
from nornir.core.task import AggregatedResult, Task
from nornir.plugins.runners import ThreadedRunner
from nornir_netmiko.connections import Netmiko

from services.core import log_context
from services.core.secrets import Credential, SecretsProvider
from services.network.inventory import Device
from services.network.jump import open_tunnel, resolve_login
from services.network.keys import private_key
from services.network.platforms import get_platform
from services.observability import device_log

CONNECTION_NAME = "netwave_ssh"
TUNNEL = "netwave_tunnel"  # an extras key DeviceSession turns into Netmiko's `sock`
# An extras key DeviceSession takes out: the device's log fields and the ids of the activity
# that built the Nornir (its runner's threads do not see the activity's log context).
DEVICE_LOG = "netwave_device_log"


class DeviceSession(Netmiko):  # type: ignore[misc]  # nornir_netmiko ships no types
    """Nornir's Netmiko connection, opening a device's jump-host tunnel only when its session
    opens (one bastion session per device session, never all of a run's at once)."""

    def open(
        self,
        hostname: str | None,
        username: str | None,
        password: str | None,
        port: int | None,
        platform: str | None,
        extras: dict[str, Any] | None = None,
        configuration: Config | None = None,
    ) -> None:
        extras = dict(extras or {})
        fields, ids = extras.pop(DEVICE_LOG, ({}, {}))
        started = time.monotonic()
        try:
            tunnel = extras.pop(TUNNEL, None)
            if tunnel is not None:
                extras["sock"] = tunnel()
            super().open(hostname, username, password, port, platform, extras, configuration)
        except Exception as exc:
            device_log.session_failed(fields, exc, started, ids)
            raise
        device_log.session_opened(self.connection, fields, started, ids)

    def close(self) -> None:
        device_log.session_closed(self.connection)
        super().close()


ConnectionPluginRegister.register(CONNECTION_NAME, DeviceSession)


class ContextThreadedRunner(ThreadedRunner):
    """Nornir's threaded runner, each host's task run in a copy of the caller's context.

    A thread does not inherit the context variables of the thread that started it; copied,
    a device session's span is a child of the activity's span, in the activity's trace.
    """

    def run(self, task: Task, hosts: list[Host]) -> AggregatedResult:
        result = AggregatedResult(task.name)
        with ThreadPoolExecutor(self.num_workers) as pool:
            futures = [
                pool.submit(contextvars.copy_context().run, task.copy().start, host)
                for host in hosts
            ]
        for future in futures:
            worker_result = future.result()
            result[worker_result.host.name] = worker_result
        return result


def netmiko_extras(
    device: Device, credential: Credential, timeout: float, known_hosts: Path
) -> dict[str, object]:
    """`session_extras` for one session opened now: the jump-host tunnel is opened here."""
    extras = session_extras(device, credential, timeout, known_hosts)
    tunnel = extras.pop(TUNNEL, None)
    if callable(tunnel):
        extras["sock"] = tunnel()
    return extras


def session_extras(
    device: Device, credential: Credential, timeout: float, known_hosts: Path
) -> dict[str, object]:
    """Arguments for Netmiko's ConnectHandler beyond host/port/username/password: the
    platform's driver, timeouts, the enable secret and the private key (never an agent's or
    a file in ~/.ssh: only what the secrets provider gives), and strict host key checking
    against `known_hosts` (see `host_keys.known_hosts_file`), never the system's files."""
    enable_secret = credential.enable.get_secret_value() if credential.enable else None
    key = private_key(credential)
    extras: dict[str, object] = {
        "device_type": get_platform(device.platform).device_type,
        "conn_timeout": timeout,
        "auth_timeout": timeout,
        "banner_timeout": timeout,
        "read_timeout_override": None,
        "allow_agent": False,
        "use_keys": False,  # never ~/.ssh: only `pkey`, the provider's key, when there is one
        "pkey": key,
        "ssh_strict": True,  # an unknown host is refused before any credential is offered
        "system_host_keys": False,
        "alt_host_keys": True,
        "alt_key_file": str(known_hosts),
    }
    if enable_secret:
        extras["secret"] = enable_secret
    if device.jump_host is not None:
        extras[TUNNEL] = functools.partial(open_tunnel, device, credential, timeout)
    return {k: v for k, v in extras.items() if v is not None}


def build_nornir(
    devices: Iterable[Device],
    provider: SecretsProvider,
    *,
    workers: int,
    timeout: float,
    known_hosts: Path,
) -> Nornir:
    """A Nornir over `devices`; each host gets its credential from the provider, in memory only,
    and is checked against its recorded host key in `known_hosts`."""
    hosts = Hosts()
    ids = log_context.snapshot()
    for device in devices:
        credential = resolve_login(provider, device)
        hosts[device.name] = Host(
            name=device.name,
            hostname=device.hostname,
            port=device.port,
            username=device.login_name(credential.username),
            password=credential.password.get_secret_value() if credential.password else None,
            platform=device.platform,
            data={"tenant": device.tenant, "site": device.site, "role": device.role},
            connection_options={
                CONNECTION_NAME: ConnectionOptions(
                    extras={
                        **session_extras(device, credential, timeout, known_hosts),
                        DEVICE_LOG: (device_log.device_fields(device), ids),
                    },
                )
            },
        )
    config = Config.from_dict(logging={"enabled": False}, runner={"plugin": "threaded"})
    return Nornir(
        inventory=Inventory(hosts=hosts, groups=Groups(), defaults=Defaults()),
        runner=ContextThreadedRunner(num_workers=workers),
        config=config,
    )
