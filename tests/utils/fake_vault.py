"""A Vault KV version 2 server on loopback, enough of its HTTP API for hvac's reads and lists."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeVault:
    token: str
    mount: str = "secret"
    secrets: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> data
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    url: str = ""


def _handler(vault: FakeVault) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _route(self, method: str) -> None:
            path = self.path.split("?", 1)[0]
            vault.requests.append((method, path))
            if self.headers.get("X-Vault-Token") != vault.token:
                self._answer(403, {"errors": ["permission denied"]})
                return
            data_prefix = f"/v1/{vault.mount}/data/"
            meta_prefix = f"/v1/{vault.mount}/metadata/"
            if method == "GET" and path.startswith(data_prefix):
                secret = vault.secrets.get(path[len(data_prefix) :])
                if secret is None:
                    self._answer(404, {"errors": []})
                    return
                meta = {"version": 1, "deletion_time": "", "destroyed": False}
                self._answer(200, {"data": {"data": secret, "metadata": meta}})
                return
            if method == "LIST" and path.startswith(meta_prefix):
                folder = path[len(meta_prefix) :].strip("/") + "/"
                keys = sorted(
                    {p[len(folder) :].split("/")[0] for p in vault.secrets if p.startswith(folder)}
                )
                self._answer(200 if keys else 404, {"data": {"keys": keys}} if keys else {})
                return
            self._answer(404, {"errors": []})

        def do_GET(self) -> None:
            self._route("GET")

        def do_LIST(self) -> None:
            self._route("LIST")

    return Handler


@contextmanager
def fake_vault(token: str = "s.netwave-test") -> Iterator[FakeVault]:
    vault = FakeVault(token=token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(vault))
    vault.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield vault
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
