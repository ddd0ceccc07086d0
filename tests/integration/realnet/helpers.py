"""Shared by the realnet tests: logins, running a change through the API, startup configs."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi.testclient import TestClient

from services.core.secrets import Credential, FileSecretsProvider
from services.core.settings import Settings
from services.network.inventory import Device
from services.store.db import get_engine, make_session_factory
from services.store.repos import host_keys as host_key_repo
from tests.realnet.net import FRR_ETC, RealNet
from tests.realnet.topology import TENANT, router
from tests.utils.api import bearer, make_token

FINAL = {"verified", "rolled_back", "failed", "rejected", "expired"}
CHANGED = "rt1"  # the edge router of SITE_OF_CHANGE
TIMEOUT = 15.0


def login(net: RealNet, name: str) -> tuple[Device, Credential]:
    device = net.device(name)
    return device, FileSecretsProvider(net.secrets_file).resolve(device.credential)


async def submit_and_run(
    api: TestClient, settings: Settings, body: dict[str, Any], timeout: float = 90
) -> dict[str, Any]:
    """Submit a change as the tenant, open its window as an admin, wait for its final status."""
    tenant = bearer(make_token(settings, "tenant", tenant=TENANT))
    admin = bearer(make_token(settings, "admin"))
    created = await asyncio.to_thread(
        lambda: api.post(f"/v1/tenants/{TENANT}/changes", json=body, headers=tenant)
    )
    assert created.status_code == 201, created.text
    path = f"/v1/tenants/{TENANT}/changes/{created.json()['change']['id']}"
    await wait_status(api, path, tenant, {"scheduled"}, timeout)
    opened = await asyncio.to_thread(
        lambda: api.post(f"{path}/override-window", json={"reason": "realnet"}, headers=admin)
    )
    assert opened.status_code == 200, opened.text
    return await wait_status(api, path, tenant, FINAL, timeout)


async def wait_status(
    api: TestClient, path: str, headers: dict[str, str], wanted: set[str], timeout: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        doc: dict[str, Any] = await asyncio.to_thread(lambda: api.get(path, headers=headers).json())
        if doc["change"]["status"] in wanted:
            return doc
        assert time.monotonic() < deadline, f"still {doc['change']['status']}, wanted {wanted}"
        await asyncio.sleep(0.3)


def record_router_keys(settings: Settings, net: RealNet) -> None:
    """The routers' host keys recorded in the database as read on the routers themselves
    (for tests that run activities without the trust workflow)."""
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions.begin() as session:
        for name in net.names:
            host_key_repo.record_key(
                session,
                tenant=TENANT,
                role="device",
                host=name,
                address=net.device(name).hostname,
                key=net.host_key(name),
                actor="realnet",
                replace=False,
            )


def startup_config(name: str) -> tuple[bytes, int]:
    """The router's startup config (the integrated frr.conf `write memory` writes, in its FRR
    pathspace's folder: vtysh's `show startup-config` prints nothing for a `-N` instance) and
    its modification time."""
    path = FRR_ETC / router(name).netns / "frr.conf"
    return path.read_bytes(), path.stat().st_mtime_ns
