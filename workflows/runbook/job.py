"""What differs between the jobs a device runbook does (a change, a remediation, a rollout):
which lines to push, which checks prove them, where the backup is kept. The steps themselves
(`workflows/runbook/steps.py`) are written once on top of this."""

from __future__ import annotations

from abc import ABC, abstractmethod

from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError

from services.core.secrets import Credential
from services.network.backup import store_running
from services.network.inventory import Device
from services.network.session import DeviceSession
from services.network.state import DeviceState
from services.store.repos import backups as backup_repo


class DeviceJob(ABC):
    """One job on one device, its device and login resolved once for the whole activity."""

    sessions: sessionmaker[Session]
    tenant: str
    name: str  # the device's
    device: Device
    credential: Credential
    # Names the job's checkpoint, session or commit on the device (the safety net); None:
    # the plain push of rollouts started before the one runbook, saved as it goes.
    tag: str | None
    backup_noun: str  # "pre-change": how details name the backup
    backup_run_id: str  # the same backup version whenever an attempt stores it again

    def session(self, timeout: float) -> DeviceSession:
        return DeviceSession(self.device, self.credential, timeout)

    def record(self, step: str, *, started: bool = False) -> None:
        """Say where the runbook is, where the job keeps that (a campaign's device row)."""
        return None

    @abstractmethod
    def stored_backup(self) -> int | None:
        """The backup version an earlier attempt kept (it stands: never taken again)."""

    @abstractmethod
    def link_backup(self, session: Session, version: int) -> None:
        """Remember `version` as the job's backup (what `stored_backup` finds)."""

    def keep_backup(self, running: str) -> int:
        """Store the running config as the job's backup; its version."""
        with self.sessions.begin() as session:
            stored = store_running(
                session,
                tenant=self.tenant,
                device=self.name,
                platform=self.device.platform,
                running=running,
                run_id=self.backup_run_id,
            )
            self.link_backup(session, stored.version)
        return stored.version

    def backup(self) -> tuple[int, str]:
        """The kept backup's version and content (a PlanError when there is none)."""
        version = self.stored_backup()
        found = None
        if version is not None:
            with self.sessions() as session:
                found = backup_repo.get_backup(
                    session, tenant=self.tenant, device=self.name, version=version
                )
        if version is None or found is None:
            missing = f"{self.backup_noun} backup of {self.name} is missing"
            raise ApplicationError(missing, type="PlanError", non_retryable=True)
        return version, found.content

    def nothing_to_do(self, running: str) -> str:
        """Why the device needs nothing (skipped: no backup, no push); empty: it does."""
        return ""

    def pre_check(self, state: DeviceState) -> str:
        """Why the job must not touch the device (nothing is pushed); empty: go on."""
        return ""

    @abstractmethod
    def commands(self, running: str) -> tuple[list[str], str]:
        """The lines still to push on `running`, or why none may be pushed."""

    @abstractmethod
    def post_checks(
        self, session: DeviceSession, before: DeviceState, after: DeviceState
    ) -> list[str]:
        """The post-checks that failed (empty: the job is proven)."""

    @abstractmethod
    def restore_commands(self, running: str, backup: str) -> list[str]:
        """The lines that take the job's part of `running` back to `backup`."""

    def left_over(self, detail: str) -> None:
        """A restore that left lines behind: flag the device for an engineer if the job can."""
        return None
