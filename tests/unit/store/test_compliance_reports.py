"""Compliance reports: idempotent writes under retry, aggregation, tenant scoping, history."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any, get_args

import pytest
from sqlalchemy import delete, func, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from services.compliance.report import DeviceCompliance, DeviceStatus, FeatureResult
from services.core.errors import NotFoundError
from services.store import migrate
from services.store.db import make_engine, session_scope
from services.store.errors import ConflictError, InvalidInputError
from services.store.models import (
    DEVICE_RESULT_STATUSES,
    ComplianceReport,
    DeviceComplianceResult,
)
from services.store.repos.backups import diff_backups, store_backup
from services.store.repos.compliance import (
    DeviceResult,
    DeviceResultOut,
    ReportOut,
    device_history,
    device_result,
    device_results,
    finish_report,
    get_report,
    get_report_by_workflow,
    list_reports,
    record_device,
    record_devices,
    start_report,
    trend,
)
from tests.unit.store.helpers import T0

COMPLIANCE_TABLES = {"compliance_reports", "device_compliance_results"}


def _device(name: str, statuses: list[str], tenant: str = "acme") -> DeviceCompliance:
    """A real DeviceCompliance scored by the report helpers."""
    features = [
        FeatureResult(feature="ntp", status="compliant")
        if status == "compliant"
        else FeatureResult.error("snmp", "rule failed")
        if status == "error"
        else FeatureResult(
            feature=f"f{i}",
            status="drift",
            missing=["ntp server 10.0.0.1"],
            extra=["ntp server 10.9.9.9"],
            remediation=["no ntp server 10.9.9.9", "ntp server 10.0.0.1"],
        )
        for i, status in enumerate(statuses)
    ]
    return DeviceCompliance.from_features(tenant, name, "cisco_ios", features)


def _start(
    session: Session, workflow_id: str = "audit-1", minutes: int = 0, **kw: Any
) -> ReportOut:
    return start_report(
        session,
        tenant=kw.pop("tenant", "acme"),
        workflow_id=workflow_id,
        requested_by="schedule",
        started_at=T0 + timedelta(minutes=minutes),
        **kw,
    )


def _record(
    session: Session, report: ReportOut, dc: DeviceCompliance, **kw: Any
) -> DeviceResultOut:
    return record_device(
        session,
        report_id=report.id,
        tenant=report.tenant,
        device=dc.device,
        platform=dc.platform,
        status=dc.status,
        score=dc.score,
        result=dc.model_dump(mode="json"),
        **kw,
    )


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(DeviceComplianceResult)) or 0


def test_statuses_match_the_report_model() -> None:
    assert set(DEVICE_RESULT_STATUSES) == set(get_args(DeviceStatus))


def test_start_is_idempotent_per_workflow(session: Session, tenants: tuple[str, str]) -> None:
    first = _start(session)
    session.commit()
    assert (first.tenant, first.workflow_id, first.status, first.started_at) == (
        "acme",
        "audit-1",
        "running",
        T0,
    )
    assert (first.devices_total, first.score, first.finished_at) == (0, None, None)
    assert _start(session, minutes=5) == first  # a retry returns the first report
    with pytest.raises(ConflictError, match="another tenant"):
        _start(session, tenant="globex")
    with pytest.raises(NotFoundError, match="tenant 'nobody' not found"):
        _start(session, "audit-2", tenant="nobody")
    session.commit()
    assert [r.id for r in list_reports(session, tenant="acme")] == [first.id]
    assert get_report_by_workflow(session, tenant="acme", workflow_id="audit-1") == first
    assert get_report_by_workflow(session, tenant="globex", workflow_id="audit-1") is None


def test_lost_start_race_returns_the_winner(
    session: Session, tenants: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = _start(session)
    session.commit()
    real_scalar = Session.scalar
    looks: list[str] = []

    def stale_first_look(self: Session, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if "compliance_reports.workflow_id" in str(statement) and not looks:
            looks.append("stale")
            return None  # as if the winner had not committed yet
        return real_scalar(self, statement, *args, **kwargs)

    monkeypatch.setattr(Session, "scalar", stale_first_look)
    assert _start(session) == winner
    assert looks == ["stale"]
    session.commit()
    assert len(list_reports(session, tenant="acme")) == 1


def test_record_is_idempotent_per_device(session: Session, tenants: tuple[str, str]) -> None:
    report = _start(session)
    drifted = _device("r1", ["compliant", "drift"])
    first = _record(session, report, drifted, backup_version=1, running_hash="a" * 64)
    session.commit()
    assert _record(session, report, drifted, backup_version=1, running_hash="a" * 64) == first
    # A retry that saw something else replaces the content; still one row, created_at kept.
    fixed = _device("r1", ["compliant", "compliant"])
    again = _record(session, report, fixed, backup_version=2, running_hash="b" * 64)
    session.commit()
    assert (again.status, again.score, again.backup_version) == ("compliant", 100.0, 2)
    assert again.created_at == first.created_at
    assert _count(session) == 1
    stored = device_result(session, tenant="acme", report_id=report.id, device="r1")
    assert stored == again


def test_concurrent_records_keep_one_row(
    factory: sessionmaker[Session], tenants: tuple[str, str]
) -> None:
    with session_scope(factory) as session:
        report = _start(session)
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def attempt(i: int) -> None:
        try:
            start.wait()
            with session_scope(factory) as session:
                _record(session, report, _device("r1", ["compliant"] * i + ["drift"]))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with session_scope(factory) as session:
        assert _count(session) == 1
        assert len(device_results(session, tenant="acme", report_id=report.id)) == 1


def test_finish_counts_and_scores(session: Session, tenants: tuple[str, str]) -> None:
    report = _start(session)
    devices = [
        _device("r1", ["compliant", "compliant"]),  # 100
        _device("r2", ["compliant", "drift", "drift", "drift"]),  # 25
        DeviceCompliance.unreachable("acme", "r3", "cisco_ios", "timeout"),  # 0
        _device("r4", ["compliant", "compliant", "error"]),  # error: 66.7 stored, counts as 0
    ]
    for dc in devices:
        _record(session, report, dc)
    assert devices[3].score == 66.7
    done = finish_report(session, report_id=report.id, tenant="acme", finished_at=T0)
    session.commit()
    assert (done.status, done.finished_at, done.score) == ("completed", T0, round(125 / 4, 1))
    assert (
        done.devices_total,
        done.devices_compliant,
        done.devices_drift,
        done.devices_unreachable,
        done.devices_error,
    ) == (4, 1, 1, 1, 1)
    assert get_report(session, tenant="acme", report_id=report.id) == done
    # A retried finish returns the report as first finished; a finished report takes no results.
    assert finish_report(session, report_id=report.id, tenant="acme") == done
    with pytest.raises(ConflictError, match="already completed, not failed"):
        finish_report(session, report_id=report.id, tenant="acme", status="failed")
    with pytest.raises(ConflictError, match="is completed; it takes no more device results"):
        _record(session, report, _device("r5", ["compliant"]))


def test_finish_without_devices_and_failed(session: Session, tenants: tuple[str, str]) -> None:
    empty = finish_report(session, report_id=_start(session).id, tenant="acme")
    assert (empty.status, empty.devices_total, empty.score) == ("completed", 0, None)
    assert empty.finished_at is not None
    failed = _start(session, "audit-2")
    _record(session, failed, _device("r1", ["drift"]))
    out = finish_report(session, report_id=failed.id, tenant="acme", status="failed")
    assert (out.status, out.devices_total, out.devices_drift, out.score) == ("failed", 1, 1, 0.0)
    with pytest.raises(InvalidInputError, match="status must be 'completed' or 'failed'"):
        finish_report(session, report_id=failed.id, tenant="acme", status="running")


def test_reports_are_scoped_by_tenant(session: Session, tenants: tuple[str, str]) -> None:
    report = _start(session)
    _record(session, report, _device("r1", ["compliant"]))
    session.commit()
    assert get_report(session, tenant="globex", report_id=report.id) is None
    assert get_report(session, tenant="nobody", report_id=report.id) is None
    assert get_report(session, tenant="acme", report_id="no-such-report") is None
    assert list_reports(session, tenant="globex") == []
    assert device_results(session, tenant="globex", report_id=report.id) == []
    assert device_result(session, tenant="globex", report_id=report.id, device="r1") is None
    assert device_history(session, tenant="globex", device="r1") == []
    assert trend(session, tenant="globex") == []
    foreign = _device("r2", ["compliant"], tenant="globex")
    with pytest.raises(NotFoundError, match=f"report '{report.id}' not found in tenant 'globex'"):
        record_device(
            session,
            report_id=report.id,
            tenant="globex",
            device="r2",
            platform="cisco_ios",
            status="compliant",
            score=100.0,
            result=foreign.model_dump(mode="json"),
        )
    with pytest.raises(NotFoundError, match="not found in tenant 'globex'"):
        finish_report(session, report_id=report.id, tenant="globex")
    assert get_report(session, tenant="acme", report_id=report.id) is not None


def test_json_round_trip(session: Session, tenants: tuple[str, str]) -> None:
    report = _start(session)
    dc = _device("r1", ["compliant", "drift", "error"])
    _record(session, report, dc, intended_hash="c" * 64)
    session.commit()
    session.expunge_all()
    (out,) = device_results(session, tenant="acme", report_id=report.id)
    assert DeviceCompliance.model_validate(out.result) == dc
    assert out.result["features"][1]["remediation"] == [
        "no ntp server 10.9.9.9",
        "ntp server 10.0.0.1",
    ]
    assert (out.device, out.platform, out.status, out.score) == ("r1", "cisco_ios", "error", 33.3)
    assert (out.intended_hash, out.running_hash, out.backup_version) == ("c" * 64, None, None)


def test_trend_is_oldest_first_completed_only(session: Session, tenants: tuple[str, str]) -> None:
    ids = []
    for i, statuses in enumerate([["drift"], ["compliant", "drift"], ["compliant"]]):
        report = _start(session, f"audit-{i}", minutes=10 * i)
        _record(session, report, _device("r1", statuses))
        finish_report(
            session,
            report_id=report.id,
            tenant="acme",
            finished_at=T0 + timedelta(minutes=10 * i + 5),
        )
        ids.append(report.id)
    _start(session, "audit-running", minutes=40)
    failed = _start(session, "audit-failed", minutes=50)
    finish_report(session, report_id=failed.id, tenant="acme", status="failed")
    session.commit()
    points = trend(session, tenant="acme")
    assert [(p.report_id, p.score, p.devices_compliant) for p in points] == [
        (ids[0], 0.0, 0),
        (ids[1], 50.0, 0),
        (ids[2], 100.0, 1),
    ]
    assert points[0].finished_at == T0 + timedelta(minutes=5)
    assert [p.report_id for p in trend(session, tenant="acme", limit=2)] == ids[1:]
    listed = list_reports(session, tenant="acme")
    assert [r.workflow_id for r in listed] == [
        "audit-failed",
        "audit-running",
        "audit-2",
        "audit-1",
        "audit-0",
    ]
    assert len(list_reports(session, tenant="acme", limit=2)) == 2
    with pytest.raises(InvalidInputError, match="limit must be between 1 and 1000"):
        trend(session, tenant="acme", limit=0)


def test_device_history_diffs_configs(session: Session, tenants: tuple[str, str]) -> None:
    configs = ["hostname r1\nntp server 10.9.9.9\n", "hostname r1\nntp server 10.0.0.1\n"]
    for i, (config, statuses) in enumerate(zip(configs, [["drift"], ["compliant"]], strict=True)):
        report = _start(session, f"audit-{i}", minutes=10 * i)
        backup = store_backup(
            session,
            tenant="acme",
            device="r1",
            content=config,
            run_id=report.workflow_id,
            collected_at=T0 + timedelta(minutes=10 * i),
        )
        _record(
            session,
            report,
            _device("r1", statuses),
            backup_version=backup.version,
            running_hash=backup.content_hash,
        )
        _record(session, report, _device("r2", ["compliant"]))
    session.commit()
    new, old = device_history(session, tenant="acme", device="r1")
    assert (old.workflow_id, old.status, old.backup_version) == ("audit-0", "drift", 1)
    assert (new.workflow_id, new.status, new.backup_version) == ("audit-1", "compliant", 2)
    assert (new.report_status, new.report_started_at) == ("running", T0 + timedelta(minutes=10))
    assert [
        h.workflow_id for h in device_history(session, tenant="acme", device="r1", limit=1)
    ] == ["audit-1"]
    diff = diff_backups(session, tenant="acme", device="r1", from_version=1, to_version=2)
    assert "+ntp server 10.0.0.1" in diff.splitlines()


def test_deleting_a_report_cascades(session: Session, tenants: tuple[str, str]) -> None:
    keep, drop = _start(session, "audit-keep"), _start(session, "audit-drop")
    for report in (keep, drop):
        _record(session, report, _device("r1", ["compliant"]))
        _record(session, report, _device("r2", ["drift"]))
    session.commit()
    session.execute(delete(ComplianceReport).where(ComplianceReport.id == drop.id))
    session.commit()
    assert _count(session) == 2
    assert device_results(session, tenant="acme", report_id=drop.id) == []
    assert len(device_results(session, tenant="acme", report_id=keep.id)) == 2


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("status", "broken", "status must be one of compliant, drift, unreachable, error"),
        ("score", 101.0, "score must be a number from 0 to 100"),
        ("score", float("nan"), "score must be a number from 0 to 100"),
        ("device", "", "device must be a non-empty string"),
        ("platform", "x" * 65, "platform is 65 characters"),
        ("backup_version", 0, "backup_version must be a positive integer"),
        ("running_hash", "x" * 65, "running_hash is 65 characters"),
        ("result", {"bad": {1, 2}}, "result must be JSON-serialisable"),
        ("result", {"tenant": "globex"}, "result.tenant is 'globex'"),
        ("result", {"device": "r9"}, "result.device is 'r9'"),
    ],
)
def test_bad_device_results_are_refused(
    session: Session, tenants: tuple[str, str], field: str, value: Any, message: str
) -> None:
    report = _start(session)
    given: dict[str, Any] = {
        "device": "r1",
        "platform": "cisco_ios",
        "status": "compliant",
        "score": 100.0,
        "result": {},
    }
    given[field] = value
    with pytest.raises(InvalidInputError, match=message):
        record_device(session, report_id=report.id, tenant="acme", **given)
    assert _count(session) == 0


def test_migration_0002_up_and_down(empty_url: str) -> None:
    def tables() -> set[str]:
        engine = make_engine(empty_url)
        try:
            return set(inspect(engine).get_table_names())
        finally:
            engine.dispose()

    migrate.upgrade(empty_url, "0001")
    assert not tables() & COMPLIANCE_TABLES
    migrate.upgrade(empty_url, "0002")
    assert migrate.current(empty_url) == "0002"
    assert tables() >= COMPLIANCE_TABLES
    migrate.downgrade(empty_url, "0001")
    assert migrate.current(empty_url) == "0001"
    assert not tables() & COMPLIANCE_TABLES
    assert "tenants" in tables()


def _results(*devices: DeviceCompliance, version: int = 1) -> list[DeviceResult]:
    return [
        DeviceResult(
            device=dc.device,
            platform=dc.platform,
            status=dc.status,
            score=dc.score,
            result=dc.model_dump(mode="json"),
            backup_version=version,
            running_hash="a" * 64,
        )
        for dc in devices
    ]


def test_a_batch_of_results_is_kept_like_one_record_per_device(
    session: Session, tenants: tuple[str, str]
) -> None:
    report = _start(session)
    r1, r2 = _device("r1", ["compliant"]), _device("r2", ["compliant", "drift"])
    record_devices(session, report_id=report.id, tenant="acme", results=_results(r1, r2))
    session.commit()
    one = device_result(session, tenant="acme", report_id=report.id, device="r2")
    assert one is not None and (one.status, one.score, one.backup_version) == ("drift", 50.0, 1)
    assert one.result == r2.model_dump(mode="json")
    # a retried batch replaces the rows (the audit's retry after a crash), never adds any
    fixed = _device("r2", ["compliant", "compliant"])
    retried = _results(r1, fixed, version=2)
    record_devices(session, report_id=report.id, tenant="acme", results=retried)
    session.commit()
    assert _count(session) == 2
    again = device_result(session, tenant="acme", report_id=report.id, device="r2")
    assert again is not None and (again.status, again.backup_version) == ("compliant", 2)
    assert again.created_at == one.created_at
    done = finish_report(session, report_id=report.id, tenant="acme")
    assert (done.devices_total, done.devices_compliant) == (2, 2)


def test_a_batch_with_one_bad_result_writes_nothing(
    session: Session, tenants: tuple[str, str]
) -> None:
    report = _start(session)
    good, bad = _results(_device("r1", ["compliant"]), _device("r2", ["compliant"]))
    with pytest.raises(InvalidInputError, match="score must be a number"):
        record_devices(
            session, report_id=report.id, tenant="acme", results=[good, bad._replace(score=101)]
        )
    with pytest.raises(InvalidInputError, match="same device twice"):
        record_devices(session, report_id=report.id, tenant="acme", results=[good, good])
    assert _count(session) == 0
    finish_report(session, report_id=report.id, tenant="acme")
    with pytest.raises(ConflictError, match="takes no more device results"):
        record_devices(session, report_id=report.id, tenant="acme", results=[good])
