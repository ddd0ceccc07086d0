"""Changes can end as `withdrawn` (by their tenant) or `cancelled` (by staff) before applying.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Widens the status CHECK constraints of change_requests and change_events. SQLite rebuilds
change_events to do so, which drops its append-only triggers: they are created again.
"""

from __future__ import annotations

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

BEFORE = (
    "'submitted', 'planned', 'awaiting_approval', 'approved', 'rejected', 'expired',"
    " 'scheduled', 'applying', 'verified', 'rolled_back', 'failed'"
)
AFTER = BEFORE + ", 'withdrawn', 'cancelled'"
SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER change_events_no_{name.lower()} BEFORE {name} ON change_events"
    f" BEGIN SELECT RAISE(ABORT, 'change_events is append-only: {name} refused'); END"
    for name in ("UPDATE", "DELETE")
)
# The names 0003 gave them (the naming convention prefixed them once more).
REQUEST_STATUS = "ck_change_requests_ck_change_requests_status"
FROM_STATUS = "ck_change_events_ck_change_events_from_status"
TO_STATUS = "ck_change_events_ck_change_events_to_status"


def _statuses(allowed: str) -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    with op.batch_alter_table("change_requests") as batch:
        batch.drop_constraint(op.f(REQUEST_STATUS), type_="check")
        batch.create_check_constraint(op.f(REQUEST_STATUS), f"status IN ({allowed})")
    if sqlite:
        for name in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS change_events_no_{name}")
    with op.batch_alter_table("change_events") as batch:
        batch.drop_constraint(op.f(FROM_STATUS), type_="check")
        batch.drop_constraint(op.f(TO_STATUS), type_="check")
        batch.create_check_constraint(
            op.f(FROM_STATUS), f"from_status IS NULL OR from_status IN ({allowed})"
        )
        batch.create_check_constraint(op.f(TO_STATUS), f"to_status IN ({allowed})")
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade() -> None:
    """Allow withdrawn and cancelled."""
    _statuses(AFTER)


def downgrade() -> None:
    """Back to the statuses of 0003 (refused while a change is withdrawn or cancelled)."""
    _statuses(BEFORE)
