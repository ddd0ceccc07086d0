"""SQLAlchemy 2 models: tenants, tokens, backups, runs, compliance reports, the audit log and
change requests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, ORMExecuteState, Session, mapped_column

from services.campaigns.lifecycle import CAMPAIGN_DEVICE_STATUSES as CAMPAIGN_DEVICE_STATUSES
from services.campaigns.lifecycle import CAMPAIGN_STATUSES as CAMPAIGN_STATUSES
from services.campaigns.lifecycle import CampaignDeviceStatus as CampaignDeviceStatus
from services.campaigns.lifecycle import CampaignStatus as CampaignStatus
from services.changes.lifecycle import APPROVAL_DECISIONS as APPROVAL_DECISIONS
from services.changes.lifecycle import CHANGE_STATUSES as CHANGE_STATUSES
from services.changes.lifecycle import ApprovalDecision as ApprovalDecision
from services.changes.lifecycle import ChangeStatus as ChangeStatus
from services.store.errors import AppendOnlyError

Role = Literal["tenant", "engineer", "approver", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
ReportStatus = Literal["running", "completed", "failed"]
REPORT_STATUSES: tuple[ReportStatus, ...] = get_args(ReportStatus)
DeviceResultStatus = Literal["compliant", "drift", "unreachable", "error"]
DEVICE_RESULT_STATUSES: tuple[DeviceResultStatus, ...] = get_args(DeviceResultStatus)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; SQLite stores naive UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; pass a UTC-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk statements that skip the ORM's per-row work."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


class Tenant(Base):
    """A client of the MSP; every tenant-owned row points here."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    display_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """An API token; only the HMAC of the token is stored, the prefix identifies it."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="role"),
        CheckConstraint(
            "(role = 'tenant' AND tenant_id IS NOT NULL)"
            " OR (role <> 'tenant' AND tenant_id IS NULL)",
            name="tenant_scope",
        ),
        CheckConstraint("principal_kind IN ('person', 'system')", name="principal_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))  # a label: what the token is for
    # Who stands behind it (services/core/principals.py): four-eyes and the audit log use it.
    principal: Mapped[str] = mapped_column(String(100), index=True)
    principal_kind: Mapped[str] = mapped_column(String(16), default="person")
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ConfigBlob(Base):
    """One row per distinct configuration text, keyed by its SHA-256."""

    __tablename__ = "config_blobs"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)


class ConfigBackup(Base):
    """Version N of a device's configuration in a tenant; a new version only on change."""

    __tablename__ = "config_backups"
    __table_args__ = (
        UniqueConstraint("tenant_id", "device", "version"),
        UniqueConstraint("tenant_id", "device", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    device: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(ForeignKey("config_blobs.content_hash"), index=True)
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[str | None] = mapped_column(String(255))


class Run(Base):
    """A workflow started on behalf of someone, so runs can be listed and scoped by tenant."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    workflow_id: Mapped[str] = mapped_column(String(255), unique=True)
    requested_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _one_of(values: tuple[str, ...]) -> str:
    """The SQL list of allowed values for a CHECK constraint."""
    return ", ".join(repr(value) for value in values)


class ComplianceReport(Base):
    """One compliance audit of a tenant (one workflow); counts and score set when it finishes."""

    __tablename__ = "compliance_reports"
    __table_args__ = (
        CheckConstraint(f"status IN ({_one_of(REPORT_STATUSES)})", name="status"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        Index("ix_compliance_reports_tenant_id_started_at", "tenant_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    workflow_id: Mapped[str] = mapped_column(String(255), unique=True)
    requested_by: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[ReportStatus] = mapped_column(String(16), default="running")
    devices_total: Mapped[int] = mapped_column(Integer, default=0)
    devices_compliant: Mapped[int] = mapped_column(Integer, default=0)
    devices_drift: Mapped[int] = mapped_column(Integer, default=0)
    devices_unreachable: Mapped[int] = mapped_column(Integer, default=0)
    devices_error: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float)


class DeviceComplianceResult(Base):
    """One device's result in a report; `result` is the full DeviceCompliance JSON."""

    __tablename__ = "device_compliance_results"
    __table_args__ = (
        UniqueConstraint("report_id", "device"),
        CheckConstraint(f"status IN ({_one_of(DEVICE_RESULT_STATUSES)})", name="status"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[str] = mapped_column(ForeignKey("compliance_reports.id", ondelete="CASCADE"))
    device: Mapped[str] = mapped_column(String(255), index=True)
    platform: Mapped[str] = mapped_column(String(64))
    status: Mapped[DeviceResultStatus] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    backup_version: Mapped[int | None] = mapped_column(Integer)
    running_hash: Mapped[str | None] = mapped_column(String(64))
    intended_hash: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(Base):
    """One append-only audit record; the tenant is kept by name so it outlives the tenant."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_tenant_entry", "tenant", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(100))
    tenant: Mapped[str | None] = mapped_column(String(63))
    object: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_flush(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    """Refuse a unit-of-work UPDATE or DELETE of an audit entry."""
    raise AppendOnlyError(f"audit entry {target.id} cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_bulk(state: ORMExecuteState) -> None:
    """Refuse ORM-enabled `update(AuditEntry)` and `delete(AuditEntry)` statements."""
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is AuditEntry:
        raise AppendOnlyError("audit entries cannot be changed or deleted")


# --- Capacity change requests (issue 5) -------------------------------------------------------

ChangeKind = Literal["wan_bandwidth", "qos_profile", "vlan_handoff", "remediation"]
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)


class ChangeRequest(Base):
    """A tenant's capacity change request; `params` is the validated request body."""

    __tablename__ = "change_requests"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key"),
        CheckConstraint(f"kind IN ({_one_of(CHANGE_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({_one_of(CHANGE_STATUSES)})", name="status"),
        CheckConstraint(
            "window_start IS NULL OR window_end IS NULL OR window_end > window_start",
            name="window_order",
        ),
        Index("ix_change_requests_tenant_id_created_at", "tenant_id", "created_at"),
        Index("ix_change_requests_status_created_at", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    site: Mapped[str] = mapped_column(String(255))
    kind: Mapped[ChangeKind] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[ChangeStatus] = mapped_column(String(32), default="submitted")
    requested_by: Mapped[str] = mapped_column(String(255))
    requested_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    workflow_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    policy_reason: Mapped[str | None] = mapped_column(Text)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure: Mapped[str | None] = mapped_column(Text)


class ChangePlan(Base):
    """Revision N of a change's plan: per device commands, rollback, diff and config hashes."""

    __tablename__ = "change_plans"
    __table_args__ = (
        UniqueConstraint("change_id", "revision"),
        CheckConstraint("revision >= 1", name="revision_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    revision: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    devices: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    plan_hash: Mapped[str] = mapped_column(String(64))


class ChangeEvent(Base):
    """One append-only status change of a change request (from_status is NULL on creation)."""

    __tablename__ = "change_events"
    __table_args__ = (
        CheckConstraint(
            f"from_status IS NULL OR from_status IN ({_one_of(CHANGE_STATUSES)})",
            name="from_status",
        ),
        CheckConstraint(f"to_status IN ({_one_of(CHANGE_STATUSES)})", name="to_status"),
        Index("ix_change_events_change_id_id", "change_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_status: Mapped[ChangeStatus | None] = mapped_column(String(32))
    to_status: Mapped[ChangeStatus] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChangeApproval(Base):
    """An approver's decision on one plan revision; a decision counts once per revision."""

    __tablename__ = "change_approvals"
    __table_args__ = (
        UniqueConstraint("change_id", "plan_revision", "decision"),
        CheckConstraint(f"decision IN ({_one_of(APPROVAL_DECISIONS)})", name="decision"),
        ForeignKeyConstraint(
            ["change_id", "plan_revision"], ["change_plans.change_id", "change_plans.revision"]
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    plan_revision: Mapped[int] = mapped_column(Integer)
    approver: Mapped[str] = mapped_column(String(255))
    approver_token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"))
    decision: Mapped[ApprovalDecision] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(String(1000))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChangeBackup(Base):
    """The pre-change backup version of one device of a change (a config_backups version)."""

    __tablename__ = "change_backups"
    __table_args__ = (UniqueConstraint("change_id", "device"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    device: Mapped[str] = mapped_column(String(255))
    backup_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


CHANGE_EVENTS_HINT = "change events are append-only; transition the change instead"


@event.listens_for(ChangeEvent, "before_update")
@event.listens_for(ChangeEvent, "before_delete")
def _refuse_change_event_flush(_mapper: Any, _connection: Any, target: ChangeEvent) -> None:
    """Refuse a unit-of-work UPDATE or DELETE of a change event."""
    raise AppendOnlyError(
        f"change event {target.id} cannot be changed or deleted", hint=CHANGE_EVENTS_HINT
    )


@event.listens_for(Session, "do_orm_execute")
def _refuse_change_event_bulk(state: ORMExecuteState) -> None:
    """Refuse ORM-enabled `update(ChangeEvent)` and `delete(ChangeEvent)` statements."""
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is ChangeEvent:
        raise AppendOnlyError("change events cannot be changed or deleted", hint=CHANGE_EVENTS_HINT)


# --- intended state -------------------------------------------------------------------------


class IntentRevisionRow(Base):
    """Revision `seq` of a device's intent: the data paths one verified change set on it.

    Written once, in the transaction that records the change `verified`; `edits` is a list of
    {path, before, after}. Folded revisions were written back to the inventory files.
    """

    __tablename__ = "intent_revisions"
    __table_args__ = (
        UniqueConstraint("change_id", "device"),
        UniqueConstraint("tenant_id", "device", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    device: Mapped[str] = mapped_column(String(255))
    seq: Mapped[int] = mapped_column(Integer)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    kind: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(255))
    approved_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    folded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    folded_by: Mapped[str | None] = mapped_column(String(255))


class DeviceLock(Base):
    """A device held by one change while it applies: changes to a device run one at a time."""

    __tablename__ = "device_locks"

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    device: Mapped[str] = mapped_column(String(255), primary_key=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeviceAttention(Base):
    """A device that needs an engineer: its rollback could not restore the pre-change backup.

    One per (change, device); cleared (never deleted) by an engineer with a comment. While one
    is open, netwave requests, pushes and campaigns nothing on the device.
    """

    __tablename__ = "device_attention"
    __table_args__ = (UniqueConstraint("change_id", "device"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    device: Mapped[str] = mapped_column(String(255))
    change_id: Mapped[str] = mapped_column(ForeignKey("change_requests.id"))
    reason: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by: Mapped[str | None] = mapped_column(String(255))
    comment: Mapped[str | None] = mapped_column(Text)


class EndedConsoleSession(Base):
    """A console session signed out on the server: its cookie no longer works, even copied.

    Kept until the cookie would have expired anyway (`expires_at`), then dropped.
    """

    __tablename__ = "console_sessions_ended"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id"))
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class HostKeyRow(Base):
    """A device's (or its jump host's) SSH host key, recorded per tenant by `netwave devices
    trust`; every device session is checked against it. Replaced only by that command."""

    __tablename__ = "host_keys"
    __table_args__ = (
        UniqueConstraint("tenant_id", "role", "host"),
        CheckConstraint("role IN ('device', 'jump_host')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"))
    role: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))  # the device name, or the bastion's address
    address: Mapped[str] = mapped_column(String(300))  # as known_hosts names it, when recorded
    key_type: Mapped[str] = mapped_column(String(64))
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(100))
    trusted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trusted_by: Mapped[str] = mapped_column(String(255))


# --- upgrade campaigns -----------------------------------------------------------------------


class OsImage(Base):
    """An OS image of the catalogue: the version a campaign upgrades to, per platform."""

    __tablename__ = "os_images"
    __table_args__ = (
        UniqueConstraint("platform", "version"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Campaign(Base):
    """An OS upgrade or config rollout across tenants; `spec` is the validated launch body."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(f"status IN ({_one_of(CAMPAIGN_STATUSES)})", name="status"),
        Index("ix_campaigns_created_at", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(32))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[CampaignStatus] = mapped_column(String(32), default="running")
    created_by: Mapped[str] = mapped_column(String(255))
    created_by_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"))
    retry_of: Mapped[str | None] = mapped_column(String(36))
    workflow_id: Mapped[str] = mapped_column(String(255), unique=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignDevice(Base):
    """One device of a campaign: its wave, status, versions, backup and one-time steps."""

    __tablename__ = "campaign_devices"
    __table_args__ = (
        UniqueConstraint("campaign_id", "tenant", "device"),
        CheckConstraint(f"status IN ({_one_of(CAMPAIGN_DEVICE_STATUSES)})", name="status"),
        Index("ix_campaign_devices_campaign_id_wave", "campaign_id", "wave"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"))
    tenant: Mapped[str] = mapped_column(String(63))
    device: Mapped[str] = mapped_column(String(255))
    platform: Mapped[str] = mapped_column(String(64))
    wave: Mapped[int] = mapped_column(Integer)
    status: Mapped[CampaignDeviceStatus] = mapped_column(String(32), default="pending")
    step: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    from_version: Mapped[str | None] = mapped_column(String(64))
    to_version: Mapped[str | None] = mapped_column(String(64))
    backup_version: Mapped[int | None] = mapped_column(Integer)
    # Steps that must happen at most once (a reload): name -> when it was committed to.
    once: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
