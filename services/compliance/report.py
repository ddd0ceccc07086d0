"""Compliance report models: per feature, per device and per tenant; JSON via pydantic, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, Field

FeatureStatus = Literal["compliant", "drift", "error"]
DeviceStatus = Literal["compliant", "drift", "error", "unreachable"]


class FeatureResult(BaseModel):
    """One feature of one device: what is missing, what is extra and how to fix it."""

    feature: str
    status: FeatureStatus
    missing: list[str] = Field(default_factory=list, description="intended lines not on the device")
    extra: list[str] = Field(default_factory=list, description="device lines not intended")
    violations: list[str] = Field(default_factory=list, description="required/forbidden failures")
    remediation: list[str] = Field(default_factory=list, description="commands, in push order")
    message: str = ""

    @classmethod
    def error(cls, feature: str, message: str) -> FeatureResult:
        return cls(feature=feature, status="error", message=message)


class DeviceCompliance(BaseModel):
    """One device's audit: its features and a score (percent of features compliant)."""

    tenant: str
    device: str
    platform: str
    status: DeviceStatus
    score: float = Field(ge=0, le=100)
    features: list[FeatureResult] = Field(default_factory=list)
    message: str = ""

    @classmethod
    def from_features(
        cls, tenant: str, device: str, platform: str, features: list[FeatureResult]
    ) -> DeviceCompliance:
        """Score and status from the feature results (no features checked is an error)."""
        if not features:
            return cls(
                tenant=tenant,
                device=device,
                platform=platform,
                status="error",
                score=0.0,
                message=f"no compliance rules apply to platform {platform}",
            )
        compliant = sum(1 for f in features if f.status == "compliant")
        status: DeviceStatus = "compliant"
        if any(f.status == "error" for f in features):
            status = "error"
        elif compliant < len(features):
            status = "drift"
        score = round(100.0 * compliant / len(features), 1)
        return cls(
            tenant=tenant,
            device=device,
            platform=platform,
            status=status,
            score=score,
            features=features,
        )

    @classmethod
    def unreachable(cls, tenant: str, device: str, platform: str, reason: str) -> DeviceCompliance:
        """A device that could not be audited: never compliant, scores 0."""
        return cls._not_assessed("unreachable", tenant, device, platform, reason)

    @classmethod
    def failed(cls, tenant: str, device: str, platform: str, reason: str) -> DeviceCompliance:
        """A device whose intended or running config could not be read or rendered."""
        return cls._not_assessed("error", tenant, device, platform, reason)

    @classmethod
    def _not_assessed(
        cls, status: DeviceStatus, tenant: str, device: str, platform: str, reason: str
    ) -> DeviceCompliance:
        """No feature assessed, for `reason`: never compliant, scores 0."""
        return cls(
            tenant=tenant,
            device=device,
            platform=platform,
            status=status,
            score=0.0,
            message=reason,
        )

    @property
    def remediation(self) -> list[str]:
        """Every feature's remediation, feature by feature, in push order."""
        return [line for f in self.features for line in f.remediation]


class TenantCompliance(BaseModel):
    """A tenant's audit: device reports and the aggregate score."""

    tenant: str
    devices: list[DeviceCompliance] = Field(default_factory=list)
    score: float = Field(ge=0, le=100, description="mean device score; unreachable counts 0")
    counts: dict[DeviceStatus, int] = Field(default_factory=dict)


def tenant_compliance(tenant: str, devices: Iterable[DeviceCompliance]) -> TenantCompliance:
    """Aggregate device reports into the tenant report."""
    reports = sorted(devices, key=lambda d: d.device)
    counts: dict[DeviceStatus, int] = {"compliant": 0, "drift": 0, "error": 0, "unreachable": 0}
    for report in reports:
        counts[report.status] += 1
    score = round(sum(d.score for d in reports) / len(reports), 1) if reports else 0.0
    return TenantCompliance(tenant=tenant, devices=reports, score=score, counts=counts)


CSV_COLUMNS = (
    "tenant",
    "device",
    "platform",
    "device_status",
    "device_score",
    "feature",
    "feature_status",
    "missing",
    "extra",
    "violations",
    "remediation",
    "message",
)


def to_csv(report: TenantCompliance) -> str:
    """One row per device feature (one row for a device without features); lines joined by \\n."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for device in report.devices:
        head = [report.tenant, device.device, device.platform, device.status, device.score]
        if not device.features:
            writer.writerow([*head, "", "", "", "", "", "", device.message])
        for f in device.features:
            writer.writerow(
                [
                    *head,
                    f.feature,
                    f.status,
                    "\n".join(f.missing),
                    "\n".join(f.extra),
                    "\n".join(f.violations),
                    "\n".join(f.remediation),
                    f.message or device.message,
                ]
            )
    return out.getvalue()
