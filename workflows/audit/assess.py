"""Render intended and compare it with running: in helper processes, off the worker's GIL.

An audit spends its per-device CPU on the SSH session (Paramiko, in Nornir's threads),
rendering and comparing (Jinja2, hier_config) and storing. One Python interpreter runs one of
those at a time, so the worker hands render + compare to `assess_processes` helper processes
and keeps its own interpreter for the sessions and the database. With 0 helper processes (or
when the helpers cannot start) the worker's threads assess, as before.

A helper gets the device, its running config and where the rules live; it keeps rule sets and
compiled templates between calls (a rule file that changes on disk is read again).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from services.compliance.compare import compare_device, failed, unreachable
from services.compliance.report import DeviceCompliance
from services.compliance.rules import RULE_FILE, RuleSet, tenant_rules
from services.core.errors import TemplateError
from services.network.collect import Collected, Reachability
from services.network.inventory import Device
from services.network.platforms import get_platform
from services.network.render import renderer_for

log = logging.getLogger(__name__)


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


def assess_device(templates: Path, rules: RuleSet, device: Device, item: Collected) -> Assessment:
    """The device's compliance from what was collected (no I/O but reading templates)."""
    if item.status is not Reachability.ok or item.output is None:
        reason = f"{item.status.value}: {item.error or 'no output'}"
        return Assessment(unreachable(device, reason), None)
    running = get_platform(device.platform).strip_volatile(item.output)
    try:
        intended = renderer_for(templates).render_device(device)
    except TemplateError as exc:
        return Assessment(failed(device, str(exc)), None)
    digest = hashlib.sha256(intended.encode()).hexdigest()
    return Assessment(compare_device(device, running, intended, rules), digest)


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=64)
def _rules_at(source: RuleSource, stamps: tuple[int, int]) -> RuleSet:
    return tenant_rules(source.inventories, source.tenant, source.default)


def _in_helper(templates: Path, source: RuleSource, device: Device, item: Collected) -> Assessment:
    """Runs in a helper process."""
    own = source.inventories / source.tenant / RULE_FILE
    rules = _rules_at(source, (_stamp(own), _stamp(source.default)))
    return assess_device(templates, rules, device, item)


def _exit_with(parent: int) -> None:
    """Helper initializer: leave when the worker is gone (a kill -9 leaves helpers behind)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class AssessPool:
    """The worker's helper processes, started on first use, shared by its activity threads."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._disabled = processes < 1

    def _pool(self) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._executor is None and not self._disabled:
                # spawn: never fork a process that runs Temporal's and Nornir's threads
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(
                    self.processes,
                    mp_context=context,
                    initializer=_exit_with,
                    initargs=(os.getpid(),),
                )
                atexit.register(self.close)
            return self._executor

    def assess(
        self,
        templates: Path,
        rules: RuleSet,
        source: RuleSource,
        device: Device,
        item: Collected,
    ) -> Assessment:
        """Assess in a helper process (the calling thread waits without holding the GIL)."""
        pool = self._pool() if item.status is Reachability.ok else None
        if pool is not None:
            try:
                return pool.submit(_in_helper, templates, source, device, item).result()
            except BrokenProcessPool:
                self._give_up("a helper process died")
            except (OSError, RuntimeError) as exc:  # cannot start processes here
                self._give_up(str(exc))
        return assess_device(templates, rules, device, item)

    def _give_up(self, why: str) -> None:
        with self._lock:
            if not self._disabled:
                log.warning("audit helper processes off (%s); assessing in the worker", why)
            self._disabled = True

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
