"""Upgrade campaigns: the OS image catalogue, campaigns and their devices.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

TIMESTAMP = sa.DateTime(timezone=True)
CAMPAIGN_STATUSES = (
    "'running', 'paused', 'awaiting_approval', 'completed', 'halted', 'cancelled', 'failed'"
)
DEVICE_STATUSES = (
    "'pending', 'waiting_window', 'running', 'upgraded', 'applied', 'skipped', 'rolled_back',"
    " 'failed', 'not_started'"
)


def upgrade() -> None:
    """Create os_images, campaigns and campaign_devices."""
    op.create_table(
        "os_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("md5", sa.String(32), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("size > 0", name="ck_os_images_size_positive"),
        sa.PrimaryKeyConstraint("id", name="pk_os_images"),
        sa.UniqueConstraint("platform", "version", name="uq_os_images_platform_version"),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_by_token_id", sa.Integer(), nullable=True),
        sa.Column("retry_of", sa.String(36), nullable=True),
        sa.Column("workflow_id", sa.String(255), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(f"status IN ({CAMPAIGN_STATUSES})", name="ck_campaigns_status"),
        sa.ForeignKeyConstraint(
            ["created_by_token_id"],
            ["api_tokens.id"],
            name="fk_campaigns_created_by_token_id_api_tokens",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint("workflow_id", name="uq_campaigns_workflow_id"),
    )
    op.create_index("ix_campaigns_created_at", "campaigns", ["created_at"])
    op.create_table(
        "campaign_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=False),
        sa.Column("device", sa.String(255), nullable=False),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("from_version", sa.String(64), nullable=True),
        sa.Column("to_version", sa.String(64), nullable=True),
        sa.Column("backup_version", sa.Integer(), nullable=True),
        sa.Column("once", sa.JSON(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(f"status IN ({DEVICE_STATUSES})", name="ck_campaign_devices_status"),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_campaign_devices_campaign_id_campaigns"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_devices"),
        sa.UniqueConstraint(
            "campaign_id", "tenant", "device", name="uq_campaign_devices_campaign_id_tenant_device"
        ),
    )
    op.create_index(
        "ix_campaign_devices_campaign_id_wave", "campaign_devices", ["campaign_id", "wave"]
    )


def downgrade() -> None:
    op.drop_table("campaign_devices")
    op.drop_table("campaigns")
    op.drop_table("os_images")
