"""Backup activities: thin adapters over services.network (collect) and services.store."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.core.errors import InventoryError
from services.core.secrets import SecretsProvider
from services.core.settings import Settings
from services.network.collect import Collected, Reachability, collect
from services.network.inventory import list_tenants, load_tenant
from services.network.platforms import get_platform
from services.store.repos import backups as backup_repo
from services.store.repos import tenants as tenant_repo
from workflows.backup.models import (
    BackupChunkInput,
    BackupChunkResult,
    BackupOutcome,
    BackupTargets,
    BackupTargetsInput,
    DeviceBackup,
)

HEARTBEAT_SECONDS = 1.0


class BackupActivities:
    """Holds the worker's settings, database sessions and secrets provider."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], provider: SecretsProvider
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.provider = provider

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
            inventory = load_tenant(self.settings.inventories_path, request.tenant)
        except InventoryError as exc:
            raise ApplicationError(str(exc), type="InventoryError", non_retryable=True) from None
        done = self._resume(request)
        lock = threading.Lock()

        def on_done(item: Collected) -> None:
            outcome = self._store(request, item, inventory.device(item.device).platform)
            with lock:
                done[item.device] = outcome

        pending = [inventory.device(n) for n in request.devices if n not in done]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="backup") as pool:
            future = pool.submit(
                collect,
                pending,
                self.provider,
                workers=self.settings.device_workers,
                timeout=self.settings.device_timeout,
                on_done=on_done,
            )
            while True:
                try:
                    future.result(timeout=HEARTBEAT_SECONDS)
                    break
                except FutureTimeout:
                    with lock:
                        activity.heartbeat(BackupChunkResult(devices=list(done.values())))
        return BackupChunkResult(devices=[done[n] for n in request.devices])

    def _resume(self, request: BackupChunkInput) -> dict[str, DeviceBackup]:
        """Devices finished by an earlier attempt of this activity (from its last heartbeat)."""
        details = activity.info().heartbeat_details
        if not details:
            return {}
        previous = BackupChunkResult.model_validate(details[0])
        return {d.device: d for d in previous.devices if d.device in request.devices}

    def _store(self, request: BackupChunkInput, item: Collected, platform: str) -> DeviceBackup:
        if item.status is not Reachability.ok or item.output is None:
            return DeviceBackup(
                tenant=request.tenant,
                device=item.device,
                outcome=BackupOutcome(item.status.value),
                error=item.error,
            )
        with self.sessions.begin() as session:
            stored = backup_repo.store_backup(
                session,
                tenant=request.tenant,
                device=item.device,
                content=get_platform(platform).strip_volatile(item.output),
                run_id=request.run_id,
                collected_at=datetime.now(UTC),
            )
        return DeviceBackup(
            tenant=request.tenant,
            device=item.device,
            outcome=BackupOutcome(stored.outcome),
            version=stored.version,
            content_hash=stored.content_hash,
        )
