"""SSH side of the lab: password auth per device, sessions, one listener per device port."""

from __future__ import annotations

import contextlib
import errno
import socket
from pathlib import Path
from typing import Any

import asyncssh
from pydantic import SecretStr

from services.core.errors import NetwaveError
from services.lab.device import LabDevice
from services.lab.platforms import get_cli
from services.lab.records import LoginRecord
from services.lab.session import Shell

# Fast, widely supported algorithms: the lab serves thousands of logins on a small machine.
KEX_ALGS = [
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "diffie-hellman-group14-sha256",
    # Last: for clients that offer nothing newer (Netmiko's driver of some NOSes still does).
    "diffie-hellman-group-exchange-sha256",
]


class LabError(NetwaveError):
    code = "NW500"
    hint = "see the lab section of the README"


def _quickack(conn: asyncssh.SSHServerConnection) -> None:
    """Acknowledge every segment at once.

    Paramiko does not set TCP_NODELAY, so a client message sent right after another waits for
    the server's delayed ACK (40 ms on Linux) - twice per login. Re-arming TCP_QUICKACK after
    each read keeps Netmiko logins at a few milliseconds.
    """
    quickack = getattr(socket, "TCP_QUICKACK", None)
    sock = conn.get_extra_info("socket")
    if quickack is None or sock is None:
        return
    received = conn.data_received

    def data_received(data: bytes, datatype: Any = None) -> None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        received(data, datatype)

    conn.data_received = data_received  # type: ignore[method-assign]
    try:
        sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
    except OSError:
        return


class LabSSHServer(asyncssh.SSHServer):
    """Authenticates against the device's resolved credential and opens CLI sessions."""

    def __init__(self, device: LabDevice) -> None:
        self.device = device
        self._conn: asyncssh.SSHServerConnection | None = None
        self._username = ""

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        _quickack(conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return self.device.spec.credential.password is not None

    def validate_password(self, username: str, password: str) -> bool:
        credential = self.device.spec.credential
        ok = (
            not self.device.faults.auth_failure
            and username == credential.username
            and credential.password is not None
            and password == credential.password.get_secret_value()
        )
        return self._logged_in(username, ok, "password")

    def public_key_auth_supported(self) -> bool:
        return self.device.spec.credential.private_key is not None

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        """The key of the device's credential is its one authorized key."""
        credential = self.device.spec.credential
        authorized = authorized_key(credential.private_key, credential.passphrase)
        ok = (
            not self.device.faults.auth_failure
            and username == credential.username
            and authorized is not None
            and key.public_data == authorized.public_data
        )
        return self._logged_in(username, ok, "publickey")

    def _logged_in(self, username: str, ok: bool, method: str) -> bool:
        self.device.record.logins.append(LoginRecord(username=username, success=ok, method=method))
        if ok:
            self._username = username
        return ok

    def session_requested(self) -> Shell | bool:
        if self._conn is None or not self.device.reachable:
            return False
        return Shell(self.device, get_cli(self.device.spec.platform), self._username, self._conn)


def authorized_key(
    private_key: SecretStr | None, passphrase: SecretStr | None
) -> asyncssh.SSHKey | None:
    """The public half of a credential's private key (what an authorized_keys line holds)."""
    if private_key is None:
        return None
    secret = passphrase.get_secret_value() if passphrase else None
    return asyncssh.import_private_key(private_key.get_secret_value(), secret).convert_to_public()


def load_host_key(path: Path | None) -> asyncssh.SSHKey:
    """The shared ed25519 host key, created once and cached at `path` (in memory if None)."""
    if path is not None and path.exists():
        return asyncssh.read_private_key(str(path))
    key = asyncssh.generate_private_key("ssh-ed25519")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        key.write_private_key(str(path))
        path.chmod(0o600)
    return key


def public_key_line(key: asyncssh.SSHKey) -> str:
    """The host key's public half as an OpenSSH line: `ssh-ed25519 AAAA...`."""
    return " ".join(key.export_public_key("openssh").decode().split()[:2])


def server_options(host_key: asyncssh.SSHKey) -> asyncssh.SSHServerConnectionOptions:
    return asyncssh.SSHServerConnectionOptions(
        server_host_keys=[host_key],
        kex_algs=KEX_ALGS,
        line_editor=False,
        allow_pty=True,
        agent_forwarding=False,
        x11_forwarding=False,
        login_timeout=60,
    )


class Listener:
    """The TCP listener of one device; closed while the device is unreachable."""

    def __init__(self, device: LabDevice, options: asyncssh.SSHServerConnectionOptions) -> None:
        self.device = device
        self.options = options
        self._acceptor: asyncssh.SSHAcceptor | None = None

    @property
    def open(self) -> bool:
        return self._acceptor is not None

    async def start(self) -> None:
        if self._acceptor is not None:
            return
        spec = self.device.spec
        try:
            self._acceptor = await asyncssh.listen(
                spec.host,
                spec.port,
                options=self.options,
                server_factory=lambda: LabSSHServer(self.device),
                reuse_address=True,
                backlog=128,
            )
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise LabError(
                    f"port {spec.port} on {spec.host} (device {spec.name!r}) is already in use",
                    hint="stop the other lab (`netwave lab`/`netwave dev`) or use --base-port",
                ) from None
            raise LabError(
                f"cannot listen on {spec.host}:{spec.port} for {spec.name!r}: {exc}"
            ) from None

    async def stop(self) -> None:
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.close()
            await acceptor.wait_closed()

    async def sync(self) -> None:
        """Open or close to match the device's reachability."""
        if self.device.reachable:
            await self.start()
        else:
            await self.stop()
