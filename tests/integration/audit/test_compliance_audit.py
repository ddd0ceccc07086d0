"""ComplianceAuditWorkflow on a real Temporal dev server, a real worker and the lab over SSH."""

from __future__ import annotations

import asyncio
import uuid

from netmiko import ConnectHandler
from temporalio.testing import WorkflowEnvironment

from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import compliance as report_repo
from tests.integration.backup.test_fleet_backup import scoped, workers
from tests.utils.history import history_text
from tests.utils.lab import ThreadedLab
from workflows.audit import schedules
from workflows.audit.models import AuditInput, AuditResult
from workflows.audit.schedules import AuditScheduleSpec
from workflows.audit.workflow import ComplianceAuditWorkflow


async def audit(env: WorkflowEnvironment, settings: Settings, tenant: str) -> AuditResult:
    return await env.client.execute_workflow(
        ComplianceAuditWorkflow.run,
        AuditInput(tenant=tenant, device_task_queue=settings.device_task_queue),
        id=f"audit-{tenant}-{uuid.uuid4().hex[:8]}",
        task_queue=settings.task_queue,
        result_type=AuditResult,
    )


def results(settings: Settings, tenant: str, report_id: str) -> dict[str, dict[str, object]]:
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions() as session:
        rows = report_repo.device_results(session, tenant=tenant, report_id=report_id)
    return {r.device: r.result for r in rows}


def feature(result: dict[str, object], name: str) -> dict[str, object]:
    features = result["features"]
    assert isinstance(features, list)
    return next(f for f in features if f["feature"] == name)


async def test_audit_finds_seeded_drift_and_remediation_fixes_it(
    temporal_env: WorkflowEnvironment, lab: ThreadedLab, lab_settings: Settings
) -> None:
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    async with workers(temporal_env.client, settings):
        first = await audit(temporal_env, settings, "acme")
        devices = results(settings, "acme", first.report_id)
        assert devices["acme-hq-r1"]["status"] == "compliant"
        assert devices["acme-hq-r1"]["score"] == 100.0
        ntp = feature(devices["acme-branch1-r1"], "ntp")
        assert ntp["status"] == "drift"
        assert ntp["missing"] == ["ntp server 192.0.2.11"]
        assert ntp["extra"] == ["ntp server 203.0.113.123"]
        remediation = ntp["remediation"]
        assert isinstance(remediation, list)
        assert first.counts["drift"] >= 2 and first.counts["compliant"] >= 1

        with ConnectHandler(**lab.netmiko_params("acme-branch1-r1")) as conn:
            conn.send_config_set(remediation)
        second = await audit(temporal_env, settings, "acme")
    after = results(settings, "acme", second.report_id)
    assert feature(after["acme-branch1-r1"], "ntp")["status"] == "compliant"
    assert second.score is not None and first.score is not None and second.score > first.score


async def test_unreachable_device_is_never_compliant(
    temporal_env: WorkflowEnvironment, lab: ThreadedLab, lab_settings: Settings
) -> None:
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    lab.set_fault("initech-aus-r1", unreachable=True)
    lab.set_fault("initech-dal-r2", auth_failure=True)
    async with workers(temporal_env.client, settings):
        handle = await temporal_env.client.start_workflow(
            ComplianceAuditWorkflow.run,
            AuditInput(tenant="initech", device_task_queue=settings.device_task_queue),
            id=f"audit-initech-{uuid.uuid4().hex[:8]}",
            task_queue=settings.task_queue,
            result_type=AuditResult,
        )
        result = await handle.result()
    devices = results(settings, "initech", result.report_id)
    assert devices["initech-aus-r1"]["status"] == "unreachable"
    assert devices["initech-dal-r2"]["status"] == "unreachable"
    assert "auth_failed" in str(devices["initech-dal-r2"]["message"])
    assert result.counts["unreachable"] == 2
    history = history_text(await handle.fetch_history())
    assert "ntp server" not in history, "configs must stay out of workflow history"


async def test_schedule_fires_and_stores_a_report(
    temporal_env: WorkflowEnvironment, lab: ThreadedLab, lab_settings: Settings
) -> None:
    settings = scoped(lab_settings, temporal_env)
    prepare_local(settings, lab=True)
    client = temporal_env.client
    tenant = "globex"
    async with workers(client, settings):
        state = await schedules.upsert_schedule(
            client, settings, tenant, AuditScheduleSpec(cron=None, every_seconds=2)
        )
        assert state.every_seconds == 2 and not state.paused
        sessions = make_session_factory(get_engine(settings.database_url))
        try:
            for _ in range(300):
                with sessions() as session:
                    done = [
                        r
                        for r in report_repo.list_reports(session, tenant=tenant)
                        if r.status == "completed"
                    ]
                if done:
                    break
                await asyncio.sleep(0.1)
            assert done, "the schedule never produced a report"
            assert done[0].requested_by == f"schedule:{schedules.schedule_id(tenant)}"
            paused = await schedules.set_paused(client, tenant, True, "test")
            assert paused.paused
        finally:
            await schedules.delete(client, tenant)
