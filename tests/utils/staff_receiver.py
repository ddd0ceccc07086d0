"""A staff notification target for tests: a generic webhook on 127.0.0.1 that records each
POST with whether its X-Netwave-Signature verifies with `secret`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from services.changes.webhooks import SIGNATURE_HEADER, verify_signature


class StaffReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, secret: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.secret = secret
        self.answers: list[int] = []  # statuses to answer first, in order; then 200
        self.received: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @property
    def json_url(self) -> str:
        """The apprise URL of this receiver (json:// is http://)."""
        return f"json://127.0.0.1:{self.server_address[1]}/hooks/staff"

    def record(self, entry: dict[str, Any]) -> int:
        with self._lock:
            self.received.append(entry)
            return self.answers.pop(0) if self.answers else 200

    def events(self) -> list[str]:
        with self._lock:
            return [str(r["json"].get("event")) for r in self.received]

    def wait_for(self, event: str, timeout: float = 60.0) -> dict[str, Any]:
        """The first message of `event`, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for entry in self.received:
                    if entry["json"].get("event") == event:
                        return entry
            time.sleep(0.1)
        raise AssertionError(f"no {event} message within {timeout} s; got {self.events()}")


class _Handler(BaseHTTPRequestHandler):
    server: StaffReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        entry = {
            "body": body,
            "json": json.loads(body),
            "headers": dict(self.headers),
            "path": self.path,
            "valid": verify_signature(body, self.server.secret, self.headers[SIGNATURE_HEADER]),
        }
        self.send_response(self.server.record(entry))
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextmanager
def staff_receiver(secret: str) -> Iterator[StaffReceiver]:
    server = StaffReceiver(secret)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
