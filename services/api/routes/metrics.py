"""Prometheus metrics of the API process: HTTP requests, throttled logins, and gauges read
from the database at scrape time (docs/observability.md).

Unauthenticated, like /healthz: Prometheus scrapes without tokens. It shows counts by tenant
and status, never a secret, a device name or an id; keep the port off the public network or
put the scrape path behind the proxy's own access rule.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from services.observability.metrics import CONTENT_TYPE, exposition

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response, include_in_schema=False)
def prometheus_metrics(request: Request) -> Response:
    """Metrics in Prometheus's text format."""
    return Response(exposition(request.app.state.metrics_registry), media_type=CONTENT_TYPE)
