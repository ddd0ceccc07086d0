"""A campaign's event history: launched, paused and resumed, gate opened, window overridden,
its final status; who, when and why.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08

Campaigns launched before this revision have no events from before it (their controls stay in
the audit log, `campaign:<id>`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

EVENTS = (
    "'launched', 'paused', 'resumed', 'cancel_requested', 'gate_opened', 'window_overridden',"
    " 'awaiting_approval', 'completed', 'halted', 'cancelled', 'failed'"
)


def upgrade() -> None:
    """Create campaign_events."""
    op.create_table(
        "campaign_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("tenant", sa.String(63), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint(f"event IN ({EVENTS})", name="ck_campaign_events_event"),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_campaign_events_campaign_id_campaigns"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_events"),
    )
    op.create_index(
        "ix_campaign_events_campaign_id_id", "campaign_events", ["campaign_id", "id"]
    )


def downgrade() -> None:
    """Drop campaign_events."""
    op.drop_table("campaign_events")
