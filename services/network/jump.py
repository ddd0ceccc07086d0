"""Jump hosts: log in to the bastion a device sits behind and tunnel SSH to the device.

The bastion comes from the inventory (`data.jump_host`), its login from the secrets provider,
resolved together with the device's (`resolve_login`), its host key from what `netwave devices
trust` recorded (`Device.trust.jump_host`), checked before the login is sent. The tunnel is a
`direct-tcpip` channel handed to Netmiko as its socket; the bastion session closes with the
device session.
"""

from __future__ import annotations

import weakref

import paramiko

from services.core.errors import CredentialError, HostKeyError
from services.core.secrets import Credential, SecretsProvider
from services.network.host_keys import NOT_TRUSTED, known_hosts_name, refusal, strict_client
from services.network.inventory import Device
from services.network.keys import private_key


def resolve_login(provider: SecretsProvider, device: Device) -> Credential:
    """The device's credential, with its jump host's login when it has one."""
    credential = provider.resolve(device.credential)
    if device.jump_host is None:
        return credential
    try:
        jump = provider.resolve(device.jump_host.credential)
    except CredentialError as exc:
        raise CredentialError(
            f"{device.tenant}/{device.name} is reached through jump host "
            f"{device.jump_host.hostname}: {exc.message}"
        ) from None
    return credential.model_copy(update={"jump": jump})


def open_tunnel(device: Device, credential: Credential, timeout: float) -> paramiko.Channel:
    """A channel from the device's jump host to the device's SSH port."""
    bastion = device.jump_host
    if bastion is None:
        raise ValueError(f"{device.name} has no jump host")
    if credential.jump is None:
        raise CredentialError(
            f"{device.tenant}/{device.name} is reached through jump host {bastion.hostname}, "
            "but its login was not resolved (resolve_login)"
        )
    login = credential.jump
    # The bastion is checked against its recorded key like a device, before the login is sent.
    recorded = device.trust.jump_host if device.trust else None
    label = f"jump host {bastion.hostname} of {device.name}"
    if recorded is None:
        raise HostKeyError(
            f"{NOT_TRUSTED}: no key is recorded for {label} "
            f"({known_hosts_name(bastion.hostname, bastion.port)}); record it with "
            f"`netwave devices trust --tenant {device.tenant} --device {device.name}`",
            mismatch=False,
        )
    client = strict_client(bastion.hostname, bastion.port, recorded)
    try:
        client.connect(
            bastion.hostname,
            port=bastion.port,
            username=login.username,
            password=login.password.get_secret_value() if login.password else None,
            pkey=private_key(login),
            allow_agent=False,
            look_for_keys=False,
            timeout=timeout,
            auth_timeout=timeout,
            banner_timeout=timeout,
        )
    except Exception as exc:
        client.close()
        refused = refusal(label, bastion.hostname, bastion.port, exc)
        if refused is not None:
            raise refused from None
        raise
    transport = client.get_transport()
    if transport is None:  # pragma: no cover (connect raises first)
        client.close()
        raise ConnectionError(f"jump host {bastion.hostname} closed the session")
    try:
        channel = transport.open_channel(
            "direct-tcpip", (device.hostname, device.port), ("127.0.0.1", 0), timeout=timeout
        )
    except Exception:
        client.close()
        raise
    weakref.finalize(channel, client.close)  # the bastion session ends with the tunnel
    return channel
