"""Backup activities: thin adapters over services.network (collect) and services.store."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.core.errors import InventoryError
from services.network.backup import store_running
from services.network.collect import Collected, Reachability
from services.network.inventory import list_tenants, load_tenant
from services.store.repos import tenants as tenant_repo
from workflows.backup.models import (
    BackupChunkInput,
    BackupChunkResult,
    BackupOutcome,
    BackupTargets,
    BackupTargetsInput,
    DeviceBackup,
)
from workflows.common.context import WorkerActivities
from workflows.common.heartbeat import collect_resumable, last_heartbeat


class BackupActivities(WorkerActivities):
    """See `WorkerActivities`: settings, database sessions, secrets provider."""

    @activity.defn(name="list_backup_targets")
    def list_backup_targets(self, request: BackupTargetsInput) -> BackupTargets:
        """Validate the inventories and name every device to back up, per tenant."""
        root = self.settings.inventories_path
        try:
            tenants = request.tenants or list_tenants(root)
            devices = {t: sorted(load_tenant(root, t).devices) for t in tenants}
        except InventoryError as exc:
            raise ApplicationError(str(exc), type="InventoryError", non_retryable=True) from None
        with self.sessions.begin() as session:
            for tenant in devices:
                tenant_repo.ensure_tenant(session, name=tenant)
        return BackupTargets(devices=devices)

    @activity.defn(name="backup_devices")
    def backup_devices(self, request: BackupChunkInput) -> BackupChunkResult:
        """Collect and store the running config of a chunk of one tenant's devices."""
        try:
            inventory = self.trusted_tenant(request.tenant)
        except InventoryError as exc:
            raise ApplicationError(str(exc), type="InventoryError", non_retryable=True) from None
        previous = last_heartbeat(BackupChunkResult)
        done = {d.device: d for d in previous.devices} if previous else {}
        collect_resumable(
            [inventory.device(n) for n in request.devices if n not in done],
            self.settings,
            self.provider,
            lambda item: self._store(request, item, inventory.device(item.device).platform),
            done,
            lambda devices: BackupChunkResult(devices=devices),
        )
        return BackupChunkResult(devices=[done[n] for n in request.devices])

    def _store(self, request: BackupChunkInput, item: Collected, platform: str) -> DeviceBackup:
        if item.status is not Reachability.ok or item.output is None:
            return DeviceBackup(
                tenant=request.tenant,
                device=item.device,
                outcome=BackupOutcome(item.status.value),
                error=item.error,
            )
        with self.sessions.begin() as session:
            stored = store_running(
                session,
                tenant=request.tenant,
                device=item.device,
                platform=platform,
                running=item.output,
                run_id=request.run_id,
            )
        return DeviceBackup(
            tenant=request.tenant,
            device=item.device,
            outcome=BackupOutcome(stored.outcome),
            version=stored.version,
            content_hash=stored.content_hash,
        )
