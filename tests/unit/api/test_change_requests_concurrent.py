"""Two change requests at once on one API process: neither holds the database (SQLite's write
lock) while it waits for Temporal, so the second is not stuck behind the first."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest

from services.api.main import create_app
from services.api.state import AppState
from services.core.settings import Settings
from tests.utils.api import bearer, make_token

BUSY_TIMEOUT_MS = 3000
BARRIER_SECONDS = 10  # a bound for the locked-out case, never reached when the code is right


async def test_requests_waiting_for_temporal_do_not_lock_each_other_out(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Temporal answers (503) only once both requests are waiting for it: a request that held
    # the write lock while waiting would keep the other out of Temporal until its busy timeout.
    both_waiting = asyncio.Barrier(2)

    async def slow_temporal(self: AppState) -> object:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(BARRIER_SECONDS):
                await both_waiting.wait()
        raise ConnectionError("Temporal is down")

    monkeypatch.setattr(AppState, "temporal", slow_temporal)
    # A busy timeout shorter than the barrier's, far above a write's time on a loaded machine
    # (a 200 ms timeout failed a first run of make test while apt installed chromium).
    monkeypatch.setattr("services.store.db.SQLITE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)
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
