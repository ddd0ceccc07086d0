"""HTTP request metrics: count and latency by method, route template and status.

The route is the template the request matched (`/v1/tenants/{tenant}/changes/{change_id}`),
never the path itself: a path carries ids and names, one time series each. A request that
matched no route (404, or refused before routing, e.g. 413) is `route="unmatched"`.
"""

from __future__ import annotations

import time

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.observability import metrics
from services.observability.metrics import HttpMetrics

UNMATCHED = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    """The route template the router matched in `scope`, or "unmatched"."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return f"{path}/{{path}}" if isinstance(route, Mount) else path


class HttpMetricsMiddleware:
    """Pure ASGI middleware; reads the route the router leaves in the scope once it answered."""

    def __init__(self, app: ASGIApp, recorded: HttpMetrics | None = None) -> None:
        self.app = app
        self.recorded = recorded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server error middleware answers when the app raises

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = str(scope.get("method", ""))
            method = method if method in KNOWN_METHODS else "other"  # a bounded label
            route = route_template(scope)
            recorded = self.recorded or metrics.http()
            recorded.requests.labels(method, route, str(status)).inc()
            recorded.duration.labels(method, route).observe(time.perf_counter() - started)
