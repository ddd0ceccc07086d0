"""Config backups of a tenant's devices: versions, one version's content, diff of two.

A tenant's token reads contents and diffs with the secrets masked (`services.api.viewer`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel

from services.api.deps import CurrentIdentity, SessionDep, SettingsDep, TenantDep
from services.api.params import Digits
from services.api.viewer import device_viewer
from services.store.repos import backups as backup_repo

router = APIRouter(prefix="/v1/tenants/{tenant}", tags=["backups"])
# Versions count from 1; the bound keeps a huge number a 422, not a database overflow (500).
MAX_VERSION = 2**31 - 1
Version = Annotated[int, Ge(1), Le(MAX_VERSION), Digits]


class BackupPublic(BaseModel):
    device: str
    version: int
    content_hash: str
    collected_at: datetime
    run_id: str | None = None


class BackupContent(BackupPublic):
    content: str


def _not_found(device: str, version: int | None = None) -> HTTPException:
    what = f"backup {version} of device {device!r}" if version else f"backups of device {device!r}"
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"{what} not found")


@router.get("/backups", response_model=list[BackupPublic])
def latest_backups(tenant: TenantDep, session: SessionDep) -> list[BackupPublic]:
    """The newest backup version of every device of the tenant."""
    latest: dict[str, BackupPublic] = {}
    for b in backup_repo.list_backups(session, tenant=tenant):
        if b.device not in latest or b.version > latest[b.device].version:
            latest[b.device] = BackupPublic.model_validate(b, from_attributes=True)
    return sorted(latest.values(), key=lambda b: b.device)


@router.get("/devices/{device}/backups", response_model=list[BackupPublic])
def device_backups(tenant: TenantDep, device: str, session: SessionDep) -> list[BackupPublic]:
    """Every stored version of one device, newest first."""
    items = backup_repo.list_backups(session, tenant=tenant, device=device)
    if not items:
        raise _not_found(device)
    ordered = sorted(items, key=lambda b: b.version, reverse=True)
    return [BackupPublic.model_validate(b, from_attributes=True) for b in ordered]


@router.get("/devices/{device}/backups/diff", response_class=PlainTextResponse)
def diff_backups(
    tenant: TenantDep,
    device: str,
    session: SessionDep,
    identity: CurrentIdentity,
    settings: SettingsDep,
    from_version: Annotated[Version, Query(alias="from")],
    to_version: Annotated[Version, Query(alias="to")],
) -> str:
    """Unified diff between two versions of one device's config (a tenant's: both masked
    before the diff, so a changed secret shows as no change)."""
    for version in (from_version, to_version):
        if backup_repo.get_backup(session, tenant=tenant, device=device, version=version) is None:
            raise _not_found(device, version)
    return backup_repo.diff_backups(
        session,
        tenant=tenant,
        device=device,
        from_version=from_version,
        to_version=to_version,
        view=device_viewer(identity, settings, tenant, device),
    )


@router.get("/devices/{device}/backups/{version}", response_model=BackupContent)
def get_backup(
    tenant: TenantDep,
    device: str,
    session: SessionDep,
    identity: CurrentIdentity,
    settings: SettingsDep,
    version: Annotated[Version, Path()],
) -> BackupContent:
    """One version of one device's config, with its content (a tenant's: secrets masked)."""
    found = backup_repo.get_backup(session, tenant=tenant, device=device, version=version)
    if found is None:
        raise _not_found(device, version)
    shown = BackupContent.model_validate(found, from_attributes=True)
    view = device_viewer(identity, settings, tenant, device)
    return shown.model_copy(update={"content": view(shown.content)})
