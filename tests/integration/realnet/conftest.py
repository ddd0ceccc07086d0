"""The realnet (FRR routers in network namespaces) for these tests: up once, down at the end.

Skipped, saying why, when the machine cannot run it (not root, no network namespaces); failed
instead when CI is set (tests/utils/requirements.py).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from fastapi.testclient import TestClient
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings, get_settings
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.realnet.net import TEMPLATES, RealNet, new_realnet
from tests.realnet.system import (
    RealnetUnavailable,
    check_possible,
    clean_stale,
    install_packages,
)
from tests.realnet.topology import TENANT
from tests.utils.requirements import require
from workflows.trust.models import TrustInput, TrustReport


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
        require("the realnet (root, network namespaces, FRR)", str(exc))
    clean_stale()  # whatever a crashed earlier run left behind
    net = new_realnet()
    try:
        net.start()
        yield net
    finally:
        net.stop()


@pytest.fixture(autouse=True)
def _realnet_first(realnet: RealNet) -> None:
    """Every test here needs the realnet: skip (or fail, in CI) before anything else
    (Temporal) starts; and every router still takes the test login (RealNet.ensure_logins)."""
    if realnet.up:
        realnet.ensure_logins()


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
        prepare_local(settings)  # no lab: these are real routers
        yield settings
    finally:
        get_settings.cache_clear()


@pytest_asyncio.fixture
async def running_workers(
    temporal_env: WorkflowEnvironment, realnet_settings: Settings, realnet: RealNet
) -> AsyncIterator[None]:
    """netwave's workers on this test's task queues and database, the routers' host keys
    recorded by first contact (and checked against what each router holds)."""
    async with workers(temporal_env.client, realnet_settings):
        await trust_routers(temporal_env.client, realnet_settings, realnet)
        yield


async def trust_routers(client: Client, settings: Settings, net: RealNet) -> None:
    report = await client.execute_workflow(
        "TrustHostKeysWorkflow",
        TrustInput(
            tenant=TENANT, requested_by="realnet", device_task_queue=settings.device_task_queue
        ),
        id=f"trust-realnet-{uuid.uuid4().hex[:8]}",
        task_queue=settings.task_queue,
        result_type=TrustReport,
    )
    assert {h.host: (h.outcome, h.fingerprint) for h in report.hosts} == {
        name: ("new", net.host_key(name).fingerprint) for name in net.names
    }, report


@pytest.fixture
def api(realnet_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(realnet_settings)) as client:
        yield client
