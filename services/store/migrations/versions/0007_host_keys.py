"""Recorded SSH host keys of devices and jump hosts, per tenant.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create host_keys."""
    op.create_table(
        "host_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("key_type", sa.String(64), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(100), nullable=False),
        sa.Column("trusted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trusted_by", sa.String(255), nullable=False),
        sa.CheckConstraint("role IN ('device', 'jump_host')", name="ck_host_keys_role"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name="fk_host_keys_tenant_id_tenants"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_host_keys"),
        sa.UniqueConstraint("tenant_id", "role", "host", name="uq_host_keys_tenant_id_role_host"),
    )


def downgrade() -> None:
    """Drop host_keys."""
    op.drop_table("host_keys")
