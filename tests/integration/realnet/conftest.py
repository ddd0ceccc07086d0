"""The realnet (FRR routers in network namespaces) for these tests: up once, down at the end.

Skipped, saying why, when the machine cannot run it (not root, no network namespaces).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings, get_settings
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.realnet.net import (
    TEMPLATES,
    RealNet,
    RealnetUnavailable,
    check_possible,
    clean_stale,
    install_packages,
    new_realnet,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.root)


@pytest.fixture(scope="session")
def realnet() -> Iterator[RealNet]:
    """Three FRR routers with eBGP Established, reachable over SSH; torn down even on failure."""
    try:
        check_possible()
        install_packages()
        check_possible()  # the namespace probe needs iproute2, which may just have arrived
    except RealnetUnavailable as exc:
        pytest.skip(f"realnet: {exc}")
    clean_stale()  # whatever a crashed earlier run left behind
    net = new_realnet()
    try:
        net.start()
        yield net
    finally:
        net.stop()


@pytest.fixture(autouse=True)
def _realnet_first(realnet: RealNet) -> None:
    """Every test here needs the realnet: skip before anything else (Temporal) starts."""


@pytest.fixture
def realnet_settings(
    realnet: RealNet,
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Settings]:
    """Settings on the realnet inventory and secrets, this test's task queues and database."""
    monkeypatch.setenv("NETWAVE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("NETWAVE_SECRETS_PROVIDER", "file")
    monkeypatch.setenv("NETWAVE_SECRETS_FILE", str(realnet.secrets_file))
    monkeypatch.setenv("NETWAVE_INVENTORIES_PATH", str(realnet.inventories_path))
    monkeypatch.setenv("NETWAVE_TEMPLATES_PATH", str(TEMPLATES))
    monkeypatch.setenv("NETWAVE_DEVICE_TIMEOUT", "15")
    get_settings.cache_clear()
    try:
        settings = scoped(get_settings(), temporal_env)
        prepare_local(settings, lab=True)
        yield settings
    finally:
        get_settings.cache_clear()


@pytest_asyncio.fixture
async def running_workers(
    temporal_env: WorkflowEnvironment, realnet_settings: Settings
) -> AsyncIterator[None]:
    """netwave's workers on this test's task queues and database."""
    async with workers(temporal_env.client, realnet_settings):
        yield


@pytest.fixture
def api(realnet_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(realnet_settings)) as client:
        yield client
