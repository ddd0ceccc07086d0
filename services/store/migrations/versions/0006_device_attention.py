"""Devices that need attention: rollbacks that could not restore the pre-change backup.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create device_attention."""
    op.create_table(
        "device_attention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(255), nullable=False),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raised_at", TIMESTAMP, nullable=False),
        sa.Column("cleared_at", TIMESTAMP, nullable=True),
        sa.Column("cleared_by", sa.String(255), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_device_attention_tenant_id_tenants"
        ),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["change_requests.id"],
            name="fk_device_attention_change_id_change_requests",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_device_attention"),
        sa.UniqueConstraint("change_id", "device", name="uq_device_attention_change_id_device"),
    )


def downgrade() -> None:
    """Drop device_attention."""
    op.drop_table("device_attention")
