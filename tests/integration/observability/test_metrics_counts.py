"""Issue #23's acceptance test for metrics: a backup, an audit, a change and a small campaign on
the lab, then the API's /metrics and the worker's metrics port are scraped and their counters
must equal what happened: the lab's own record of logins per platform and tenant, the changes
verified, the devices upgraded, and the Temporal SDK's workflows completed on this test's queue.

The worker runs in this process on a client of netwave's own runtime (its SDK metrics on), and
serves its metrics on a free port as `netwave worker` does. The process-wide registry may hold
counts of earlier tests: the worker's counters are compared as the difference this test made.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from services.api.main import create_app
from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.core.temporal import connect
from services.network.inventory import Device, load_all
from services.observability.server import MetricsServer
from tests.integration.audit.test_compliance_audit import results
from tests.integration.backup.test_fleet_backup import run_backup, scoped, workers
from tests.integration.change_flow.test_change_workflow import apply_in_an_opened_window
from tests.utils.api import bearer, make_token
from tests.utils.campaigns import finished, launch, spec, wait_for
from tests.utils.lab import ThreadedLab
from workflows.audit.models import AuditInput, AuditResult
from workflows.audit.workflow import ComplianceAuditWorkflow

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
BACKUP_TENANT = "globex"
REFUSED = "globex-par-r1"  # refuses the backup's login
AUDIT_TENANT = "acme"
CAMPAIGN_TENANT = "initech"
SCRAPE_TOKEN = "scrape-" + "m" * 40  # the API's /metrics asks it (NETWAVE_METRICS_TOKEN)


def parse(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name` over the samples that carry `labels` (and any others)."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= have)


def delta(after: Samples, before: Samples, name: str, **labels: str) -> float:
    return total(after, name, **labels) - total(before, name, **labels)


def lab_logins(lab: ThreadedLab, fleet: dict[str, Device]) -> Counter[tuple[str, str, bool]]:
    """(platform, tenant, succeeded) -> logins the lab's devices recorded since their reset."""
    counted: Counter[tuple[str, str, bool]] = Counter()
    for name in lab.names:
        device = fleet[name]
        for login in lab.record(name).logins:
            counted[(device.platform, device.tenant, login.success)] += 1
    return counted


@pytest.fixture
def settings_with_metrics(lab_settings: Settings, temporal_env: WorkflowEnvironment) -> Settings:
    settings = scoped(lab_settings, temporal_env).model_copy(
        update={"metrics_port": 0, "metrics_token": SecretStr(SCRAPE_TOKEN)}
    )
    prepare_local(settings, lab=True)
    return settings


@pytest.fixture
def worker_endpoint() -> Iterator[MetricsServer]:
    server = MetricsServer("127.0.0.1", 0)
    yield server
    server.close()


@pytest.fixture
def api(settings_with_metrics: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings_with_metrics)) as client:
        yield client


async def scrape(url: str) -> Samples:
    async with httpx.AsyncClient() as client:
        answer = await client.get(url, timeout=10)
    assert answer.status_code == 200
    return parse(answer.text)


async def run_everything(
    client: Client, settings: Settings, api: TestClient, lab: ThreadedLab
) -> dict[str, Any]:
    """The backup (one refused login), the audit, the change and the campaign, in turn."""
    tokens = {
        "acme": bearer(make_token(settings, "tenant", tenant="acme")),
        "admin": bearer(make_token(settings, "admin")),
    }
    lab.set_fault(REFUSED, auth_failure=True)
    backup = await run_backup(client, settings, tenants=[BACKUP_TENANT])
    lab.set_fault(REFUSED, auth_failure=False)
    audited = await audit_on(client, settings)
    change = await apply_in_an_opened_window(
        api, tokens, {"kind": "wan_bandwidth", "site": "branch1", "bandwidth_mbps": 80}
    )
    body = spec(targets={"tenants": [CAMPAIGN_TENANT], "platforms": ["cisco_ios"]})
    campaign_id = await launch(api, tokens["admin"], body)
    campaign = await wait_for(api, campaign_id, tokens["admin"], finished)
    return {"backup": backup, "audit": audited, "change": change, "campaign": campaign}


async def audit_on(client: Client, settings: Settings) -> AuditResult:
    return await client.execute_workflow(
        ComplianceAuditWorkflow.run,
        AuditInput(tenant=AUDIT_TENANT, device_task_queue=settings.device_task_queue),
        id=f"audit-{uuid.uuid4().hex[:8]}",
        task_queue=settings.task_queue,
        result_type=AuditResult,
    )


async def test_scraped_counters_equal_what_happened_on_the_lab(
    settings_with_metrics: Settings,
    worker_endpoint: MetricsServer,
    api: TestClient,
    lab: ThreadedLab,
) -> None:
    settings = settings_with_metrics
    fleet = {
        d.name: d for t in load_all(settings.inventories_path).values() for d in t.devices.values()
    }
    client = await connect(settings)  # netwave's runtime: the SDK's metrics recorded
    before = await scrape(worker_endpoint.url)
    lab.reset_records()
    async with workers(client, settings):
        done = await run_everything(client, settings, api, lab)
    after = await scrape(worker_endpoint.url)

    # What happened, by the lab's and the API's account.
    assert done["backup"].counts == {"backed_up": len(done["backup"].devices) - 1, "auth_failed": 1}
    assert done["change"]["change"]["status"] == "verified", done["change"]["change"]
    assert done["campaign"]["campaign"]["status"] == "completed", done["campaign"]["campaign"]
    upgraded = [d["device"] for d in done["campaign"]["devices"] if d["status"] == "upgraded"]
    assert len(upgraded) == 2

    # Device sessions: every login the lab saw, by platform and tenant, and nothing more.
    logins = lab_logins(lab, fleet)
    assert logins, "the lab saw no login"
    pairs = {(d.platform, d.tenant) for d in fleet.values()}
    for platform, tenant in sorted(pairs):
        where = {"platform": platform, "tenant": tenant}
        ok = delta(after, before, "netwave_device_sessions_total", **where, outcome="ok")
        refused = delta(
            after, before, "netwave_device_sessions_total", **where, outcome="auth_failed"
        )
        assert (platform, tenant, ok) == (platform, tenant, logins[(platform, tenant, True)])
        assert refused == logins[(platform, tenant, False)]
        opened = delta(after, before, "netwave_device_session_duration_seconds_count", **where)
        assert opened <= ok  # timed when closed (a reload's session is cut, never closed)
    refused_platform = fleet[REFUSED].platform
    assert logins[(refused_platform, BACKUP_TENANT, False)] == 1

    # Pushes, changes, audits and campaign devices.
    changed = fleet["acme-branch1-r1"]
    pushed = {"platform": changed.platform, "tenant": "acme"}
    assert delta(after, before, "netwave_pushes_total", **pushed, outcome="ok") == 1
    assert delta(after, before, "netwave_pushes_total") == 1
    assert delta(after, before, "netwave_rollbacks_total") == 0
    assert delta(after, before, "netwave_host_key_mismatches_total") == 0
    verified = {"tenant": "acme", "status": "verified"}
    assert delta(after, before, "netwave_changes_finished_total", **verified) == 1
    assert delta(after, before, "netwave_changes_finished_total") == 1
    assert delta(after, before, "netwave_campaign_devices_finished_total", state="upgraded") == 2
    assert delta(after, before, "netwave_campaign_devices_finished_total") == 2
    assert delta(after, before, "netwave_audit_duration_seconds_count", tenant=AUDIT_TENANT) == 1

    # The Temporal SDK's own metrics, on the same port: this test's queue is its own.
    queue = {"task_queue": settings.task_queue}
    for workflow_type in ("FleetBackupWorkflow", "ComplianceAuditWorkflow", "ChangeWorkflow"):
        completed = total(
            after, "temporal_workflow_completed_total", **queue, workflow_type=workflow_type
        )
        assert completed == 1, workflow_type
    assert (
        total(after, "temporal_workflow_completed_total", **queue, workflow_type="CampaignWorkflow")
        == 1
    )
    assert (
        total(
            after, "temporal_activity_execution_failed_total", task_queue=settings.device_task_queue
        )
        == 0
    )

    # The API's gauges, from this test's own database.
    answer = await asyncio.to_thread(api.get, "/metrics", headers=bearer(SCRAPE_TOKEN))
    assert answer.status_code == 200, answer.text
    gauges = parse(answer.text)
    assert total(gauges, "netwave_changes", tenant="acme", status="verified") == 1
    assert total(gauges, "netwave_changes") == 1
    assert total(gauges, "netwave_campaigns", status="completed") == 1
    assert total(gauges, "netwave_campaign_devices") == 0  # its campaign finished
    assert total(gauges, "netwave_change_approval_wait_seconds") == 0
    scores = {
        dict(labels)["feature"]: value
        for (name, labels), value in gauges.items()
        if name == "netwave_compliance_score_ratio" and dict(labels)["tenant"] == AUDIT_TENANT
    }
    assessed: Counter[str] = Counter()
    compliant: Counter[str] = Counter()
    for result in results(settings, AUDIT_TENANT, done["audit"].report_id).values():
        for feature in result.get("features", []):  # type: ignore[attr-defined]
            assessed[feature["feature"]] += 1
            compliant[feature["feature"]] += feature["status"] == "compliant"
    assert scores == {f: compliant[f] / n for f, n in assessed.items()}
    assert scores, "the audit scored no feature"
    for secret in (*fleet, done["change"]["change"]["id"], done["campaign"]["campaign"]["id"]):
        assert secret not in answer.text
