"""Every workflow and activity the worker registers, in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from services.core.secrets import SecretsProvider
from services.core.settings import Settings
from workflows.audit.activities import AuditActivities
from workflows.audit.workflow import ComplianceAuditWorkflow
from workflows.backup.activities import BackupActivities
from workflows.backup.workflow import FleetBackupWorkflow

WORKFLOWS: list[type] = [FleetBackupWorkflow, ComplianceAuditWorkflow]


def device_activities(
    settings: Settings, sessions: sessionmaker[Session], provider: SecretsProvider
) -> list[Callable[..., Any]]:
    """Synchronous activities that talk to devices; they run on the device thread pool."""
    backup = BackupActivities(settings, sessions, provider)
    audit = AuditActivities(settings, sessions, provider)
    return [
        backup.list_backup_targets,
        backup.backup_devices,
        audit.start_audit,
        audit.audit_devices,
        audit.finish_audit,
    ]
