"""The trust activity: read each host's key without logging in, record it in the database.

Jump hosts come first: a device behind one is read through a tunnel that checks the bastion's
key, so a bastion whose key changed (and is not replaced) leaves its devices unread. Recording
is per host, in its own transaction; the workflow's history holds names and fingerprints only.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.core.errors import InventoryError
from services.network.host_keys import HostKey, known_hosts_name
from services.network.inventory import Device, load_tenant
from services.network.trust import Scanned, scan_all, scan_device, scan_jump_host
from services.store.repos import host_keys as host_key_repo
from services.store.repos import tenants as tenant_repo
from services.store.repos.host_keys import Role, TrustOutcome, jump_host_name
from workflows.common.context import WorkerActivities
from workflows.trust.models import TrustedHost, TrustInput, TrustReport


class TrustActivities(WorkerActivities):
    """See `WorkerActivities`: settings, database sessions, secrets provider."""

    @activity.defn(name="trust_host_keys")
    def trust_host_keys(self, request: TrustInput) -> TrustReport:
        """Read and record the keys of the tenant's devices (all, or those named)."""
        devices = self._devices(request)
        timeout = self.settings.device_timeout
        with self.sessions.begin() as session:
            tenant_repo.ensure_tenant(session, name=request.tenant)
        hosts: list[TrustedHost] = []
        bastions = {
            jump_host_name(d.jump_host.hostname, d.jump_host.port): d.jump_host
            for d in devices
            if d.jump_host is not None
        }
        usable: dict[str, HostKey | None] = {}
        for address, bastion in sorted(bastions.items()):
            scanned = scan_jump_host(bastion, timeout)
            entry = self._record(request, "jump_host", address, address, scanned)
            hosts.append(entry)
            # A tunnel trusts the key recorded now (new, unchanged, replaced), never a mismatch.
            trusted = entry.outcome is not None and entry.outcome != TrustOutcome.mismatch
            usable[address] = scanned.key if trusted else None

        def scan(device: Device) -> Scanned:
            if device.jump_host is None:
                return scan_device(device, self.provider, None, timeout)
            address = jump_host_name(device.jump_host.hostname, device.jump_host.port)
            if usable.get(address) is None:
                return Scanned(error=f"jump host {address} is not trusted (see its entry)")
            return scan_device(device, self.provider, usable[address], timeout)

        found = scan_all(devices, scan, self.settings.device_workers)
        for device in devices:
            address = known_hosts_name(device.hostname, device.port)
            hosts.append(self._record(request, "device", device.name, address, found[device.name]))
            activity.heartbeat(len(hosts))
        return TrustReport(tenant=request.tenant, hosts=hosts)

    def _devices(self, request: TrustInput) -> list[Device]:
        try:
            inventory = load_tenant(self.settings.inventories_path, request.tenant)
        except InventoryError as exc:
            raise ApplicationError(str(exc), type="InventoryError", non_retryable=True) from None
        names = request.devices or sorted(inventory.devices)
        unknown = [n for n in names if n not in inventory.devices]
        if unknown:
            raise ApplicationError(
                f"tenant {request.tenant!r} has no device {', '.join(map(repr, unknown))}",
                type="InventoryError",
                non_retryable=True,
            )
        return [inventory.devices[n] for n in names]

    def _record(
        self, request: TrustInput, role: Role, host: str, address: str, scanned: Scanned
    ) -> TrustedHost:
        if scanned.key is None:
            return TrustedHost(role=role, host=host, address=address, error=scanned.error)
        with self.sessions.begin() as session:
            outcome, previous = host_key_repo.record_key(
                session,
                tenant=request.tenant,
                role=role,
                host=host,
                address=address,
                key=scanned.key,
                actor=request.requested_by,
                replace=request.replace,
            )
        return TrustedHost(
            role=role,
            host=host,
            address=address,
            outcome=outcome.value,
            key_type=scanned.key.key_type,
            fingerprint=scanned.key.fingerprint,
            previous=previous if outcome is not TrustOutcome.new else None,
        )
