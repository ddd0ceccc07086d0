"""The API's database gauges: the aggregate reads and the collector over them, on SQLite and
PostgreSQL, with a fixed clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from services.compliance.report import DeviceCompliance, FeatureResult
from services.observability.gauges import DatabaseGauges
from services.store.models import ChangeRequest
from services.store.repos import campaigns as campaign_repo
from services.store.repos.changes import ChangeOut, add_plan, create_change, transition
from services.store.repos.compliance import (
    DeviceResult,
    finish_report,
    record_devices,
    start_report,
)
from tests.unit.store.helpers import T0
from tests.unit.store.test_changes import DEVICES, PARAMS


def _change(session: Session, tenant: str, *, awaiting_since: datetime | None = None) -> ChangeOut:
    change, _ = create_change(
        session, tenant=tenant, site="s1", kind="wan_bandwidth", params=PARAMS, requested_by="x"
    )
    if awaiting_since is not None:
        add_plan(session, tenant=tenant, change_id=change.id, devices=DEVICES, plan_hash="h")
        for status in ("planned", "awaiting_approval"):
            transition(session, tenant=tenant, change_id=change.id, to_status=status, actor="w")
        session.execute(
            update(ChangeRequest)
            .where(ChangeRequest.id == change.id)
            .values(updated_at=awaiting_since)
        )
    return change


def _campaign(session: Session, name: str, status: str, devices: dict[str, str]) -> None:
    campaign_repo.create_campaign(
        session,
        campaign_id=name,
        name=name,
        kind="os_upgrade",
        spec={},
        created_by="eng",
        created_by_token_id=None,
        workflow_id=f"campaign-{name}",
    )
    campaign_repo.add_devices(
        session,
        campaign_id=name,
        devices=[("acme", device, "cisco_ios", 1) for device in devices],
    )
    for device, state in devices.items():
        campaign_repo.update_device(
            session,
            campaign_id=name,
            tenant="acme",
            device=device,
            status=state,  # type: ignore[arg-type]
        )
    campaign_repo.set_status(session, campaign_id=name, status=status)  # type: ignore[arg-type]


def _result(device: str, features: dict[str, str]) -> DeviceResult:
    found = [FeatureResult(feature=f, status=s) for f, s in features.items()]  # type: ignore[arg-type]
    if found:
        dc = DeviceCompliance.from_features("acme", device, "cisco_ios", found)
    else:
        dc = DeviceCompliance.unreachable("acme", device, "cisco_ios", "timeout")
    return DeviceResult(
        device=device,
        platform="cisco_ios",
        status=dc.status,
        score=dc.score,
        result=dc.model_dump(mode="json"),
    )


def _audit(
    session: Session, workflow_id: str, at: datetime, results: list[DeviceResult], finish: bool
) -> None:
    report = start_report(
        session, tenant="acme", workflow_id=workflow_id, requested_by="s", started_at=at
    )
    record_devices(session, report_id=report.id, tenant="acme", results=results)
    if finish:
        finish_report(session, report_id=report.id, tenant="acme", finished_at=at)


def _scrape(gauges: DatabaseGauges) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(gauges)
    text = generate_latest(registry).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_gauges_count_changes_campaigns_and_score_the_latest_audit(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with factory.begin() as session:
        _change(session, "acme", awaiting_since=T0)
        _change(session, "acme", awaiting_since=T0 + timedelta(hours=1))
        _change(session, "acme")
        _campaign(session, "c1", "running", {"r1": "running", "r2": "pending", "r3": "upgraded"})
        _campaign(session, "c2", "completed", {"r1": "failed"})
        _audit(session, "old", T0, [_result("r1", {"ntp": "drift"})], finish=True)
        latest = [
            _result("r1", {"ntp": "compliant", "snmp": "drift"}),
            _result("r2", {"ntp": "drift"}),
            _result("r3", {}),  # unreachable: no feature assessed
        ]
        _audit(session, "latest", T0 + timedelta(days=1), latest, finish=True)
        _audit(session, "running", T0 + timedelta(days=2), [], finish=False)

    gauges = DatabaseGauges(factory, clock=lambda: T0 + timedelta(minutes=10))
    seen = _scrape(gauges)

    def value(name: str, **labels: str) -> float:
        return seen[(name, tuple(sorted(labels.items())))]

    assert value("netwave_changes", tenant="acme", status="awaiting_approval") == 2
    assert value("netwave_changes", tenant="acme", status="submitted") == 1
    assert value("netwave_changes", tenant="globex", status="submitted") == 0
    assert value("netwave_change_approval_wait_seconds", tenant="acme") == 600
    assert value("netwave_change_approval_wait_seconds", tenant="globex") == 0
    assert value("netwave_campaigns", status="running") == 1
    assert value("netwave_campaigns", status="completed") == 1
    assert value("netwave_campaigns", status="paused") == 0
    # Devices of unfinished campaigns only: c2's failed device is not counted.
    assert value("netwave_campaign_devices", state="running") == 1
    assert value("netwave_campaign_devices", state="pending") == 1
    assert value("netwave_campaign_devices", state="upgraded") == 1
    assert value("netwave_campaign_devices", state="failed") == 0
    assert value("netwave_compliance_score_ratio", tenant="acme", feature="ntp") == 0.5
    assert value("netwave_compliance_score_ratio", tenant="acme", feature="snmp") == 0.0
    assert not any(
        name == "netwave_compliance_score_ratio" and dict(labels)["tenant"] == "globex"
        for name, labels in seen
    )

    # A newer completed audit replaces the scores (the finished report's are not kept).
    with factory.begin() as session:
        _audit(
            session, "newest", T0 + timedelta(days=3), [_result("r1", {"ntp": "compliant"})], True
        )
    seen = _scrape(gauges)
    assert value("netwave_compliance_score_ratio", tenant="acme", feature="ntp") == 1.0
    assert ("netwave_compliance_score_ratio", (("feature", "snmp"), ("tenant", "acme"))) not in seen


def test_labels_never_name_a_device_or_an_id(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with factory.begin() as session:
        change = _change(session, "acme", awaiting_since=T0)
        _campaign(session, "campaign-xyz", "running", {"edge-router-7": "running"})
    text = generate_latest(_registry(factory)).decode()
    for secret in (change.id, "campaign-xyz", "edge-router-7"):
        assert secret not in text


def _registry(factory: sessionmaker[Session]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseGauges(factory, clock=lambda: T0))
    return registry


def test_a_database_without_tables_leaves_the_scrape_empty_not_failed(
    empty_url: str,
) -> None:
    from services.store.db import make_engine, make_session_factory

    engine = make_engine(empty_url)
    try:
        text = generate_latest(_registry(make_session_factory(engine))).decode()
    finally:
        engine.dispose()
    assert text == ""
