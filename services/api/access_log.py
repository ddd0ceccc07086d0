"""The access log: one `netwave.access` record per HTTP request, written when it ends.

    client=10.0.0.2 principal=alice "GET /v1/tenants" status=200 duration_ms=3.1

The path is the path alone: never the query string, never a header (the bearer token stays
out of every log). The principal is the authenticated identity's name, which the identity
dependencies leave in `request.state.identity`; "-" when the request was not authenticated.
The same values are on the record as attributes (client, principal, method, path, status,
duration_ms) for structured handlers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.throttle import client_address, printable

access_log = logging.getLogger("netwave.access")

MAX_PATH_CHARS = 1024


class AccessLogMiddleware:
    """Pure ASGI middleware (no response buffering, streaming untouched)."""

    def __init__(self, app: ASGIApp, trusted_proxies: Sequence[str] = ()) -> None:
        self.app = app
        self.trusted_proxies = tuple(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # The dict behind `request.state`: created here so what the route sets is seen here.
        state = scope.setdefault("state", {})
        status: int | None = None

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception:
            status = status or 500  # what the server error middleware answers
            raise
        finally:
            identity = state.get("identity")
            method = printable(str(scope.get("method", "-")))
            path = printable(str(scope.get("path", "")))[:MAX_PATH_CHARS]
            fields = {
                "client": client_address(scope, self.trusted_proxies),
                "principal": printable(str(getattr(identity, "name", None) or "-")),
                "method": method,
                "path": path,
                "status": status if status is not None else "-",
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
            access_log.info(
                'client=%(client)s principal=%(principal)s "%(method)s %(path)s" '
                "status=%(status)s duration_ms=%(duration_ms).1f",
                fields,
                extra=fields,
            )
