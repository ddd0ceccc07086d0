"""SQLAlchemy 2 models, one module per area; every model and its value lists are importable
from here, and importing this package registers every table on `Base.metadata` (Alembic's
env.py and the migration tests compare against it)."""

from __future__ import annotations

from services.store.models.audit_log import (
    AuditEntry,
)
from services.store.models.backups import (
    ConfigBackup,
    ConfigBlob,
)
from services.store.models.base import (
    NAMING_CONVENTION,
    Base,
    UTCDateTime,
    table_of,
    utcnow,
)
from services.store.models.campaigns import (
    CAMPAIGN_DEVICE_STATUSES,
    CAMPAIGN_EVENTS,
    CAMPAIGN_STATUSES,
    Campaign,
    CampaignDevice,
    CampaignDeviceStatus,
    CampaignEvent,
    CampaignEventKind,
    CampaignStatus,
    OsImage,
)
from services.store.models.changes import (
    APPROVAL_DECISIONS,
    CHANGE_EVENTS_HINT,
    CHANGE_KINDS,
    CHANGE_STATUSES,
    ApprovalDecision,
    ChangeApproval,
    ChangeBackup,
    ChangeEvent,
    ChangeKind,
    ChangePlan,
    ChangeRequest,
    ChangeStatus,
)
from services.store.models.compliance import (
    DEVICE_RESULT_STATUSES,
    REPORT_STATUSES,
    ComplianceReport,
    DeviceComplianceResult,
    DeviceResultStatus,
    ReportStatus,
)
from services.store.models.device_holds import (
    DeviceAttention,
    DeviceLock,
)
from services.store.models.host_keys import (
    HostKeyRow,
)
from services.store.models.intent import (
    IntentRevisionRow,
)
from services.store.models.runs import (
    Run,
)
from services.store.models.tenants import (
    ROLES,
    ApiToken,
    EndedConsoleSession,
    Role,
    Tenant,
)

__all__ = [
    "APPROVAL_DECISIONS",
    "CAMPAIGN_DEVICE_STATUSES",
    "CAMPAIGN_EVENTS",
    "CAMPAIGN_STATUSES",
    "CHANGE_EVENTS_HINT",
    "CHANGE_KINDS",
    "CHANGE_STATUSES",
    "DEVICE_RESULT_STATUSES",
    "NAMING_CONVENTION",
    "REPORT_STATUSES",
    "ROLES",
    "ApiToken",
    "ApprovalDecision",
    "AuditEntry",
    "Base",
    "Campaign",
    "CampaignDevice",
    "CampaignDeviceStatus",
    "CampaignEvent",
    "CampaignEventKind",
    "CampaignStatus",
    "ChangeApproval",
    "ChangeBackup",
    "ChangeEvent",
    "ChangeKind",
    "ChangePlan",
    "ChangeRequest",
    "ChangeStatus",
    "ComplianceReport",
    "ConfigBackup",
    "ConfigBlob",
    "DeviceAttention",
    "DeviceComplianceResult",
    "DeviceLock",
    "DeviceResultStatus",
    "EndedConsoleSession",
    "HostKeyRow",
    "IntentRevisionRow",
    "OsImage",
    "ReportStatus",
    "Role",
    "Run",
    "Tenant",
    "UTCDateTime",
    "table_of",
    "utcnow",
]
