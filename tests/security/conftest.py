"""Two set-ups: the API in-process on scratch settings (Temporal unreachable) over a seeded
two-tenant world; and the API with a real Temporal dev server, workers and the lab (the same
seeded world on it: `live_world`, `live_app`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from fastapi import FastAPI
from fastapi.testclient import TestClient
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.security.world import World, build_world
from tests.utils.api import bearer, make_token
from workflows.audit.schedules import schedule_id


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    # Nothing listens on port 1: routes that need Temporal answer 503 at once. The matrix
    # sends hundreds of bad tokens from one address on purpose: no throttling here (it has
    # its own tests in tests/unit/api/test_throttle_and_access_log.py).
    return settings.model_copy(
        update={"temporal_address": "127.0.0.1:1", "auth_failure_burst": 100_000}
    )


@pytest.fixture
def world(api_settings: Settings) -> World:
    return build_world(api_settings)


@pytest.fixture
def app(api_settings: Settings, world: World) -> FastAPI:
    return create_app(api_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # raise_server_exceptions=False: an unhandled error must show up as the 500 a user gets.
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# --- with Temporal, a worker and the lab ---------------------------------------------------


@pytest.fixture
def change_settings(lab_settings: Settings, temporal_env: WorkflowEnvironment) -> Settings:
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    return settings


@pytest_asyncio.fixture
async def running_workers(
    temporal_env: WorkflowEnvironment, change_settings: Settings
) -> AsyncIterator[None]:
    async with workers(temporal_env.client, change_settings):
        yield


@pytest.fixture
def api(change_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(change_settings)) as client:
        yield client


@pytest.fixture
def tokens(change_settings: Settings) -> dict[str, dict[str, str]]:
    roles = {
        "acme": ("tenant", "acme"),
        "globex": ("tenant", "globex"),
        "globex-2": ("tenant", "globex"),
        "engineer": ("engineer", None),
        "approver": ("approver", None),
        "approver-2": ("approver", None),
        "admin": ("admin", None),
    }
    return {
        name: bearer(make_token(change_settings, role, tenant=tenant))
        for name, (role, tenant) in roles.items()
    }


@pytest.fixture
def live_settings(change_settings: Settings) -> Settings:
    """The real Temporal dev server and the lab, with no auth throttling (see api_settings)."""
    return change_settings.model_copy(update={"auth_failure_burst": 100_000})


@pytest.fixture
def live_world(live_settings: Settings) -> World:
    return build_world(live_settings)


@pytest.fixture
def live_app(live_settings: Settings, live_world: World) -> FastAPI:
    return create_app(live_settings)


@pytest_asyncio.fixture
async def audit_schedules_removed(temporal_env: WorkflowEnvironment) -> AsyncIterator[None]:
    """Audit schedules are per tenant on the session's one Temporal server: a test that sets
    them through the API leaves none behind (paused, or firing on its task queue)."""
    yield
    for tenant in ("acme", "globex"):
        with contextlib.suppress(RPCError):
            await temporal_env.client.get_schedule_handle(schedule_id(tenant)).delete()
