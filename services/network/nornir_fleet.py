"""Build a Nornir object for a set of devices, with credentials resolved at run time."""

from __future__ import annotations

from collections.abc import Iterable

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
from nornir.plugins.runners import ThreadedRunner
from nornir_netmiko.connections import CONNECTION_NAME, Netmiko

from services.core.secrets import Credential, SecretsProvider
from services.network.inventory import Device
from services.network.jump import open_tunnel, resolve_login
from services.network.keys import private_key
from services.network.platforms import get_platform

ConnectionPluginRegister.register(CONNECTION_NAME, Netmiko)


def netmiko_extras(device: Device, credential: Credential, timeout: float) -> dict[str, object]:
    """Arguments for Netmiko's ConnectHandler beyond host/port/username/password: the
    platform's driver, timeouts, the enable secret and the private key (never an agent's or
    a file in ~/.ssh: only what the secrets provider gives)."""
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
        "ssh_strict": False,
        "system_host_keys": False,
        "alt_host_keys": False,
    }
    if enable_secret:
        extras["secret"] = enable_secret
    if device.jump_host is not None:
        extras["sock"] = open_tunnel(device, credential, timeout)
    return {k: v for k, v in extras.items() if v is not None}


def build_nornir(
    devices: Iterable[Device],
    provider: SecretsProvider,
    *,
    workers: int,
    timeout: float,
) -> Nornir:
    """A Nornir over `devices`; each host gets its credential from the provider, in memory only."""
    hosts = Hosts()
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
                    extras=netmiko_extras(device, credential, timeout),
                )
            },
        )
    config = Config.from_dict(logging={"enabled": False}, runner={"plugin": "threaded"})
    return Nornir(
        inventory=Inventory(hosts=hosts, groups=Groups(), defaults=Defaults()),
        runner=ThreadedRunner(num_workers=workers),
        config=config,
    )
