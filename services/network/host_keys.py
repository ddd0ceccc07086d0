"""Device host keys: what netwave trusts, how a session checks it, how a first contact reads it.

A device's key is recorded per tenant in the database by an explicit first contact (`netwave
devices trust`); every later session checks the device against it before any password or key
is offered (paramiko verifies the host key after the key exchange and before authentication).
A different key is a "host key mismatch"; a device with no recorded key is refused as "host
key not trusted". Keys never travel through Temporal: activities read them from the database
and attach them to the in-memory `Device` (`Device.trust`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import socket
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import paramiko
from pydantic import BaseModel, ConfigDict, field_validator

from services.core.errors import HostKeyError

if TYPE_CHECKING:
    from services.network.inventory import Device

MISMATCH = "host key mismatch"
NOT_TRUSTED = "host key not trusted"

# Who hears of a mismatch (tenant, device, platform, the refusal's message): the worker's staff
# notifications (`services.notifications.host_keys`). One at most; None: nobody.
MismatchListener = Callable[[str, str, str, str], None]
_on_mismatch: list[MismatchListener] = []


def on_mismatch(listener: MismatchListener | None) -> None:
    """Set (or with None, clear) the one listener of `report_mismatch`."""
    _on_mismatch[:] = [listener] if listener is not None else []


def report_mismatch_in(tenant: str, device: str, platform: str, reason: str) -> None:
    """`report_mismatch` from a reason that quotes the refusal (an audit helper's result:
    helper processes have no listener); the refusal's own words, so both say the same."""
    start = reason.find(MISMATCH)
    if start >= 0:
        report_mismatch(tenant, device, platform, HostKeyError(reason[start:], mismatch=True))


def report_mismatch(tenant: str, device: str, platform: str, refused: HostKeyError) -> None:
    """Tell the listener of a session refused for a mismatched key; never raises."""
    if not refused.mismatch:
        return
    for listener in list(_on_mismatch):
        with contextlib.suppress(Exception):  # telling never fails the session's refusal
            listener(tenant, device, platform, refused.message)


class HostKey(BaseModel):
    """A public host key as an OpenSSH line holds it: `ssh-ed25519 AAAAC3...`."""

    model_config = ConfigDict(frozen=True)

    key_type: str
    data: str  # base64 of the SSH wire form

    @field_validator("data")
    @classmethod
    def _base64(cls, value: str) -> str:
        base64.b64decode(value, validate=True)
        return value

    @classmethod
    def parse(cls, line: str) -> HostKey:
        parts = line.split()
        if len(parts) < 2:
            raise ValueError(f"not an OpenSSH public key: {line[:40]!r}")
        return cls(key_type=parts[0], data=parts[1])

    @classmethod
    def of(cls, key: paramiko.PKey) -> HostKey:
        return cls(key_type=key.get_name(), data=key.get_base64())

    @property
    def line(self) -> str:
        return f"{self.key_type} {self.data}"

    @property
    def fingerprint(self) -> str:
        """As `ssh-keygen -l` and `ssh` show it: SHA256:<base64 without padding>."""
        digest = hashlib.sha256(base64.b64decode(self.data)).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    def to_paramiko(self) -> paramiko.PKey:
        return paramiko.PKey.from_type_string(self.key_type, base64.b64decode(self.data))


class DeviceTrust(BaseModel):
    """The recorded keys a device session checks: the device's and its jump host's."""

    model_config = ConfigDict(frozen=True)

    device: HostKey | None = None
    jump_host: HostKey | None = None


def known_hosts_name(hostname: str, port: int) -> str:
    """How paramiko (and OpenSSH) name a host in known_hosts."""
    return hostname if port == 22 else f"[{hostname}]:{port}"


def known_hosts_lines(devices: Iterable[Device]) -> list[str]:
    lines = []
    for device in devices:
        key = device.trust.device if device.trust else None
        if key is not None:
            lines.append(f"{known_hosts_name(device.hostname, device.port)} {key.line}")
    return lines


@contextlib.contextmanager
def known_hosts_file(devices: Iterable[Device]) -> Iterator[Path]:
    """A private known_hosts file with the recorded keys of `devices`, removed afterwards
    (Netmiko reads host keys only from a file: `alt_key_file`)."""
    fd, name = tempfile.mkstemp(prefix="netwave-known-hosts-")
    path = Path(name)
    try:
        with os.fdopen(fd, "w") as handle:  # mkstemp creates it 0600
            handle.write("".join(f"{line}\n" for line in known_hosts_lines(devices)))
        yield path
    finally:
        path.unlink(missing_ok=True)


def strict_client(hostname: str, port: int, key: HostKey | None) -> paramiko.SSHClient:
    """A paramiko client that accepts exactly `key` for the host (and nothing when None)."""
    client = paramiko.SSHClient()
    if key is not None:
        client.get_host_keys().add(
            known_hosts_name(hostname, port), key.key_type, key.to_paramiko()
        )
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return client


def host_key_fault(exc: BaseException) -> str | None:
    """MISMATCH or NOT_TRUSTED when `exc` (or what it wraps: Netmiko re-raises paramiko's
    errors as timeouts) is a host key refusal, else None."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, paramiko.BadHostKeyException):
            return MISMATCH
        text = str(seen)
        if "does not match" in text and "Host key for server" in text:
            return MISMATCH
        if "not found in known_hosts" in text:
            return NOT_TRUSTED
        seen = seen.__cause__ or seen.__context__
    return None


def refusal(name: str, hostname: str, port: int, exc: BaseException) -> HostKeyError | None:
    """The HostKeyError that `exc` stands for (a connection refused for its host key), else
    None; it says what was presented and what is recorded, by fingerprint."""
    if isinstance(exc, HostKeyError):  # already named (a jump host's, for one)
        return exc
    fault = host_key_fault(exc)
    if fault is None:
        return None
    where = known_hosts_name(hostname, port)
    if fault == NOT_TRUSTED:
        return HostKeyError(
            f"{NOT_TRUSTED}: no key is recorded for {name} ({where}); nothing was sent to it",
            mismatch=False,
        )
    bad = _bad_host_key(exc)
    shown = (
        f" presented {HostKey.of(bad.key).fingerprint}, recorded "
        f"{HostKey.of(bad.expected_key).fingerprint}"
        if bad is not None
        else ""
    )
    return HostKeyError(
        f"{MISMATCH}: {name} ({where}){shown}; no password or key was offered to it",
        mismatch=True,
    )


def _bad_host_key(exc: BaseException | None) -> paramiko.BadHostKeyException | None:
    for _ in range(5):
        if exc is None or isinstance(exc, paramiko.BadHostKeyException):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def untrusted(device: Device) -> HostKeyError | None:
    """The refusal for a device that has no recorded key (checked before connecting)."""
    if device.trust is not None and device.trust.device is not None:
        return None
    return HostKeyError(
        f"{NOT_TRUSTED}: no key is recorded for {device.name} "
        f"({known_hosts_name(device.hostname, device.port)}); record it with "
        f"`netwave devices trust --tenant {device.tenant} --device {device.name}`",
        mismatch=False,
    )


def scan_host_key(
    hostname: str, port: int, timeout: float, sock: socket.socket | paramiko.Channel | None = None
) -> HostKey:
    """The key a host presents, read from the key exchange alone: no user name, password or
    key is sent (the session closes before authentication)."""
    if sock is None:
        sock = socket.create_connection((hostname, port), timeout=timeout)
    transport = paramiko.Transport(sock)
    try:
        transport.banner_timeout = timeout
        transport.start_client(timeout=timeout)
        return HostKey.of(transport.get_remote_server_key())
    finally:
        transport.close()
