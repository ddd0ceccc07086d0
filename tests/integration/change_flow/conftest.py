"""Fixtures of the change flow tests: settings on the test's own queues, workers, API, tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.utils.api import bearer, make_token


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
    return {
        "acme": bearer(make_token(change_settings, "tenant", tenant="acme")),
        "globex": bearer(make_token(change_settings, "tenant", tenant="globex")),
        "approver": bearer(make_token(change_settings, "approver")),
        "admin": bearer(make_token(change_settings, "admin")),
    }
