"""The audit log is read newest first by time, for every tenant or one: an index for each.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    """Index audit_log by (at, id) and by (tenant, at, id)."""
    op.create_index("ix_audit_log_at_entry", "audit_log", ["at", "id"])
    op.create_index("ix_audit_log_tenant_at_entry", "audit_log", ["tenant", "at", "id"])


def downgrade() -> None:
    """Drop the two indexes."""
    op.drop_index("ix_audit_log_tenant_at_entry", table_name="audit_log")
    op.drop_index("ix_audit_log_at_entry", table_name="audit_log")
