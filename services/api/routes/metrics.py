"""Prometheus metrics of the API process: HTTP requests, throttled logins, and gauges read
from the database at scrape time (docs/observability.md).

Not open to anyone: the gauges carry tenant names and compliance scores, and tenants reach
this API. With `NETWAVE_METRICS_TOKEN` set, a scrape sends it as a bearer token (Prometheus's
`authorization` with a `credentials_file`); without it, only a caller on loopback (the client
address as `NETWAVE_TRUSTED_PROXIES` resolves it) may read the metrics. The scrape token is not
an API token: it opens /metrics and nothing else. A wrong one counts against the caller's
address like a wrong API token (the auth-failure throttle).
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Depends, HTTPException, Request, Response

from services.api.deps import authentication_failed, refuse_throttled
from services.api.throttle import client_address
from services.core.settings import Settings
from services.observability.metrics import CONTENT_TYPE, exposition

router = APIRouter(tags=["health"])

NO_TOKEN = HTTPException(
    401,
    "GET /metrics needs the scrape token (NETWAVE_METRICS_TOKEN) as a bearer token",
    headers={"WWW-Authenticate": "Bearer"},
)
NOT_LOOPBACK = HTTPException(
    403,
    "GET /metrics answers only on loopback until NETWAVE_METRICS_TOKEN is set; "
    "set it and give Prometheus the same token",
)


def _on_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # "testclient", "unknown": not an address, so not loopback
        return False


def check_scraper(request: Request, settings: Settings) -> None:
    """401/403 unless the caller may read the metrics (see the module's docstring)."""
    token = settings.metrics_token.get_secret_value()
    if not token:
        if not _on_loopback(client_address(request.scope, settings.trusted_proxies)):
            raise NOT_LOOPBACK
        return
    scheme, _, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        authentication_failed(request, "wrong or missing metrics scrape token")  # throttled too
        raise NO_TOKEN


@router.get(
    "/metrics",
    response_class=Response,
    include_in_schema=False,
    dependencies=[Depends(refuse_throttled)],
)
def prometheus_metrics(request: Request) -> Response:
    """Metrics in Prometheus's text format."""
    check_scraper(request, request.app.state.netwave.settings)
    return Response(exposition(request.app.state.metrics_registry), media_type=CONTENT_TYPE)
