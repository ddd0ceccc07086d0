"""The worker's metrics endpoint: `http://<NETWAVE_METRICS_HOST>:<NETWAVE_METRICS_PORT>/metrics`.

One port per worker shows both netwave's metrics (this process's registry) and the Temporal
SDK's (`runtime.py`). A small threaded HTTP server of the standard library: it answers
Prometheus and nothing else, and never blocks the worker's event loop.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services.observability.metrics import CONTENT_TYPE, exposition
from services.observability.runtime import sdk_metrics

log = logging.getLogger("netwave.metrics")


def worker_metrics() -> bytes:
    """The worker's scrape: netwave's metrics, then the Temporal SDK's."""
    sdk = sdk_metrics()
    return exposition() + (sdk.render() if sdk is not None else b"")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] != "/metrics":
            self.send_error(404, "only /metrics here")
            return
        body = worker_metrics()
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return None  # a scrape every few seconds is not worth a log line


class MetricsServer:
    """The running endpoint; `port` is the bound one (the settings may say 0: any free)."""

    def __init__(self, host: str, port: int) -> None:
        try:
            self._server = ThreadingHTTPServer((host, port), _Handler)
        except OSError as exc:  # the address in use, or not this host's
            raise OSError(
                exc.errno,
                f"cannot serve metrics on {host}:{port} (NETWAVE_METRICS_HOST/_PORT): "
                f"{exc.strerror or exc}",
            ) from None
        self._server.daemon_threads = True
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics-server", daemon=True
        )
        self._thread.start()
        log.info("metrics on http://%s:%d/metrics", host, self.port)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
