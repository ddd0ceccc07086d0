"""Compliance reports: one row per audit of a tenant, one row per device result.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create compliance_reports and device_compliance_results (cascading from its report)."""
    op.create_table(
        "compliance_reports",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(255), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("devices_total", sa.Integer(), nullable=False),
        sa.Column("devices_compliant", sa.Integer(), nullable=False),
        sa.Column("devices_drift", sa.Integer(), nullable=False),
        sa.Column("devices_unreachable", sa.Integer(), nullable=False),
        sa.Column("devices_error", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed')", name="ck_compliance_reports_status"
        ),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)",
            name="ck_compliance_reports_score_range",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_compliance_reports_tenant_id_tenants"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_compliance_reports"),
        sa.UniqueConstraint("workflow_id", name="uq_compliance_reports_workflow_id"),
    )
    op.create_index(
        "ix_compliance_reports_tenant_id_started_at",
        "compliance_reports",
        ["tenant_id", "started_at"],
    )
    op.create_table(
        "device_compliance_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(36), nullable=False),
        sa.Column("device", sa.String(255), nullable=False),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("backup_version", sa.Integer(), nullable=True),
        sa.Column("running_hash", sa.String(64), nullable=True),
        sa.Column("intended_hash", sa.String(64), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "status IN ('compliant', 'drift', 'unreachable', 'error')",
            name="ck_device_compliance_results_status",
        ),
        sa.CheckConstraint(
            "score >= 0 AND score <= 100", name="ck_device_compliance_results_score_range"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["compliance_reports.id"],
            name="fk_device_compliance_results_report_id_compliance_reports",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_device_compliance_results"),
        sa.UniqueConstraint(
            "report_id", "device", name="uq_device_compliance_results_report_id_device"
        ),
    )
    op.create_index(
        "ix_device_compliance_results_device", "device_compliance_results", ["device"]
    )


def downgrade() -> None:
    """Drop the device results, then the reports (indexes go with their table)."""
    op.drop_table("device_compliance_results")
    op.drop_table("compliance_reports")
