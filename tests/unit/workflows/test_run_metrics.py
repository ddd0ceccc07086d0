"""The activities that record how a run ended count it once: a retry of the same activity
(Temporal runs it again after a lost answer) does not count again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.orm import Session, sessionmaker

from services.campaigns.targets import Target
from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.migrate import upgrade
from services.store.repos import campaigns as campaign_repo
from services.store.repos import compliance as report_repo
from services.store.repos.changes import create_change
from services.store.repos.tenants import ensure_tenant
from workflows.audit.activities import AuditActivities
from workflows.audit.models import AuditFinishInput
from workflows.campaigns.activities import CampaignActivities
from workflows.campaigns.models import DeviceStatusInput
from workflows.changes.lifecycle import ChangeLifecycleActivities
from workflows.changes.models import StatusInput

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sessions(settings: Settings) -> sessionmaker[Session]:
    upgrade(settings.database_url)
    return make_session_factory(get_engine(settings.database_url))


@pytest.fixture
def tenant(sessions: sessionmaker[Session]) -> str:
    name = f"t-{uuid.uuid4().hex[:8]}"  # this test's own label value: its counts start at 0
    with sessions.begin() as session:
        ensure_tenant(session, name=name)
    return name


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_finished_change_is_counted_once_by_status(
    settings: Settings, sessions: sessionmaker[Session], tenant: str
) -> None:
    with sessions.begin() as session:
        change, _ = create_change(
            session, tenant=tenant, site="s1", kind="wan_bandwidth", params={}, requested_by="x"
        )
    activities = ChangeLifecycleActivities(settings, sessions, None)  # type: ignore[arg-type]
    failed = StatusInput(
        tenant=tenant, change_id=change.id, to_status="failed", actor="wf", failure="no plan"
    )
    activities.set_change_status(failed)
    activities.set_change_status(failed)  # a retry
    assert value("netwave_changes_finished_total", tenant=tenant, status="failed") == 1


def test_a_campaign_device_s_final_state_is_counted_once(
    settings: Settings, sessions: sessionmaker[Session], tenant: str
) -> None:
    campaign = f"c-{uuid.uuid4().hex[:8]}"
    with sessions.begin() as session:
        campaign_repo.create_campaign(
            session,
            campaign_id=campaign,
            name="c",
            kind="os_upgrade",
            spec={},
            created_by="eng",
            created_by_token_id=None,
            workflow_id=f"campaign-{campaign}",
        )
        campaign_repo.add_devices(
            session, campaign_id=campaign, devices=[(tenant, "r1", "cisco_ios", 1)]
        )
    activities = CampaignActivities(settings, sessions, None)  # type: ignore[arg-type]
    target = Target(tenant=tenant, device="r1", platform="cisco_ios")
    before = value("netwave_campaign_devices_finished_total", state="upgraded")
    running = DeviceStatusInput(campaign_id=campaign, target=target, status="running")
    activities.campaign_device_status(running)
    upgraded = running.model_copy(update={"status": "upgraded", "step": "done"})
    activities.campaign_device_status(upgraded)
    activities.campaign_device_status(upgraded)  # a retry
    assert value("netwave_campaign_devices_finished_total", state="upgraded") == before + 1


def test_an_audit_s_duration_is_observed_once(
    settings: Settings, sessions: sessionmaker[Session], tenant: str
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=30)
    with sessions.begin() as session:
        report = report_repo.start_report(
            session,
            tenant=tenant,
            workflow_id=f"audit-{tenant}",
            requested_by="s",
            started_at=started,
        )
    activities = AuditActivities(settings, sessions, None)  # type: ignore[arg-type]
    request = AuditFinishInput(tenant=tenant, report_id=report.id)
    activities.finish_audit(request)
    activities.finish_audit(request)  # a retry
    assert value("netwave_audit_duration_seconds_count", tenant=tenant) == 1
    assert value("netwave_audit_duration_seconds_sum", tenant=tenant) >= 30
