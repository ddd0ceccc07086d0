"""Compliance drift as a change: a device's remediation, planned like any other change.

The commands are the compliance comparison's remediation for the drifted features (the rule
file's sections, so extra lines are removed too); the rollback is the same comparison run from
the predicted config back to the running one. It always needs an approver.
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.changes.plan import ORDER, SECTIONS, DevicePlan, normalized, sha256
from services.compliance.compare import comparison_for
from services.compliance.future import future_config
from services.compliance.rules import RuleSet
from services.network.inventory import Device
from services.network.platforms import get_platform


class RemediationRequest(BaseModel):
    """Bring the drifted features of one device back to the golden config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["remediation"] = "remediation"
    site: str
    device: str
    report_id: str
    features: list[str] = Field(min_length=1)


def plan_remediation(
    device: Device, running: str, intended: str, rules: RuleSet, features: list[str]
) -> DevicePlan:
    """Commands, rollback and diff that make `features` of `running` match `intended`."""
    platform = device.platform
    syntax = get_platform(platform).syntax
    checks = [c for c in rules.checks(platform, intended) if c.feature in features]
    forward = comparison_for(platform, running, intended)
    by_feature = {c.feature: ORDER[syntax](forward.feature(c).remediation) for c in checks}
    commands = ORDER[syntax]([cmd for c in checks for cmd in forward.feature(c).remediation])
    future = future_config(platform, running, commands)
    backward = comparison_for(platform, future, running)
    rollback = ORDER[syntax]([cmd for c in checks for cmd in backward.feature(c).remediation])
    sections = {
        s
        for s in SECTIONS[syntax](platform, [running, future])
        if any(c.owns(s if syntax == "indented" else f"set {s}") or c.owns(s) for c in checks)
    }
    diff = difflib.unified_diff(
        normalized(platform, running).splitlines(keepends=True),
        normalized(platform, future).splitlines(keepends=True),
        fromfile=f"{device.name} running",
        tofile=f"{device.name} after remediation",
    )
    return DevicePlan(
        device=device.name,
        platform=platform,
        features=[c.feature for c in checks],
        sections=sorted(sections),
        commands=commands,
        rollback=rollback,
        diff="".join(diff),
        intended_hash=sha256(intended),
        running_hash=sha256(get_platform(platform).strip_volatile(running)),
        future_hash=sha256(future),
        by_feature={feature: lines for feature, lines in by_feature.items() if lines},
    )
