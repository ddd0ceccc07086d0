"""A config rollout's part in the device runbook: the campaign's features brought to the
device's intent, proven by the intent and the state before, taken back to the pre-rollout
backup. Where the runbook is goes on the campaign's device row."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy.orm import Session

from services.campaigns.checks import compare_snapshots
from services.campaigns.spec import PostCheckTolerance
from services.changes.remediation import plan_remediation
from services.compliance.rules import RuleSet, tenant_rules
from services.core.errors import NetwaveError
from services.intent.merge import merge
from services.network.inventory import Device
from services.network.jump import resolve_login
from services.network.render import renderer_for
from services.network.session import DeviceSession
from services.network.state import DeviceState
from services.store.repos import campaigns as campaign_repo
from services.store.repos import intent as intent_repo
from workflows.common.context import WorkerActivities
from workflows.runbook.job import DeviceJob
from workflows.runbook.models import RolloutJob


class RolloutDeviceJob(DeviceJob):
    """Rollout `job` on `device` of `tenant`: device, login, rules and intent loaded once."""

    backup_noun = "pre-rollout"

    def __init__(
        self,
        activities: WorkerActivities,
        tenant: str,
        device: str,
        job: RolloutJob,
        *,
        tag: str | None,
    ) -> None:
        self.activities = activities
        self.tenant = tenant
        self.name = device
        self.campaign_id = job.campaign_id
        self.features = job.features
        self.tolerance: PostCheckTolerance = job.tolerance
        self.tag = tag
        self.sessions = activities.sessions
        self.backup_run_id = f"campaign-{job.campaign_id}-{device}-pre"
        self.device = activities.trusted_tenant(tenant).device(device)
        self.credential = resolve_login(activities.provider, self.device)

    @cached_property
    def rules(self) -> RuleSet:
        settings = self.activities.settings
        return tenant_rules(settings.inventories_path, self.tenant)

    @cached_property
    def intended(self) -> tuple[Device, str]:
        """The device at its intent, and its config rendered from it."""
        with self.sessions() as session:
            revisions = intent_repo.revisions(session, tenant=self.tenant, device=self.name)
        intent = merge(self.device, revisions).device
        renderer = renderer_for(self.activities.settings.templates_path)
        return intent, renderer.render_device(intent)

    def _remediation(self, running: str) -> list[str]:
        intent, intended = self.intended
        return plan_remediation(intent, running, intended, self.rules, self.features).commands

    def _update(self, session: Session, **values: Any) -> None:
        campaign_repo.update_device(
            session, campaign_id=self.campaign_id, tenant=self.tenant, device=self.name, **values
        )

    def record(self, step: str, *, started: bool = False) -> None:
        running: dict[str, Any] = {"status": "running"} if started else {}
        with self.sessions.begin() as session:
            self._update(session, step=step, **running)

    def stored_backup(self) -> int | None:
        with self.sessions() as session:
            row = campaign_repo.device_of(
                session, campaign_id=self.campaign_id, tenant=self.tenant, device=self.name
            )
        return row.backup_version

    def link_backup(self, session: Session, version: int) -> None:
        self._update(session, backup_version=version)

    def nothing_to_do(self, running: str) -> str:
        return "" if self._remediation(running) else "already as intended"

    def commands(self, running: str) -> tuple[list[str], str]:
        try:
            return self._remediation(running), ""
        except NetwaveError as exc:
            return [], exc.message

    def post_checks(
        self, session: DeviceSession, before: DeviceState, after: DeviceState
    ) -> list[str]:
        left = self._remediation(session.running())
        if left:
            return [f"still differs from intended: {left[:5]}"]
        result = compare_snapshots(before, after, self.tolerance)
        return [f"{c.name}: {c.detail}" for c in result.checks if not c.ok]

    def restore_commands(self, running: str, backup: str) -> list[str]:
        return plan_remediation(self.device, running, backup, self.rules, self.features).commands
