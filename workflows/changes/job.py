"""A change's (or a remediation's) part in the device runbook: its approved plan, pushed once
under the safety net, proven by its post-checks, taken back to the pre-change backup."""

from __future__ import annotations

from functools import cached_property

from sqlalchemy.orm import Session

from services.changes.attention import describe, marks_on
from services.changes.plan import DevicePlan, restore_commands
from services.changes.prechecks import missing_targets
from services.changes.remaining import remaining_commands
from services.changes.remediation import RemediationRequest
from services.core.errors import NetwaveError
from services.intent.merge import Intended
from services.network.safety import tag_for
from services.network.session import DeviceSession
from services.network.state import DeviceState, VerifyCheck, VerifyResult, verify_change
from services.store.repos import attention as attention_repo
from services.store.repos import changes as change_repo
from workflows.changes.loading import AnyRequest, ChangeLoading, fail
from workflows.runbook.job import DeviceJob


class ChangeDeviceJob(DeviceJob):
    """Change `change_id` on `device`: the request, device and login are loaded once."""

    backup_noun = "pre-change"

    def __init__(self, loader: ChangeLoading, tenant: str, change_id: str, device: str) -> None:
        self.loader = loader
        self.tenant = tenant
        self.change_id = change_id
        self.name = device
        self.tag = tag_for(change_id)
        self.sessions = loader.sessions
        self.backup_run_id = f"change-{change_id}-pre"
        self.device, self.credential = loader.device_login(tenant, device)

    @cached_property
    def request(self) -> AnyRequest:
        return self.loader.request_of(self.tenant, self.change_id)

    @cached_property
    def plan(self) -> DevicePlan:
        return self.loader.plan_of(self.tenant, self.change_id, self.name)

    @cached_property
    def intent(self) -> Intended:
        return self.loader.intent_of(self.device)

    def _replan(self, running: str) -> DevicePlan:
        """The plan again on what the device runs now, against its current intent."""
        try:
            return self.loader.plan_device(
                self.device, running, self.request, self.plan.features, intent=self.intent
            )
        except NetwaveError as exc:
            raise fail(exc) from None

    def stored_backup(self) -> int | None:
        with self.sessions() as session:
            links = change_repo.backups_of(session, tenant=self.tenant, change_id=self.change_id)
        return next((b.backup_version for b in links if b.device == self.name), None)

    def link_backup(self, session: Session, version: int) -> None:
        change_repo.link_backup(
            session,
            tenant=self.tenant,
            change_id=self.change_id,
            device=self.name,
            backup_version=version,
        )

    def pre_check(self, state: DeviceState) -> str:
        with self.sessions() as session:
            marks = [
                m
                for m in marks_on(session, self.tenant, [self.name])
                if m.change_id != self.change_id
            ]
        if marks:  # an earlier rollback left lines behind: an engineer looks first
            return f"{describe(marks[0])}; nothing pushed"
        if isinstance(self.request, RemediationRequest):
            return ""
        missing = missing_targets(self.request, self.intent.device.data, state)
        if not missing:
            return ""
        interfaces = ", ".join(sorted(state.interfaces)) or "none"
        return (
            f"{', '.join(missing)} does not exist on {self.name} "
            f"(interfaces: {interfaces}); nothing pushed"
        )

    def commands(self, running: str) -> tuple[list[str], str]:
        # A retry after a push cut short (a worker killed mid-push on a NOS that applies each
        # line as it is typed) sends only what the device still lacks, only approved lines.
        _version, backup = self.backup()
        left = remaining_commands(self.plan, running, backup)
        approved = {c.strip() for c in self.plan.commands}
        unapproved = [c.strip() for c in left if c.strip() not in approved]
        if unapproved:
            return [], (
                f"the device changed since the plan: {'; '.join(unapproved[:5])} "
                "was not approved; nothing pushed"
            )
        return left, ""

    def post_checks(
        self, session: DeviceSession, before: DeviceState, after: DeviceState
    ) -> list[str]:
        if isinstance(self.request, RemediationRequest):
            left = self._replan(session.running()).commands
            lost = sorted(before.interfaces.keys() - after.interfaces.keys())
            checks = [
                VerifyCheck(
                    name="compliant",
                    ok=not left,
                    detail=f"still to push: {left}" if left else "features match the golden config",
                ),
                VerifyCheck(
                    name="interfaces",
                    ok=not lost,
                    detail=f"missing after the change: {lost}" if lost else "all still present",
                ),
            ]
            result = VerifyResult(ok=all(c.ok for c in checks), checks=checks)
        else:
            result = verify_change(self.request, before, after, self.device.data)
        return [f"{c.name}: {c.detail}" for c in result.checks if not c.ok]

    def restore_commands(self, running: str, backup: str) -> list[str]:
        return restore_commands(self.plan, running, backup)

    def left_over(self, detail: str) -> None:
        with (
            self.loader.sessions.begin() as session
        ):  # no change reaches it until an engineer looked
            attention_repo.raise_attention(
                session,
                tenant=self.tenant,
                device=self.name,
                change_id=self.change_id,
                reason=detail,
            )
