"""Report models: scores, tenant aggregate, JSON round trip and CSV."""

from __future__ import annotations

import csv
import io

from services.compliance.report import (
    DeviceCompliance,
    FeatureResult,
    FeatureStatus,
    TenantCompliance,
    tenant_compliance,
    to_csv,
)


def device(name: str, statuses: list[FeatureStatus]) -> DeviceCompliance:
    features = [
        FeatureResult(
            feature=f"f{i}",
            status=s,
            missing=["ntp server 192.0.2.1"] if s == "drift" else [],
            remediation=["ntp server 192.0.2.1"] if s == "drift" else [],
        )
        for i, s in enumerate(statuses)
    ]
    return DeviceCompliance.from_features("acme", name, "cisco_ios", features)


def test_device_score_and_status() -> None:
    assert device("r1", ["compliant"] * 4).score == 100.0
    drift = device("r2", ["compliant", "compliant", "drift"])
    assert (drift.status, drift.score) == ("drift", 66.7)
    assert drift.remediation == ["ntp server 192.0.2.1"]
    assert device("r3", ["compliant", "error"]).status == "error"
    empty = device("r4", [])
    assert (empty.status, empty.score) == ("error", 0.0)


def test_tenant_aggregate_counts_unreachable_as_zero() -> None:
    report = tenant_compliance(
        "acme",
        [
            device("r1", ["compliant"] * 2),
            device("r2", ["compliant", "drift"]),
            DeviceCompliance.unreachable("acme", "r3", "arista_eos", "ssh timeout"),
        ],
    )
    assert report.score == 50.0
    assert report.counts == {"compliant": 1, "drift": 1, "error": 0, "unreachable": 1}
    assert [d.device for d in report.devices] == ["r1", "r2", "r3"]
    assert TenantCompliance.model_validate_json(report.model_dump_json()) == report


def test_csv_has_a_row_per_device_feature() -> None:
    report = tenant_compliance(
        "acme",
        [
            device("r1", ["compliant", "drift"]),
            DeviceCompliance.unreachable("acme", "r2", "arista_eos", "ssh timeout"),
        ],
    )
    rows = list(csv.DictReader(io.StringIO(to_csv(report))))
    assert [(r["device"], r["feature"], r["feature_status"]) for r in rows] == [
        ("r1", "f0", "compliant"),
        ("r1", "f1", "drift"),
        ("r2", "", ""),
    ]
    assert rows[1]["missing"] == "ntp server 192.0.2.1"
    assert (rows[2]["device_status"], rows[2]["message"]) == ("unreachable", "ssh timeout")
