"""What the backup repository returns: a stored version, a listing entry, a version's text."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

Outcome = Literal["backed_up", "unchanged"]


class StoredBackup(BaseModel):
    """What store_backup did: a new version, or the latest one when nothing changed."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    device: str
    version: int
    content_hash: str
    outcome: Outcome


class BackupSummary(BaseModel):
    """One version of a device's configuration, without the text."""

    model_config = ConfigDict(frozen=True)

    tenant: str
    device: str
    version: int
    content_hash: str
    size: int
    collected_at: datetime
    run_id: str | None


class BackupOut(BackupSummary):
    """One version of a device's configuration, with the text."""

    content: str


class BackupItem(NamedTuple):
    """One device's collected config, for `store_backups`."""

    device: str
    content: str
