"""Principals: every API token names who stands behind it (a person or a system).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Existing tokens get the principal their name normalizes to (characters a principal may not
hold become `-`), so four-eyes between existing tokens compares what it compared before.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from alembic import context, op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def _principal(name: str, token_id: int) -> str:
    folded = "".join(unicodedata.normalize("NFKC", name).split()).casefold()
    cleaned = re.sub(r"[^a-z0-9._@+-]", "-", folded).strip("-._@+")[:100]
    return cleaned or f"token-{token_id}"


def upgrade() -> None:
    """Add api_tokens.principal and principal_kind, filled from the token names."""
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("principal", sa.String(100), nullable=True))
        batch.add_column(
            sa.Column("principal_kind", sa.String(16), nullable=True, server_default="person")
        )
    tokens = sa.table(
        "api_tokens",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("principal", sa.String),
        sa.column("principal_kind", sa.String),
    )
    if context.is_offline_mode():  # SQL for a DBA: the plain lower-cased name, spaces out
        op.execute(
            tokens.update().values(
                principal=sa.func.lower(sa.func.replace(tokens.c.name, " ", "")),
                principal_kind="person",
            )
        )
    else:
        connection = op.get_bind()
        for token_id, name in connection.execute(sa.select(tokens.c.id, tokens.c.name)).all():
            connection.execute(
                tokens.update()
                .where(tokens.c.id == token_id)
                .values(principal=_principal(name, token_id), principal_kind="person")
            )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("principal", existing_type=sa.String(100), nullable=False)
        batch.alter_column(
            "principal_kind", existing_type=sa.String(16), nullable=False, server_default=None
        )
        batch.create_index("ix_api_tokens_principal", ["principal"])
        batch.create_check_constraint("principal_kind", "principal_kind IN ('person', 'system')")


def downgrade() -> None:
    """Drop the principal columns."""
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("ck_api_tokens_principal_kind"), type_="check")
        batch.drop_index("ix_api_tokens_principal")
        batch.drop_column("principal_kind")
        batch.drop_column("principal")
