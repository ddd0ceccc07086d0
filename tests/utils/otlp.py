"""A local OTLP/HTTP receiver on 127.0.0.1 for tests: the trace export requests it was sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span


@dataclass
class Received:
    url: str
    posts: list[tuple[str, str, bytes]] = field(default_factory=list)  # path, type, body

    def requests(self) -> list[ExportTraceServiceRequest]:
        return [ExportTraceServiceRequest.FromString(body) for _, _, body in self.posts]

    def spans(self) -> list[tuple[str, Span]]:
        """Every span received, with its service's name."""
        found = []
        for request in self.requests():
            for resource_spans in request.resource_spans:
                attributes = resource_spans.resource.attributes
                service = next(a.value.string_value for a in attributes if a.key == "service.name")
                for scope in resource_spans.scope_spans:
                    found.extend((service, span) for span in scope.spans)
        return found


def attributes(span: Span) -> dict[str, str]:
    return {a.key: a.value.string_value for a in span.attributes}


@contextmanager
def otlp_receiver() -> Iterator[Received]:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                received.posts.append((self.path, self.headers["Content-Type"], body))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received = Received(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()
