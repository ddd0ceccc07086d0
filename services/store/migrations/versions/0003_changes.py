"""Capacity change requests: requests, plan revisions, append-only events, approvals, backups.

Revision ID: 0003
Revises: 0002
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)
STATUSES = (
    "'submitted', 'planned', 'awaiting_approval', 'approved', 'rejected', 'expired',"
    " 'scheduled', 'applying', 'verified', 'rolled_back', 'failed'"
)
KINDS = "'wan_bandwidth', 'qos_profile', 'vlan_handoff', 'remediation'"

# Row triggers only: the test suite empties tables with TRUNCATE, as it does for audit_log's
# rows; UPDATE and DELETE (what an application could do by mistake) are refused.
PG_APPEND_ONLY = """
CREATE FUNCTION change_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'change_events is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'restrict_violation';
END
$$
"""

PG_TRIGGERS = (
    "CREATE TRIGGER change_events_no_update_delete BEFORE UPDATE OR DELETE ON change_events"
    " FOR EACH ROW EXECUTE FUNCTION change_events_append_only()",
)

SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER change_events_no_{op_name.lower()} BEFORE {op_name} ON change_events"
    f" BEGIN SELECT RAISE(ABORT, 'change_events is append-only: {op_name} refused'); END"
    for op_name in ("UPDATE", "DELETE")
)


def upgrade() -> None:
    """Create the change tables, then the append-only triggers on change_events."""
    op.create_table(
        "change_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("requested_by_token_id", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("workflow_id", sa.String(255), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("policy_reason", sa.Text(), nullable=True),
        sa.Column("window_start", TIMESTAMP, nullable=True),
        sa.Column("window_end", TIMESTAMP, nullable=True),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="ck_change_requests_kind"),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_change_requests_status"),
        sa.CheckConstraint(
            "window_start IS NULL OR window_end IS NULL OR window_end > window_start",
            name="ck_change_requests_window_order",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_change_requests_tenant_id_tenants"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_token_id"],
            ["api_tokens.id"],
            name="fk_change_requests_requested_by_token_id_api_tokens",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_change_requests"),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name="uq_change_requests_tenant_id_idempotency_key"
        ),
        sa.UniqueConstraint("workflow_id", name="uq_change_requests_workflow_id"),
    )
    op.create_index(
        "ix_change_requests_tenant_id_created_at", "change_requests", ["tenant_id", "created_at"]
    )
    op.create_index(
        "ix_change_requests_status_created_at", "change_requests", ["status", "created_at"]
    )
    op.create_table(
        "change_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("devices", sa.JSON(), nullable=False),
        sa.Column("plan_hash", sa.String(64), nullable=False),
        sa.CheckConstraint("revision >= 1", name="ck_change_plans_revision_positive"),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name="fk_change_plans_change_id_change_requests",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_change_plans"),
        sa.UniqueConstraint("change_id", "revision", name="uq_change_plans_change_id_revision"),
    )
    op.create_table(
        "change_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("from_status", sa.String(32), nullable=True),
        sa.Column("to_status", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            f"from_status IS NULL OR from_status IN ({STATUSES})",
            name="ck_change_events_from_status",
        ),
        sa.CheckConstraint(f"to_status IN ({STATUSES})", name="ck_change_events_to_status"),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name="fk_change_events_change_id_change_requests",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_change_events"),
    )
    op.create_index("ix_change_events_change_id_id", "change_events", ["change_id", "id"])
    op.create_table(
        "change_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("plan_revision", sa.Integer(), nullable=False),
        sa.Column("approver", sa.String(255), nullable=False),
        sa.Column("approver_token_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("comment", sa.String(1000), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "decision IN ('approved', 'rejected')", name="ck_change_approvals_decision"
        ),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name="fk_change_approvals_change_id_change_requests",
        ),
        sa.ForeignKeyConstraint(
            ["change_id", "plan_revision"],
            ["change_plans.change_id", "change_plans.revision"],
            name="fk_change_approvals_change_id_change_plans",
        ),
        sa.ForeignKeyConstraint(
            ["approver_token_id"],
            ["api_tokens.id"],
            name="fk_change_approvals_approver_token_id_api_tokens",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_change_approvals"),
        sa.UniqueConstraint(
            "change_id",
            "plan_revision",
            "decision",
            name="uq_change_approvals_change_id_plan_revision_decision",
        ),
    )
    op.create_table(
        "change_backups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("device", sa.String(255), nullable=False),
        sa.Column("backup_version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name="fk_change_backups_change_id_change_requests",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_change_backups"),
        sa.UniqueConstraint("change_id", "device", name="uq_change_backups_change_id_device"),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
        for statement in PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    """Drop the change tables, dependants first (indexes and triggers go with their table)."""
    op.drop_table("change_backups")
    op.drop_table("change_approvals")
    op.drop_table("change_events")
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION change_events_append_only()")
    op.drop_table("change_plans")
    op.drop_table("change_requests")
