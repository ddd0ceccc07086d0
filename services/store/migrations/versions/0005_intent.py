"""Intended state: intent revisions written by verified changes, and per-device change locks.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create intent_revisions and device_locks."""
    op.create_table(
        "intent_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(255), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("requested_by", sa.String(255), nullable=False),
        sa.Column("approved_by", sa.String(255), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("edits", sa.JSON(), nullable=False),
        sa.Column("folded_at", TIMESTAMP, nullable=True),
        sa.Column("folded_by", sa.String(255), nullable=True),
        sa.CheckConstraint("seq >= 1", name="ck_intent_revisions_seq_positive"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_intent_revisions_tenant_id_tenants"
        ),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name="fk_intent_revisions_change_id_change_requests",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_intent_revisions"),
        sa.UniqueConstraint("change_id", "device", name="uq_intent_revisions_change_id_device"),
        sa.UniqueConstraint(
            "tenant_id", "device", "seq", name="uq_intent_revisions_tenant_id_device_seq"
        ),
    )
    op.create_table(
        "device_locks",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(255), nullable=False),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("acquired_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_device_locks_tenant_id_tenants"
        ),
        sa.ForeignKeyConstraint(
            ["change_id"], ["change_requests.id"], name="fk_device_locks_change_id_change_requests"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "device", name="pk_device_locks"),
    )


def downgrade() -> None:
    """Drop device_locks and intent_revisions."""
    op.drop_table("device_locks")
    op.drop_table("intent_revisions")
