"""One device's compliance from its collected running config: render intended, compare.

Runs where the device was collected: in an audit helper process (`session_pool`), or in the
worker's threads when there are none. A process keeps rule sets and compiled templates between
devices; a rule file that changes on disk is read again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.compliance.compare import compare_device, failed, unreachable
from services.compliance.report import DeviceCompliance, DeviceStatus
from services.compliance.rules import RULE_FILE, RuleSet, tenant_rules
from services.core.errors import TemplateError
from services.network.collect import Collected, Reachability
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.render import renderer_for


@dataclass(frozen=True)
class RuleSource:
    """Where a tenant's rules come from (the tenant's file, else the default)."""

    inventories: Path
    tenant: str
    default: Path


@dataclass(frozen=True)
class Assessment:
    report: DeviceCompliance
    intended_hash: str | None


@dataclass(frozen=True)
class Outcome:
    """One device's audit, ready to store: what a helper process sends back to the worker.

    `backup` is the running config without volatile lines (None when it was not collected);
    `result` is the report as JSON, so the worker only writes rows.
    """

    device: str
    platform: str
    backup: str | None
    status: DeviceStatus
    score: float
    result: dict[str, Any]
    intended_hash: str | None


def _assess(
    templates: Path, rules: RuleSet, device: Device, item: Collected, running: str | None
) -> Assessment:
    if running is None:
        reason = f"{item.status.value}: {item.error or 'no output'}"
        return Assessment(unreachable(device, reason), None)
    try:
        intended = renderer_for(templates).render_device(device)
    except TemplateError as exc:
        return Assessment(failed(device, str(exc)), None)
    digest = hashlib.sha256(intended.encode()).hexdigest()
    return Assessment(compare_device(device, running, intended, rules), digest)


def _running(device: Device, item: Collected) -> str | None:
    if item.status is not Reachability.ok or item.output is None:
        return None
    return get_platform(device.platform).strip_volatile(item.output)


def audit_outcome(templates: Path, rules: RuleSet, device: Device, item: Collected) -> Outcome:
    """The device's compliance from what was collected (no I/O but reading templates), in the
    form the worker stores."""
    running = _running(device, item)
    done = _assess(templates, rules, device, item, running)
    return Outcome(
        device=device.name,
        platform=device.platform,
        backup=running,
        status=done.report.status,
        score=done.report.score,
        result=done.report.model_dump(mode="json"),
        intended_hash=done.intended_hash,
    )


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=64)
def _rules_at(source: RuleSource, stamps: tuple[int, int]) -> RuleSet:
    return tenant_rules(source.inventories, source.tenant, source.default)


def rules_for(source: RuleSource) -> RuleSet:
    """The tenant's rules, parsed once per process until a rule file changes on disk."""
    own = source.inventories / source.tenant / RULE_FILE
    return _rules_at(source, (_stamp(own), _stamp(source.default)))
