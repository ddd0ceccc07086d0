"""Two change requests at once on one API process: neither holds the database (SQLite's write
lock) while it waits for Temporal, so the second is not stuck behind the first."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from services.api.main import create_app
from services.api.state import AppState
from services.core.settings import Settings
from tests.utils.api import bearer, make_token


async def test_requests_waiting_for_temporal_do_not_lock_each_other_out(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow_temporal(self: AppState) -> object:
        await asyncio.sleep(0.5)  # a slow Temporal connection; the request then answers 503
        raise ConnectionError("Temporal is down")

    monkeypatch.setattr(AppState, "temporal", slow_temporal)
    # A busy timeout shorter than the wait: a request stuck behind another's lock fails.
    monkeypatch.setattr("services.store.db.SQLITE_BUSY_TIMEOUT_MS", 200)
    app = create_app(settings)
    headers = bearer(make_token(settings, "tenant", tenant="acme"))
    bodies = [
        {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 60},
        {"kind": "qos_profile", "site": "hq", "profile": "standard"},
    ]
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://api") as client,
    ):
        replies = await asyncio.gather(
            *(client.post("/v1/tenants/acme/changes", json=b, headers=headers) for b in bodies)
        )
    assert [r.status_code for r in replies] == [503, 503], [r.text for r in replies]
