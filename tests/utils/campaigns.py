"""Campaigns through the API on the lab: the fixtures (settings on the test's own queues, the
workers, the API, tokens) and the helpers that launch one and wait for it.

Test folders take the fixtures through their conftest.py (`from tests.utils.campaigns import
...`, listed in `__all__`), as tests/integration/fortinet does with the change flow's.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.utils.api import bearer, make_token

FINAL = {"completed", "halted", "cancelled", "failed"}
TARGET = "17.9.4a"  # the IOS version spec() upgrades to


@pytest.fixture
def campaign_settings(lab_settings: Settings, temporal_env: WorkflowEnvironment) -> Settings:
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    return settings


@pytest_asyncio.fixture
async def running_workers(
    temporal_env: WorkflowEnvironment, campaign_settings: Settings
) -> AsyncIterator[None]:
    async with workers(temporal_env.client, campaign_settings):
        yield


@pytest.fixture
def api(campaign_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(campaign_settings)) as client:
        yield client


@pytest.fixture
def tokens(campaign_settings: Settings) -> dict[str, dict[str, str]]:
    return {
        "engineer": bearer(make_token(campaign_settings, "engineer")),
        "approver": bearer(make_token(campaign_settings, "approver")),
        "admin": bearer(make_token(campaign_settings, "admin")),
        "acme": bearer(make_token(campaign_settings, "tenant", tenant="acme")),
    }


def spec(**overrides: Any) -> dict[str, Any]:
    """An IOS upgrade campaign; `overrides` replace keys, or merge into the dict ones."""
    body: dict[str, Any] = {
        "name": "ios-17-9",
        "kind": "os_upgrade",
        "targets": {"platforms": ["cisco_ios"]},
        "target_versions": {"cisco_ios": TARGET},
        "strategy": {"canary_size": 1, "wave_size": 3, "max_concurrency": 3},
        "respect_windows": False,
        "reload_timeout_seconds": 20,
        "post_check": {"settle_seconds": 3},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(body.get(key), dict):
            body[key] = {**body[key], **value}
        else:
            body[key] = value
    return body


async def call(api: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    return await asyncio.to_thread(lambda: api.request(method, path, **kwargs))


async def launch(api: TestClient, headers: dict[str, str], body: dict[str, Any]) -> str:
    response = await call(api, "POST", "/v1/campaigns", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["campaign"]["id"])


async def wait_for(
    api: TestClient,
    campaign_id: str,
    headers: dict[str, str],
    done: Any,
    timeout: float = 120,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = await call(api, "GET", f"/v1/campaigns/{campaign_id}", headers=headers)
        doc: dict[str, Any] = response.json()
        if done(doc):
            return doc
        assert time.monotonic() < deadline, doc["campaign"]["status"]
        await asyncio.sleep(0.3)


def finished(doc: dict[str, Any]) -> bool:
    return doc["campaign"]["status"] in FINAL


def statuses(doc: dict[str, Any]) -> dict[str, str]:
    return {d["device"]: d["status"] for d in doc["devices"]}
