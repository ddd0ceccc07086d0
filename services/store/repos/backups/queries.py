"""Reading backups: a tenant's versions, one version's text, and diffs between versions."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from services.core.errors import NotFoundError
from services.store.models import ConfigBackup, ConfigBlob, Tenant
from services.store.repos.backups.views import BackupOut, BackupSummary


def _backups(tenant: str) -> Select[ConfigBackup, ConfigBlob]:
    """Backups of one tenant with their blob."""
    return (
        select(ConfigBackup, ConfigBlob)
        .join(ConfigBlob, ConfigBackup.content_hash == ConfigBlob.content_hash)
        .join(Tenant, ConfigBackup.tenant_id == Tenant.id)
        .where(Tenant.name == tenant)
    )


def _summary(tenant: str, row: ConfigBackup, size: int) -> BackupSummary:
    """The listing view of a backup row."""
    return BackupSummary(
        tenant=tenant,
        device=row.device,
        version=row.version,
        content_hash=row.content_hash,
        size=size,
        collected_at=row.collected_at,
        run_id=row.run_id,
    )


def _full(tenant: str, row: ConfigBackup, blob: ConfigBlob) -> BackupOut:
    """The backup with its text."""
    return BackupOut(**_summary(tenant, row, blob.size).model_dump(), content=blob.content)


def list_backups(
    session: Session, *, tenant: str, device: str | None = None
) -> list[BackupSummary]:
    """A tenant's backups (of one device when given), by device then version."""
    query = select(ConfigBackup, ConfigBlob.size).join(
        ConfigBlob, ConfigBackup.content_hash == ConfigBlob.content_hash
    )
    query = query.join(Tenant, ConfigBackup.tenant_id == Tenant.id).where(Tenant.name == tenant)
    if device is not None:
        query = query.where(ConfigBackup.device == device)
    rows = session.execute(query.order_by(ConfigBackup.device, ConfigBackup.version))
    return [_summary(tenant, row, size) for row, size in rows]


def get_backup(session: Session, *, tenant: str, device: str, version: int) -> BackupOut | None:
    """One version of a device's configuration in a tenant, or None."""
    found = session.execute(
        _backups(tenant).where(ConfigBackup.device == device, ConfigBackup.version == version)
    ).first()
    return None if found is None else _full(tenant, *found)


def latest_backup(session: Session, *, tenant: str, device: str) -> BackupOut | None:
    """The newest version of a device's configuration in a tenant, or None."""
    found = session.execute(
        _backups(tenant)
        .where(ConfigBackup.device == device)
        .order_by(ConfigBackup.version.desc())
        .limit(1)
    ).first()
    return None if found is None else _full(tenant, *found)


def diff_backups(
    session: Session,
    *,
    tenant: str,
    device: str,
    from_version: int,
    to_version: int,
    view: Callable[[str], str] | None = None,
) -> str:
    """Unified diff between two versions of a device's configuration ('' when equal).

    `view`, when given, is applied to both texts before they are compared (secrets masked for
    a tenant: a changed secret is then no change, and never shows).
    """
    texts = []
    for version in (from_version, to_version):
        backup = get_backup(session, tenant=tenant, device=device, version=version)
        if backup is None:
            raise NotFoundError(f"backup {device} v{version} not found in tenant {tenant!r}")
        texts.append(backup.content if view is None else view(backup.content))
    lines = difflib.unified_diff(
        texts[0].splitlines(),
        texts[1].splitlines(),
        fromfile=f"{device} v{from_version}",
        tofile=f"{device} v{to_version}",
        lineterm="",
    )
    diff = "\n".join(lines)
    return diff + "\n" if diff else ""
