"""Compliance drift as a change: a device's remediation, planned like any other change.

The commands are the compliance comparison's remediation for the drifted features (the rule
file's sections, so extra lines are removed too); the rollback is the same comparison run from
the predicted config back to the running one. It always needs an approver.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.changes.plan import ORDER, SECTIONS, DevicePlan, config_diff, sha256
from services.compliance.compare import comparison_for
from services.compliance.future import future_config
from services.compliance.rules import FeatureCheck, RuleSet
from services.compliance.set_lines import set_lines
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


def _owned_sections(
    platform: str, syntax: str, texts: list[str], checks: list[FeatureCheck]
) -> set[str]:
    """The sections of `texts` that the features own, which a restore takes back: top-level
    sections, or the parents of the set lines they own (a feature's pattern names whole lines,
    `^set system ntp server `, never the parent `set system ntp server` alone)."""
    if syntax == "set":
        owned = {line for text in texts for line in set_lines(text) if _owns(checks, line)}
        return SECTIONS[syntax](platform, sorted(owned))
    return {s for s in SECTIONS[syntax](platform, texts) if _owns(checks, s)}


def _owns(checks: list[FeatureCheck], line: str) -> bool:
    return any(c.owns(line) for c in checks)


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
    sections = _owned_sections(platform, syntax, [running, future], checks)
    return DevicePlan(
        device=device.name,
        platform=platform,
        features=[c.feature for c in checks],
        sections=sorted(sections),
        commands=commands,
        rollback=rollback,
        diff=config_diff(platform, device.name, running, future, "after remediation"),
        intended_hash=sha256(intended),
        running_hash=sha256(get_platform(platform).strip_volatile(running)),
        future_hash=sha256(future),
        by_feature={feature: lines for feature, lines in by_feature.items() if lines},
    )
