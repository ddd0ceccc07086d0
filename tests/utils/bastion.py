"""An SSH jump host on loopback (asyncssh): password login, `direct-tcpip` tunnels to
loopback only, each tunnel recorded."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from ipaddress import ip_address

import asyncssh


@dataclass
class Bastion:
    username: str
    password: str
    port: int = 0
    logins: list[tuple[str, bool]] = field(default_factory=list)
    tunnels: list[tuple[str, int]] = field(default_factory=list)


def _server(bastion: Bastion) -> type[asyncssh.SSHServer]:
    class Server(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return True

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
