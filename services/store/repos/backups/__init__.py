"""Config backups: versioned per tenant and device, content stored once per distinct text.

views: what is returned; writes: storing one or many devices' backups; queries: listings,
versions and diffs.
"""

from __future__ import annotations

from services.store.repos.backups.queries import (
    diff_backups,
    get_backup,
    latest_backup,
    list_backups,
)
from services.store.repos.backups.views import (
    BackupItem,
    BackupOut,
    BackupSummary,
    Outcome,
    StoredBackup,
)
from services.store.repos.backups.writes import (
    MAX_ATTEMPTS,
    content_hash,
    store_backup,
    store_backups,
)

__all__ = [
    "MAX_ATTEMPTS",
    "BackupItem",
    "BackupOut",
    "BackupSummary",
    "Outcome",
    "StoredBackup",
    "content_hash",
    "diff_backups",
    "get_backup",
    "latest_backup",
    "list_backups",
    "store_backup",
    "store_backups",
]
