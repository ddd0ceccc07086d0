"""What FRR refuses, through netwave: a remediation refused half-way is rolled back to the
backup with the startup config untouched, and a rollback line FRR refuses is named.

Runs before test_frr_routers.py (file order) and leaves every router as it found it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from ipaddress import ip_interface
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from services.changes.plan import DevicePlan, same_config, sha256
from services.core.secrets import FileSecretsProvider
from services.core.settings import Settings
from services.network.backup import store_running
from services.network.push import fetch_running
from services.store.db import get_engine, make_session_factory
from services.store.repos import changes as change_repo
from tests.integration.audit.test_compliance_audit import audit
from tests.integration.realnet.helpers import (
    CHANGED,
    FINAL,
    TIMEOUT,
    login,
    record_router_keys,
    startup_config,
    wait_status,
)
from tests.realnet.net import RealNet
from tests.realnet.topology import SITE_OF_CHANGE, TENANT, links_of, router
from tests.utils.api import bearer, make_token
from workflows.runbook.activities import RunbookActivities
from workflows.runbook.models import ChangeJob, RunbookInput

BLACKHOLE_AND_NEXT_HOP = "Route cannot have blackhole and non-blackhole nexthops simultaneously"


def static_prefix() -> str:
    return f"203.0.113.{16 * router(CHANGED).index}/28"


def wan_peer_address() -> str:
    (wan_link, *_) = links_of(CHANGED)
    return str(ip_interface(wan_link.address(wan_link.peer(CHANGED))).ip)


@pytest.fixture
def inventory_mistake(realnet: RealNet) -> Iterator[Path]:
    """rt1's inventory gets a second static route for its Null0 prefix, with a next hop: a
    mistake that renders fine and that FRR's staticd refuses when the line arrives."""
    hosts = realnet.inventories_path / TENANT / "hosts.yaml"
    original = hosts.read_text()
    data: dict[str, Any] = yaml.safe_load(original)
    routes = data[CHANGED]["data"]["static_routes"]
    routes.append({"prefix": static_prefix(), "next_hop": wan_peer_address()})
    hosts.write_text(yaml.safe_dump(data, sort_keys=False))
    try:
        yield hosts
    finally:
        hosts.write_text(original)


@pytest.mark.usefixtures("running_workers", "inventory_mistake")
async def test_a_remediation_refused_half_way_is_rolled_back_and_never_saved(
    temporal_env: WorkflowEnvironment,
    api: TestClient,
    realnet: RealNet,
    realnet_settings: Settings,
) -> None:
    device, credential = login(realnet, CHANGED)
    realnet.configure(CHANGED, "log syslog warnings")  # drift that the remediation fixes first
    try:
        before = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
        startup_before = startup_config(CHANGED)
        report = await audit(temporal_env, realnet_settings, TENANT)

        tenant = bearer(make_token(realnet_settings, "tenant", tenant=TENANT))
        approver = bearer(make_token(realnet_settings, "approver"))
        admin = bearer(make_token(realnet_settings, "admin"))
        remediate = (
            f"/v1/tenants/{TENANT}/compliance/reports/{report.report_id}/devices/{CHANGED}"
            "/remediate"
        )
        created = await asyncio.to_thread(lambda: api.post(remediate, headers=tenant))
        assert created.status_code == 201, created.text
        path = f"/v1/tenants/{TENANT}/changes/{created.json()['change']['id']}"
        doc = await wait_status(api, path, tenant, {"awaiting_approval"}, 60)
        refused = f"ip route {static_prefix()} {wan_peer_address()}"
        (plan,) = doc["plan"]["devices"]
        commands = plan["commands"]
        # FRR takes the first line; the route comes later and is refused: half-way.
        assert commands.index("log syslog informational") < commands.index(refused), commands
        decided = await asyncio.to_thread(
            lambda: api.post(f"{path}/approve", json={"comment": "fix"}, headers=approver)
        )
        assert decided.status_code == 200, decided.text
        await wait_status(api, path, tenant, {"scheduled"}, 60)
        opened = await asyncio.to_thread(
            lambda: api.post(f"{path}/override-window", json={"reason": "realnet"}, headers=admin)
        )
        assert opened.status_code == 200, opened.text
        doc = await wait_status(api, path, tenant, FINAL, 90)

        assert doc["change"]["status"] == "rolled_back", doc["change"]
        failure = doc["change"]["failure"]
        assert f"the device refused {refused!r}" in failure, failure
        assert BLACKHOLE_AND_NEXT_HOP in failure, failure
        assert "running config equals the pre-change backup" in failure, failure
        after = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
        assert same_config("frr", after, before)
        assert "log syslog warnings" in after.splitlines()  # the backup's state, drift and all
        assert startup_config(CHANGED) == startup_before  # same bytes, not even rewritten
    finally:
        realnet.configure(CHANGED, "log syslog informational")


async def test_a_rollback_line_frr_refuses_is_named(
    realnet: RealNet, realnet_settings: Settings
) -> None:
    """The rollback step on a real FRR, with a pre-change backup that holds a line FRR refuses
    now (a next hop for a prefix that is blackholed): the line and FRR's reason are named."""
    device, credential = login(realnet, CHANGED)
    running = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    startup_before = startup_config(CHANGED)
    refused = f"ip route {static_prefix()} {wan_peer_address()}"
    backup = running.replace(
        f"ip route {static_prefix()} Null0\n", f"ip route {static_prefix()} Null0\n{refused}\n"
    )
    assert refused in backup
    record_router_keys(realnet_settings, realnet)
    sessions = make_session_factory(get_engine(realnet_settings.database_url))
    plan = DevicePlan(
        device=CHANGED,
        platform="frr",
        features=["static_routes"],
        sections=[refused],
        commands=[],
        rollback=[],
        diff="",
        intended_hash="",
        running_hash="",
        future_hash="",
    )
    with sessions.begin() as session:
        change, _ = change_repo.create_change(
            session,
            tenant=TENANT,
            site=SITE_OF_CHANGE,
            kind="remediation",
            params={"kind": "remediation"},
            requested_by="realnet",
        )
        stored = store_running(
            session, tenant=TENANT, device=CHANGED, platform="frr", running=backup, run_id="x"
        )
        change_repo.link_backup(
            session,
            tenant=TENANT,
            change_id=change.id,
            device=CHANGED,
            backup_version=stored.version,
        )
        documents = [plan.model_dump(mode="json")]
        change_repo.add_plan(
            session,
            tenant=TENANT,
            change_id=change.id,
            devices=documents,
            plan_hash=sha256(str(documents)),
        )
    activities = RunbookActivities(
        realnet_settings, sessions, FileSecretsProvider(realnet.secrets_file)
    )
    request = RunbookInput(job=ChangeJob(change_id=change.id), tenant=TENANT, device=CHANGED)
    step = await asyncio.to_thread(ActivityEnvironment().run, activities.device_restore, request)
    assert not step.ok, step
    assert f"rollback incomplete; lines left over: {refused}" in step.detail, step.detail
    assert f"the device refused {refused!r}" in step.detail, step.detail
    assert BLACKHOLE_AND_NEXT_HOP in step.detail, step.detail
    after = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    assert after == running  # nothing applied, nothing saved
    assert startup_config(CHANGED) == startup_before
