"""Console sessions ended on the server (sign-out): a copied cookie stops working at once.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Create console_sessions_ended."""
    op.create_table(
        "console_sessions_ended",
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name="fk_console_sessions_ended_token_id_api_tokens"
        ),
        sa.PrimaryKeyConstraint("nonce", name="pk_console_sessions_ended"),
    )
    op.create_index(
        "ix_console_sessions_ended_expires_at", "console_sessions_ended", ["expires_at"]
    )


def downgrade() -> None:
    """Drop console_sessions_ended."""
    op.drop_index("ix_console_sessions_ended_expires_at", table_name="console_sessions_ended")
    op.drop_table("console_sessions_ended")
