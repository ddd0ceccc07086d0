"""GET /metrics on the API: HTTP requests by route template (never the raw path), unmatched
paths, requests the auth throttle answered 429, and the database gauges; who may read them
(loopback without a scrape token, the token's bearer with one).

The process-wide registry is shared with every other test in this process: the tests read the
difference their own requests made, or give the middleware a registry of their own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from services.api.http_metrics import HttpMetricsMiddleware
from services.api.main import create_app
from services.api.throttle import AuthThrottle
from services.core.settings import Settings
from services.observability.metrics import HttpMetrics
from tests.utils.api import bearer

BAD_TOKEN = bearer("nw_000000000000_" + "s" * 43)
LOOPBACK = ("127.0.0.1", 50000)
REMOTE = ("203.0.113.7", 50000)
SCRAPE_TOKEN = "scrape-" + "t" * 40


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
    with TestClient(app, client=LOOPBACK) as client:
        yield client


def test_metrics_on_loopback_show_http_throttle_and_database_gauges(
    api: TestClient,
) -> None:
    before_401 = _requests(REGISTRY, "GET", "/v1/tenants", "401")
    before_429 = _requests(REGISTRY, "GET", "/v1/tenants", "429")
    throttled = REGISTRY.get_sample_value("netwave_auth_throttled_total") or 0.0

    outside = TestClient(api.app, client=REMOTE)  # throttled, while loopback still scrapes
    assert outside.get("/v1/tenants", headers=BAD_TOKEN).status_code == 401  # the one attempt
    for _ in range(3):
        assert outside.get("/v1/tenants", headers=BAD_TOKEN).status_code == 429

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


def test_without_a_scrape_token_only_loopback_reads_the_metrics(api_settings: Settings) -> None:
    """Tenants reach the API: the gauges' tenant names and scores are not theirs to read."""
    app = create_app(api_settings)
    with TestClient(app, client=REMOTE) as remote:
        refused = remote.get("/metrics")
        assert refused.status_code == 403
        assert "NETWAVE_METRICS_TOKEN" in refused.json()["detail"]
        assert "netwave_" not in refused.text
    proxied = create_app(api_settings.model_copy(update={"trusted_proxies": ["127.0.0.0/8"]}))
    with TestClient(proxied, client=LOOPBACK) as via_proxy:
        # A proxy on this host forwards an outside caller: that caller is not on loopback.
        forwarded = via_proxy.get("/metrics", headers={"X-Forwarded-For": REMOTE[0]})
        assert forwarded.status_code == 403
        assert via_proxy.get("/metrics").status_code == 200


def test_with_a_scrape_token_every_caller_must_send_it(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={"metrics_token": SecretStr(SCRAPE_TOKEN)})
    app = create_app(settings)
    with TestClient(app, client=REMOTE) as remote, TestClient(app, client=LOOPBACK) as local:
        assert remote.get("/metrics").status_code == 401
        assert local.get("/metrics").status_code == 401  # the token is asked of loopback too
        wrong = remote.get("/metrics", headers=bearer(SCRAPE_TOKEN + "x"))
        assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
        good = remote.get("/metrics", headers=bearer(SCRAPE_TOKEN))
        assert good.status_code == 200 and "netwave_changes" in good.text
        # The scrape token opens /metrics only: it is no API token.
        assert remote.get("/v1/tenants", headers=bearer(SCRAPE_TOKEN)).status_code == 401


def test_wrong_scrape_tokens_are_throttled_like_wrong_api_tokens(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={"metrics_token": SecretStr(SCRAPE_TOKEN)})
    app = create_app(settings)
    app.state.netwave.throttle = AuthThrottle(burst=2, window_seconds=3600, clock=lambda: 0.0)
    with TestClient(app, client=REMOTE) as remote:
        for _ in range(2):
            assert remote.get("/metrics", headers=bearer("guess")).status_code == 401
        # Throttled now: even the right token waits, as with the API's own tokens.
        assert remote.get("/metrics", headers=bearer(SCRAPE_TOKEN)).status_code == 429
