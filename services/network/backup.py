"""Store a collected running config as a backup version (volatile lines stripped first)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from services.network.platforms import get_platform
from services.store.repos import backups as backup_repo
from services.store.repos.backups import StoredBackup


def store_running(
    session: Session, *, tenant: str, device: str, platform: str, running: str, run_id: str
) -> StoredBackup:
    """A new version when the config changed; the same answer when `run_id` retries."""
    return backup_repo.store_backup(
        session,
        tenant=tenant,
        device=device,
        content=get_platform(platform).strip_volatile(running),
        run_id=run_id,
        collected_at=datetime.now(UTC),
    )
