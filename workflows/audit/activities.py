"""Audit activities: thin adapters over services.network, services.compliance, services.store."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.compliance.rules import RuleSet
from services.core.errors import InventoryError, RuleError
from services.intent.source import intended_inventory
from services.network.collect import Collected, collect
from services.network.inventory import TenantInventory
from services.observability import outcomes
from services.store.repos import compliance as report_repo
from services.store.repos import tenants as tenant_repo
from services.store.repos.backups import BackupItem, store_backups
from services.store.repos.compliance import DeviceResult
from services.store.repos.host_keys import with_trust
from workflows.audit.assess import Outcome, RuleSource, audit_outcome, rules_for
from workflows.audit.models import (
    AuditChunkInput,
    AuditChunkResult,
    AuditFinishInput,
    AuditPlan,
    AuditResult,
    AuditStartInput,
    DeviceAudit,
)
from workflows.audit.session_pool import SliceJob, shared_pool
from workflows.common.context import WorkerActivities
from workflows.common.heartbeat import last_heartbeat, run_heartbeating

# One write transaction at a time per worker process: SQLite has one write lock, and writers
# queueing here wait in order instead of polling the lock until its busy timeout runs out
# (opening and closing a report too: polling, they waited up to a second behind the writers).
_WRITE_LOCK = threading.Lock()
# Results per write transaction: large enough that the lock is taken rarely, small enough that
# a heartbeat (every second) reports progress and a crash loses little work.
WRITE_BATCH = 25
# How long the first result of a batch waits for more. Results trickle in from the helpers a
# few at a time; written as they came, a transaction held 1-2 devices and its fixed cost
# (about 3 ms of statements) was most of the worker's CPU in a 1,000-device audit.
WRITE_LINGER = 0.25


class _ResultWriter:
    """Stores assessed devices from one thread, a batch per transaction, into `done`."""

    def __init__(
        self, store: Callable[[list[Outcome]], list[DeviceAudit]], done: dict[str, DeviceAudit]
    ) -> None:
        self._store = store
        self._done = done
        self._queue: queue.Queue[Outcome | None] = queue.Queue()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
        self._error: BaseException | None = None

    def put(self, assessed: Outcome) -> None:
        self._queue.put(assessed)

    def snapshot(self) -> list[DeviceAudit]:
        with self._lock:
            return list(self._done.values())

    def _next_batch(self) -> tuple[list[Outcome], bool]:
        """Up to WRITE_BATCH results, waiting at most WRITE_LINGER after the first one; True
        when the activity has no more to send."""
        batch: list[Outcome] = []
        item = self._queue.get()
        deadline = time.monotonic() + WRITE_LINGER
        while item is not None:
            batch.append(item)
            if len(batch) >= WRITE_BATCH:
                break
            try:
                item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
        return batch, item is None

    def _run(self) -> None:
        finished = False
        while not finished:
            batch, finished = self._next_batch()
            if batch and self._error is None:
                try:
                    with _WRITE_LOCK:
                        stored = self._store(batch)
                except BaseException as exc:  # raised again in the activity's thread
                    self._error = exc
                    continue
                with self._lock:
                    self._done.update((a.device, a) for a in stored)

    def __enter__(self) -> _ResultWriter:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._queue.put(None)
        self._thread.join()
        if exc is None and self._error is not None:
            raise self._error


class AuditActivities(WorkerActivities):
    """See `WorkerActivities`: settings, database sessions, secrets provider."""

    def _rule_source(self, tenant: str) -> RuleSource:
        """The tenant's rule file, else the fleet's default (inventories/compliance.yaml)."""
        return RuleSource(self.settings.inventories_path, tenant)

    def _load(self, tenant: str) -> tuple[TenantInventory, RuleSet]:
        source = self._rule_source(tenant)
        try:
            with self.sessions() as session:  # the files once per version, plus revisions
                inventory = with_trust(
                    session, intended_inventory(session, source.inventories, tenant)
                )
            return inventory, rules_for(source)
        except (InventoryError, RuleError) as exc:
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from None

    @activity.defn(name="start_audit")
    def start_audit(self, request: AuditStartInput) -> AuditPlan:
        """Validate inventory and rules, open the report and name the devices to audit."""
        inventory, _rules = self._load(request.tenant)
        with _WRITE_LOCK, self.sessions.begin() as session:
            tenant_repo.ensure_tenant(session, name=request.tenant)
            report = report_repo.start_report(
                session,
                tenant=request.tenant,
                workflow_id=request.workflow_id,
                requested_by=request.requested_by,
            )
        return AuditPlan(report_id=report.id, devices=sorted(inventory.devices))

    @activity.defn(name="audit_devices")
    def audit_devices(self, request: AuditChunkInput) -> AuditChunkResult:
        """Collect, back up, render intended and compare a chunk of one tenant's devices.

        The session pool's helper processes collect and compare (this worker's threads do what
        no helper finished); one writer thread stores the results in batches (one transaction
        per batch). With SQLite's single write lock, a transaction per device from 50
        collecting threads left most of them queueing for the lock instead of talking to
        devices. Heartbeats carry only devices whose rows are committed, so a retry after a
        crash redoes exactly the devices that were not stored.
        """
        inventory, rules = self._load(request.tenant)
        source = self._rule_source(request.tenant)
        previous = last_heartbeat(AuditChunkResult)
        done = {d.device: d for d in previous.devices} if previous else {}
        pending = [inventory.device(n) for n in request.devices if n not in done]
        writer = _ResultWriter(lambda batch: self._store(request, batch), done)
        job = SliceJob(
            devices=pending,
            provider=self.provider,
            templates=self.settings.templates_path,
            source=source,
            workers=self.settings.device_workers,
            timeout=self.settings.device_timeout,
        )

        def work() -> None:
            with writer:
                pool = shared_pool(self.settings.session_processes)
                left = pool.audit(job, writer.put)
                collect(  # no helpers, or what a lost helper did not finish
                    left,
                    self.provider,
                    workers=self.settings.device_workers,
                    timeout=self.settings.device_timeout,
                    on_done=lambda item: writer.put(self._assess_here(inventory, rules, item)),
                )

        run_heartbeating(work, lambda: AuditChunkResult(devices=writer.snapshot()))
        return AuditChunkResult(devices=[done[n] for n in request.devices])

    def _assess_here(self, inventory: TenantInventory, rules: RuleSet, item: Collected) -> Outcome:
        """Render intended and compare in this process (when no helper did)."""
        device = inventory.device(item.device)
        return audit_outcome(self.settings.templates_path, rules, device, item)

    def _store(self, request: AuditChunkInput, batch: list[Outcome]) -> list[DeviceAudit]:
        """Write the backup versions and results of a batch: one transaction, few statements."""
        items = [BackupItem(one.device, one.backup) for one in batch if one.backup is not None]
        with self.sessions.begin() as session:
            stored = {
                backup.device: backup
                for backup in store_backups(
                    session,
                    tenant=request.tenant,
                    items=items,
                    run_id=request.run_id,
                    collected_at=datetime.now(UTC),
                )
            }
            results = [
                DeviceResult(
                    device=one.device,
                    platform=one.platform,
                    status=one.status,
                    score=one.score,
                    result=one.result,
                    backup_version=backup.version if backup else None,
                    running_hash=backup.content_hash if backup else None,
                    intended_hash=one.intended_hash,
                )
                for one in batch
                for backup in [stored.get(one.device)]
            ]
            report_repo.record_devices(
                session, report_id=request.report_id, tenant=request.tenant, results=results
            )
        return [
            DeviceAudit(
                device=r.device,
                status=r.status,
                score=r.score,
                backup_version=r.backup_version,
                running_hash=r.running_hash,
            )
            for r in results
        ]

    @activity.defn(name="finish_audit")
    def finish_audit(self, request: AuditFinishInput) -> AuditResult:
        """Close the report: counts and tenant score from the stored device results."""
        with _WRITE_LOCK, self.sessions.begin() as session:
            before = report_repo.get_report(
                session, tenant=request.tenant, report_id=request.report_id
            )
            report = report_repo.finish_report(
                session, report_id=request.report_id, tenant=request.tenant
            )
        if before is not None and before.status == "running" and report.finished_at:
            took = report.finished_at - report.started_at  # once: not again on a retry
            outcomes.audit_finished(request.tenant, took.total_seconds())
        return AuditResult(
            tenant=request.tenant,
            report_id=report.id,
            score=report.score,
            counts={
                "compliant": report.devices_compliant,
                "drift": report.devices_drift,
                "unreachable": report.devices_unreachable,
                "error": report.devices_error,
            },
        )
