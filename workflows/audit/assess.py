"""One device's compliance from its collected running config: render intended, compare.

Runs where the device was collected: in an audit helper process (`session_pool`), or in the
worker's threads when there are none. A process keeps rule sets and compiled templates between
devices (a rule file that changes on disk is read again), and each device's last verdict: a
device found as the last audit found it (same configs, same rules) is not compared again.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
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
    """Where a tenant's rules come from (the tenant's file, else the fleet's default)."""

    inventories: Path
    tenant: str


@dataclass(frozen=True)
class Outcome:
    """One device's audit, ready to store: what a helper process sends back to the worker.

    `backup` is the running config without volatile lines (None when it was not collected);
    `result` is the report as JSON, so the worker only writes rows. `session` and `seconds`
    are its session's outcome and time open, which the worker counts (its metrics).
    """

    device: str
    platform: str
    backup: str | None
    status: DeviceStatus
    score: float
    result: dict[str, Any]
    intended_hash: str | None
    session: Reachability = Reachability.ok
    seconds: float | None = None


@dataclass(frozen=True)
class _Verdict:
    """What an audit stores of a device's comparison: status, score and the report as JSON."""

    status: DeviceStatus
    score: float
    result: dict[str, Any]

    @classmethod
    def of(cls, report: DeviceCompliance) -> _Verdict:
        return cls(report.status, report.score, report.model_dump(mode="json"))


@dataclass(frozen=True)
class _Known:
    rules: RuleSet  # held, so the rule set's id in the key cannot be reused by another
    status: DeviceStatus
    score: float
    result: str  # JSON text (1.5 KB for a lab device), smaller than the dict it stands for


class _Verdicts:
    """The last comparisons of this process, by device and by what was compared.

    A daily audit of a stable fleet finds most devices as the last one did: the same running
    and intended configs under the same rules. Comparing them again (parsing both configs,
    every feature) would be most of the audit's CPU after the SSH session, for the same answer.
    The key holds everything the answer depends on; the oldest entries go first.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[object, ...], _Known] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], rules: RuleSet) -> _Verdict | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found.rules is not rules:
                return None
            self._entries.move_to_end(key)
        return _Verdict(found.status, found.score, json.loads(found.result))

    def put(self, key: tuple[object, ...], rules: RuleSet, verdict: _Verdict) -> None:
        known = _Known(rules, verdict.status, verdict.score, json.dumps(verdict.result))
        with self._lock:
            self._entries[key] = known
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


# Devices whose last verdict a process keeps: about 2 KB each with the key (more for a device
# with much drift); a helper sees its share of the fleet.
KNOWN_VERDICTS = 10_000
_VERDICTS = _Verdicts(KNOWN_VERDICTS)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _verdict(
    templates: Path, rules: RuleSet, device: Device, running: str
) -> tuple[_Verdict, str | None]:
    """The device's verdict and intended hash: from the last comparison of the same configs
    under the same rules, else compared now."""
    try:
        intended = renderer_for(templates).render_device(device)
    except TemplateError as exc:
        return _Verdict.of(failed(device, str(exc))), None
    intended_hash = _digest(intended)
    key = (device.tenant, device.name, device.platform, id(rules), _digest(running), intended_hash)
    known = _VERDICTS.get(key, rules)
    if known is not None:
        return known, intended_hash
    verdict = _Verdict.of(compare_device(device, running, intended, rules))
    _VERDICTS.put(key, rules, verdict)
    return verdict, intended_hash


def _running(device: Device, item: Collected) -> str | None:
    if item.status is not Reachability.ok or item.output is None:
        return None
    return get_platform(device.platform).strip_volatile(item.output)


def audit_outcome(templates: Path, rules: RuleSet, device: Device, item: Collected) -> Outcome:
    """The device's compliance from what was collected (no I/O but reading templates), in the
    form the worker stores."""
    running = _running(device, item)
    if running is None:
        reason = f"{item.status.value}: {item.error or 'no output'}"
        verdict, intended_hash = _Verdict.of(unreachable(device, reason)), None
    else:
        verdict, intended_hash = _verdict(templates, rules, device, running)
    return Outcome(
        device=device.name,
        platform=device.platform,
        backup=running,
        status=verdict.status,
        score=verdict.score,
        result=verdict.result,
        intended_hash=intended_hash,
        session=item.status,
        seconds=item.seconds,
    )


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=64)
def _rules_at(source: RuleSource, stamps: tuple[int, int]) -> RuleSet:
    return tenant_rules(source.inventories, source.tenant)


def rules_for(source: RuleSource) -> RuleSet:
    """The tenant's rules, parsed once per process until a rule file changes on disk."""
    own = source.inventories / source.tenant / RULE_FILE
    return _rules_at(source, (_stamp(own), _stamp(source.inventories / RULE_FILE)))
