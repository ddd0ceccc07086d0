"""An SSH jump host on loopback (asyncssh): password login, `direct-tcpip` tunnels to
loopback only, each tunnel recorded. With its own host key and a record of every
authentication a client began, it is also the rogue server of the host-key tests."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from ipaddress import ip_address

import asyncssh

from services.lab.server import public_key_line
from services.network.host_keys import HostKey


@dataclass
class Bastion:
    username: str
    password: str
    port: int = 0
    host_key: HostKey | None = None
    # Every user name a client began to authenticate as, and every password or key offered.
    auth_requests: list[str] = field(default_factory=list)
    offered_keys: list[str] = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)
    tunnels: list[tuple[str, int]] = field(default_factory=list)


def _server(bastion: Bastion) -> type[asyncssh.SSHServer]:
    class Server(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            bastion.auth_requests.append(username)
            return True

        def public_key_auth_supported(self) -> bool:
            return True

        def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
            bastion.offered_keys.append(username)
            return False

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            ok = (username, password) == (bastion.username, bastion.password)
            bastion.logins.append((username, ok))
            return ok

        def connection_requested(
            self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
        ) -> bool:
            if not ip_address(dest_host).is_loopback:  # tests stay on loopback
                return False
            bastion.tunnels.append((dest_host, dest_port))
            return True

    return Server


@contextmanager
def bastion(username: str = "jump", password: str = "jump-pass") -> Iterator[Bastion]:
    """A running jump host; its port is set once it listens."""
    state = Bastion(username, password)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, asyncssh.SSHAcceptor] = {}

    async def start() -> None:
        key = asyncssh.generate_private_key("ssh-ed25519")
        acceptor = await asyncssh.create_server(
            _server(state), "127.0.0.1", 0, server_host_keys=[key]
        )
        holder["acceptor"] = acceptor
        state.host_key = HostKey.parse(public_key_line(key))
        state.port = acceptor.sockets[0].getsockname()[1]
        ready.set()

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=10)
    ready.wait(10)
    try:
        yield state
    finally:

        async def stop() -> None:
            holder["acceptor"].close()
            await holder["acceptor"].wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
