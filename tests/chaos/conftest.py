"""The chaos runs' settings and API, and the summary last whatever the order of collection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from tests.integration.backup.test_fleet_backup import scoped
from tests.utils.temporal import TEST_HEARTBEAT_SECONDS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`test_chaos_summary` reads what every other chaos test counted: it runs after them."""
    items.sort(key=lambda item: item.name == "test_chaos_summary")


@pytest.fixture
def chaos_settings(lab_settings: Settings, temporal_env: WorkflowEnvironment) -> Settings:
    settings = scoped(lab_settings, temporal_env).model_copy(
        update={"heartbeat_timeout_seconds": TEST_HEARTBEAT_SECONDS}
    )
    prepare_local(settings, lab=True)
    return settings


@pytest.fixture
def api(chaos_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(chaos_settings)) as client:
        yield client
