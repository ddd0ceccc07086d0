"""First contact: read the host keys devices (and their jump hosts) present.

Reading a key needs no login: the SSH key exchange alone shows it. A device behind a jump host
is read through a tunnel, which needs the bastion's login and its key recorded first; the caller
(`workflows/trust`) records each bastion before the devices behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from services.core.errors import NetwaveError
from services.core.secrets import SecretsProvider
from services.network.host_keys import DeviceTrust, HostKey, refusal, scan_host_key
from services.network.inventory import Device, JumpHost
from services.network.jump import open_tunnel, resolve_login


@dataclass(frozen=True)
class Scanned:
    """What one host presented, or why it could not be read."""

    key: HostKey | None = None
    error: str | None = None


def _error(exc: BaseException) -> str:
    if isinstance(exc, NetwaveError):
        return exc.message
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else 'no answer'}"[:300]


def scan_jump_host(bastion: JumpHost, timeout: float) -> Scanned:
    try:
        return Scanned(key=scan_host_key(bastion.hostname, bastion.port, timeout))
    except Exception as exc:  # a scan reports, never raises
        return Scanned(error=_error(exc))


def scan_device(
    device: Device, provider: SecretsProvider, jump_key: HostKey | None, timeout: float
) -> Scanned:
    """The device's key; through its jump host (checked against `jump_key`) when it has one."""
    try:
        if device.jump_host is None:
            return Scanned(key=scan_host_key(device.hostname, device.port, timeout))
        credential = resolve_login(provider, device)
        trusted = device.model_copy(update={"trust": DeviceTrust(jump_host=jump_key)})
        channel = open_tunnel(trusted, credential, timeout)
        try:
            return Scanned(key=scan_host_key(device.hostname, device.port, timeout, sock=channel))
        finally:
            channel.close()
    except Exception as exc:
        refused = refusal(device.name, device.hostname, device.port, exc)
        return Scanned(error=_error(refused or exc))


def scan_all(
    devices: list[Device], scan: Callable[[Device], Scanned], workers: int
) -> dict[str, Scanned]:
    """`scan` every device, `workers` at a time."""
    with ThreadPoolExecutor(max(1, min(workers, len(devices) or 1))) as pool:
        return dict(zip((d.name for d in devices), pool.map(scan, devices), strict=True))
