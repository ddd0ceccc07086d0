"""Capacity change requests: the request, its plan revisions, events, approvals and backups.

The API creates requests and records approvals; workflow activities move a request through its
lifecycle (services.changes.lifecycle) with `transition`, which writes an append-only
ChangeEvent in the same transaction. Writes are idempotent under retry (settled by unique
constraints and savepoints, not locks), and every read and write is scoped by tenant: another
tenant's change is simply not found.

views: what is returned; checks: limits and input checks; queries: reads; moves: creation
and status moves; records: plans, approvals and pre-change backup links.
"""

from __future__ import annotations

from services.changes.lifecycle import (
    LIFECYCLE_HINT,
    PLANNABLE_STATUSES,
    TERMINAL_STATUSES,
    TRANSITIONS,
)
from services.store.repos.changes.checks import (
    MAX_ATTEMPTS,
    MAX_COMMENT,
    MAX_LIMIT,
    MAX_POLICY_REASON,
    SETTABLE_FIELDS,
    ChangeFields,
)
from services.store.repos.changes.moves import create_change, record_window_override, transition
from services.store.repos.changes.queries import (
    approvals,
    backups_of,
    events,
    get_change,
    latest_plan,
    list_changes,
    plans,
)
from services.store.repos.changes.records import (
    add_plan,
    link_backup,
    record_approval,
    record_decision,
)
from services.store.repos.changes.views import (
    ApprovalOut,
    BackupLinkOut,
    ChangeOut,
    EventOut,
    PlanOut,
)

__all__ = [
    "LIFECYCLE_HINT",
    "MAX_ATTEMPTS",
    "MAX_COMMENT",
    "MAX_LIMIT",
    "MAX_POLICY_REASON",
    "PLANNABLE_STATUSES",
    "SETTABLE_FIELDS",
    "TERMINAL_STATUSES",
    "TRANSITIONS",
    "ApprovalOut",
    "BackupLinkOut",
    "ChangeFields",
    "ChangeOut",
    "EventOut",
    "PlanOut",
    "add_plan",
    "approvals",
    "backups_of",
    "create_change",
    "events",
    "get_change",
    "latest_plan",
    "link_backup",
    "list_changes",
    "plans",
    "record_approval",
    "record_decision",
    "record_window_override",
    "transition",
]
