"""GET /metrics on the API: HTTP requests by route template (never the raw path), unmatched
paths, requests the auth throttle answered 429, and the database gauges; no token needed.

The process-wide registry is shared with every other test in this process: the tests read the
difference their own requests made, or give the middleware a registry of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from services.api.http_metrics import HttpMetricsMiddleware
from services.api.main import create_app
from services.api.throttle import AuthThrottle
from services.core.settings import Settings
from services.observability.metrics import HttpMetrics
from tests.utils.api import bearer

BAD_TOKEN = bearer("nw_000000000000_" + "s" * 43)


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _requests(registry: CollectorRegistry, method: str, route: str, status: str) -> float:
    labels = {"method": method, "route": route, "status": status}
    return registry.get_sample_value("netwave_http_requests_total", labels) or 0.0


@pytest.fixture
def small_app() -> tuple[TestClient, CollectorRegistry]:
    registry = CollectorRegistry()
    app = FastAPI()

    @app.get("/v1/tenants/{tenant}/changes/{change_id}")
    def change(tenant: str, change_id: str) -> dict[str, str]:
        if change_id == "missing":
            raise HTTPException(404, "no such change")
        return {"id": change_id}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("bug")

    app.add_middleware(HttpMetricsMiddleware, recorded=HttpMetrics.create(registry))
    return TestClient(app, raise_server_exceptions=False), registry


def test_requests_are_counted_by_route_template_never_by_path(
    small_app: tuple[TestClient, CollectorRegistry],
) -> None:
    client, registry = small_app
    for change_id in ("c-1", "c-2", "missing"):
        client.get(f"/v1/tenants/acme/changes/{change_id}")
    client.post("/v1/tenants/acme/changes/c-1")
    client.get("/no/such/path/c-1")
    client.get("/boom")

    route = "/v1/tenants/{tenant}/changes/{change_id}"
    assert _requests(registry, "GET", route, "200") == 2
    assert _requests(registry, "GET", route, "404") == 1
    assert _requests(registry, "POST", route, "405") == 1
    assert _requests(registry, "GET", "unmatched", "404") == 1
    assert _requests(registry, "GET", "/boom", "500") == 1
    count = registry.get_sample_value(
        "netwave_http_request_duration_seconds_count", {"method": "GET", "route": route}
    )
    assert count == 3
    # The raw path's ids and names are in no label.
    seen = {v for m in registry.collect() for sample in m.samples for v in sample.labels.values()}
    assert not {"c-1", "c-2", "acme", "/no/such/path/c-1"} & seen


def test_a_strange_method_is_one_bounded_label(
    small_app: tuple[TestClient, CollectorRegistry],
) -> None:
    client, registry = small_app
    client.request("BREW", "/boom")
    assert _requests(registry, "other", "/boom", "405") == 1


@pytest.fixture
def api(api_settings: Settings) -> Iterator[TestClient]:
    app = create_app(api_settings)
    app.state.netwave.throttle = AuthThrottle(burst=1, window_seconds=3600, clock=lambda: 0.0)
    with TestClient(app) as client:
        yield client


def test_metrics_need_no_token_and_show_http_throttle_and_database_gauges(
    api: TestClient,
) -> None:
    before_401 = _requests(REGISTRY, "GET", "/v1/tenants", "401")
    before_429 = _requests(REGISTRY, "GET", "/v1/tenants", "429")
    throttled = REGISTRY.get_sample_value("netwave_auth_throttled_total") or 0.0

    assert api.get("/v1/tenants", headers=BAD_TOKEN).status_code == 401  # takes the one attempt
    for _ in range(3):
        assert api.get("/v1/tenants", headers=BAD_TOKEN).status_code == 429

    answer = api.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    seen = _samples(answer.text)

    def value(name: str, **labels: str) -> float:
        return seen[(name, frozenset(labels.items()))]

    route = {"method": "GET", "route": "/v1/tenants"}
    assert value("netwave_http_requests_total", **route, status="401") == before_401 + 1
    assert value("netwave_http_requests_total", **route, status="429") == before_429 + 3
    assert value("netwave_auth_throttled_total") == throttled + 3
    # The shipped inventories' tenants, with nothing recorded yet.
    assert value("netwave_changes", tenant="acme", status="verified") == 0
    assert value("netwave_change_approval_wait_seconds", tenant="acme") == 0
    assert value("netwave_campaigns", status="running") == 0
    assert value("netwave_campaign_devices", state="running") == 0
    assert "/metrics" not in api.get("/openapi.json").json()["paths"]
