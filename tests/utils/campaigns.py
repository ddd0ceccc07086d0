"""Campaigns through the API on the lab: the fixtures (the change flow's settings on the test's
own queues, workers and API, plus campaign tokens) and the helpers that launch one and wait.

Test folders take the fixtures through their conftest.py (`from tests.utils.campaigns import
...`, listed in `__all__`), as tests/integration/fortinet does with the change flow's.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.core.settings import Settings
from tests.integration.change_flow.conftest import api, change_settings, running_workers
from tests.utils.api import bearer, make_token

__all__ = ["api", "campaign_settings", "change_settings", "running_workers", "tokens"]

FINAL = {"completed", "halted", "cancelled", "failed"}
TARGET = "17.9.4a"  # the IOS version spec() upgrades to


@pytest.fixture
def campaign_settings(change_settings: Settings) -> Settings:
    """The change flow's settings (the test's own queues, the lab, prepared): same stack."""
    return change_settings


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
