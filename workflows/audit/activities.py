"""Audit activities: thin adapters over services.network, services.compliance, services.store."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from services.compliance.compare import compare_device, failed, unreachable
from services.compliance.report import DeviceCompliance
from services.compliance.rules import RuleSet, tenant_rules
from services.core.errors import InventoryError, RuleError, TemplateError
from services.core.secrets import SecretsProvider
from services.core.settings import Settings
from services.network.backup import store_running
from services.network.collect import Collected, Reachability
from services.network.inventory import TenantInventory, load_tenant
from services.network.platforms import get_platform
from services.network.render import renderer_for
from services.store.repos import compliance as report_repo
from services.store.repos import tenants as tenant_repo
from workflows.audit.models import (
    AuditChunkInput,
    AuditChunkResult,
    AuditFinishInput,
    AuditPlan,
    AuditResult,
    AuditStartInput,
    DeviceAudit,
)
from workflows.common.heartbeat import collect_resumable, last_heartbeat


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class AuditActivities:
    """Holds the worker's settings, database sessions and secrets provider."""

    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], provider: SecretsProvider
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.provider = provider

    def _load(self, tenant: str) -> tuple[TenantInventory, RuleSet]:
        root = self.settings.inventories_path
        try:
            default = self.settings.templates_path / "compliance.yaml"
            return load_tenant(root, tenant), tenant_rules(root, tenant, default)
        except (InventoryError, RuleError) as exc:
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from None

    @activity.defn(name="start_audit")
    def start_audit(self, request: AuditStartInput) -> AuditPlan:
        """Validate inventory and rules, open the report and name the devices to audit."""
        inventory, _rules = self._load(request.tenant)
        with self.sessions.begin() as session:
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
        """Collect, back up, render intended and compare a chunk of one tenant's devices."""
        inventory, rules = self._load(request.tenant)
        previous = last_heartbeat(AuditChunkResult)
        done = {d.device: d for d in previous.devices} if previous else {}
        collect_resumable(
            [inventory.device(n) for n in request.devices if n not in done],
            self.settings,
            self.provider,
            lambda item: self._audit_one(request, inventory, rules, item),
            done,
            lambda devices: AuditChunkResult(devices=devices),
        )
        return AuditChunkResult(devices=[done[n] for n in request.devices])

    def _audit_one(
        self, request: AuditChunkInput, inventory: TenantInventory, rules: RuleSet, item: Collected
    ) -> DeviceAudit:
        """Compare first, then write the backup version and the result in one transaction."""
        device = inventory.device(item.device)
        intended_hash: str | None = None
        report: DeviceCompliance
        reachable = item.status is Reachability.ok and item.output is not None
        if not reachable:
            report = unreachable(device, f"{item.status.value}: {item.error or 'no output'}")
        else:
            running = get_platform(device.platform).strip_volatile(item.output or "")
            try:
                intended = renderer_for(self.settings.templates_path).render_device(device)
            except TemplateError as exc:
                report = failed(device, str(exc))
            else:
                intended_hash = _sha256(intended)
                report = compare_device(device, running, intended, rules)
        with self.sessions.begin() as session:
            stored = (
                store_running(
                    session,
                    tenant=device.tenant,
                    device=device.name,
                    platform=device.platform,
                    running=item.output or "",
                    run_id=request.run_id,
                )
                if reachable
                else None
            )
            report_repo.record_device(
                session,
                report_id=request.report_id,
                tenant=device.tenant,
                device=device.name,
                platform=device.platform,
                status=report.status,
                score=report.score,
                result=report.model_dump(mode="json"),
                backup_version=stored.version if stored else None,
                running_hash=stored.content_hash if stored else None,
                intended_hash=intended_hash,
            )
        return DeviceAudit(
            device=device.name,
            status=report.status,
            score=report.score,
            backup_version=stored.version if stored else None,
            running_hash=stored.content_hash if stored else None,
        )

    @activity.defn(name="finish_audit")
    def finish_audit(self, request: AuditFinishInput) -> AuditResult:
        """Close the report: counts and tenant score from the stored device results."""
        with self.sessions.begin() as session:
            report = report_repo.finish_report(
                session, report_id=request.report_id, tenant=request.tenant
            )
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
