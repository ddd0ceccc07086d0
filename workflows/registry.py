"""Every workflow and activity the worker registers, in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from services.core.secrets import SecretsProvider
from services.core.settings import Settings
from services.notifications import host_keys as host_key_alerts
from workflows.audit.activities import AuditActivities
from workflows.audit.workflow import ComplianceAuditWorkflow
from workflows.backup.activities import BackupActivities
from workflows.backup.workflow import FleetBackupWorkflow
from workflows.campaigns.activities import CampaignActivities
from workflows.campaigns.device import DeviceRolloutWorkflow, DeviceUpgradeWorkflow
from workflows.campaigns.workflow import CampaignWorkflow
from workflows.changes.activities import ChangeActivities
from workflows.changes.device import DeviceChangeWorkflow
from workflows.changes.lifecycle import ChangeLifecycleActivities
from workflows.changes.workflow import ChangeWorkflow
from workflows.runbook.legacy import LegacyRunbookActivities
from workflows.trust.activities import TrustActivities
from workflows.trust.workflow import TrustHostKeysWorkflow

WORKFLOWS: list[type] = [
    FleetBackupWorkflow,
    ComplianceAuditWorkflow,
    ChangeWorkflow,
    DeviceChangeWorkflow,
    CampaignWorkflow,
    DeviceUpgradeWorkflow,
    TrustHostKeysWorkflow,
    DeviceRolloutWorkflow,
]


def local_activities(
    settings: Settings, sessions: sessionmaker[Session], provider: SecretsProvider
) -> list[Callable[..., Any]]:
    """Short database steps that workflows run as local activities, on their own worker."""
    audit = AuditActivities(settings, sessions, provider)
    return [audit.start_audit, audit.finish_audit]


def device_activities(
    settings: Settings, sessions: sessionmaker[Session], provider: SecretsProvider
) -> list[Callable[..., Any]]:
    """Synchronous activities that talk to devices; they run on the device thread pool."""
    host_key_alerts.install(settings, provider)  # their sessions' host-key mismatches, to staff
    backup = BackupActivities(settings, sessions, provider)
    audit = AuditActivities(settings, sessions, provider)
    change = ChangeActivities(settings, sessions, provider)
    lifecycle = ChangeLifecycleActivities(settings, sessions, provider)
    campaign = CampaignActivities(settings, sessions, provider)
    trust = TrustActivities(settings, sessions, provider)
    runbook = LegacyRunbookActivities(settings, sessions, provider)
    return [
        trust.trust_host_keys,
        campaign.campaign_plan,
        campaign.campaign_status,
        campaign.notify_campaign,
        campaign.campaign_device_status,
        campaign.upgrade_pre_check,
        campaign.campaign_backup,
        campaign.upgrade_stage,
        campaign.upgrade_set_boot,
        campaign.upgrade_reload,
        campaign.upgrade_wait,
        campaign.upgrade_post_check,
        change.plan_change,
        change.plan_is_current,
        lifecycle.lock_change_devices,
        lifecycle.unlock_change_devices,
        lifecycle.set_change_status,
        lifecycle.record_override,
        lifecycle.record_decision,
        lifecycle.next_change_window,
        lifecycle.notify_change,
        runbook.device_prepare,
        runbook.device_push,
        runbook.device_verify,
        runbook.device_restore,
        # for device runs started before the one runbook (workflows/runbook/legacy.py)
        runbook.change_backup,
        runbook.change_pre_check,
        runbook.change_push,
        runbook.change_verify,
        runbook.change_rollback,
        runbook.rollout_pre_check,
        runbook.rollout_push,
        runbook.rollout_verify,
        runbook.rollout_rollback,
        backup.list_backup_targets,
        backup.backup_devices,
        audit.start_audit,
        audit.audit_devices,
        audit.finish_audit,
    ]
