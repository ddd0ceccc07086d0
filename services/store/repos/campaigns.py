"""Campaigns and their devices: status, waves, per-device progress and once-only steps.

The API creates a campaign; workflow activities record its devices and their progress. Every
write is idempotent under activity retries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict, Unpack

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.campaigns.lifecycle import FINAL_STATUSES as FINAL_STATUSES
from services.campaigns.lifecycle import CampaignDeviceStatus, CampaignStatus
from services.core.errors import NotFoundError
from services.store.models import Campaign, CampaignDevice, utcnow

MAX_LIMIT = 500


class DeviceRecord(TypedDict, total=False):
    """What `update_device` may record of a campaign device."""

    status: CampaignDeviceStatus | None
    step: str | None
    detail: str | None
    from_version: str | None
    to_version: str | None
    backup_version: int | None


class CampaignOut(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: str
    name: str
    kind: str
    spec: dict[str, Any]
    status: CampaignStatus
    created_by: str
    retry_of: str | None
    workflow_id: str
    summary: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class CampaignDeviceOut(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    tenant: str
    device: str
    platform: str
    wave: int
    status: CampaignDeviceStatus
    step: str
    detail: str
    from_version: str | None
    to_version: str | None
    backup_version: int | None
    updated_at: datetime


def new_campaign_id() -> str:
    return str(uuid.uuid4())


def create_campaign(
    session: Session,
    *,
    campaign_id: str,
    name: str,
    kind: str,
    spec: dict[str, Any],
    created_by: str,
    created_by_token_id: int | None,
    workflow_id: str,
    retry_of: str | None = None,
) -> CampaignOut:
    row = Campaign(
        id=campaign_id,
        name=name,
        kind=kind,
        spec=spec,
        status="running",
        created_by=created_by,
        created_by_token_id=created_by_token_id,
        workflow_id=workflow_id,
        retry_of=retry_of,
        summary={},
    )
    session.add(row)
    session.flush()
    return CampaignOut.model_validate(row)


def get_campaign(session: Session, *, campaign_id: str) -> CampaignOut:
    row = session.get(Campaign, campaign_id)
    if row is None:
        raise NotFoundError(f"campaign {campaign_id} not found")
    return CampaignOut.model_validate(row)


def list_campaigns(session: Session, *, limit: int = 50) -> list[CampaignOut]:
    query = select(Campaign).order_by(Campaign.created_at.desc()).limit(min(limit, MAX_LIMIT))
    return [CampaignOut.model_validate(r) for r in session.scalars(query)]


def set_status(
    session: Session,
    *,
    campaign_id: str,
    status: CampaignStatus,
    summary: dict[str, Any] | None = None,
) -> None:
    values: dict[str, Any] = {"status": status, "updated_at": utcnow()}
    if summary is not None:
        values["summary"] = summary
    session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))


def add_devices(
    session: Session, *, campaign_id: str, devices: Iterable[tuple[str, str, str, int]]
) -> int:
    """Record (tenant, device, platform, wave) rows once; a retry adds nothing."""
    have = {
        (r.tenant, r.device)
        for r in session.scalars(
            select(CampaignDevice).where(CampaignDevice.campaign_id == campaign_id)
        )
    }
    added = 0
    for tenant, device, platform, wave in devices:
        if (tenant, device) in have:
            continue
        session.add(
            CampaignDevice(
                campaign_id=campaign_id,
                tenant=tenant,
                device=device,
                platform=platform,
                wave=wave,
                status="pending",
                step="",
                detail="",
                once={},
            )
        )
        added += 1
    return added


def _row(session: Session, campaign_id: str, tenant: str, device: str) -> CampaignDevice:
    row = session.scalar(
        select(CampaignDevice).where(
            CampaignDevice.campaign_id == campaign_id,
            CampaignDevice.tenant == tenant,
            CampaignDevice.device == device,
        )
    )
    if row is None:
        raise NotFoundError(f"{tenant}/{device} is not in campaign {campaign_id}")
    return row


def update_device(
    session: Session,
    *,
    campaign_id: str,
    tenant: str,
    device: str,
    **record: Unpack[DeviceRecord],
) -> CampaignDeviceStatus:
    """Record what is given (None: keep what is recorded; a version may be cleared); the
    status the device had before."""
    row = _row(session, campaign_id, tenant, device)
    previous = row.status
    status, step, detail = record.get("status"), record.get("step"), record.get("detail")
    if status is not None:
        row.status = status
    if step is not None:
        row.step = step
    if detail is not None:
        row.detail = detail[:2000]
    if "from_version" in record:
        row.from_version = record["from_version"]
    if "to_version" in record:
        row.to_version = record["to_version"]
    if "backup_version" in record:
        row.backup_version = record["backup_version"]
    row.updated_at = utcnow()
    return previous


def mark_once(session: Session, *, campaign_id: str, tenant: str, device: str, step: str) -> bool:
    """Record that a once-only step (a reload) is about to happen: True the first time only.

    The row is locked (SELECT ... FOR UPDATE on PostgreSQL) so two workers cannot both win.
    """
    row = session.scalar(
        select(CampaignDevice)
        .where(
            CampaignDevice.campaign_id == campaign_id,
            CampaignDevice.tenant == tenant,
            CampaignDevice.device == device,
        )
        .with_for_update()
    )
    if row is None:
        raise NotFoundError(f"{tenant}/{device} is not in campaign {campaign_id}")
    if step in row.once:
        return False
    row.once = {**row.once, step: utcnow().isoformat()}
    return True


def devices_of(session: Session, *, campaign_id: str) -> list[CampaignDeviceOut]:
    query = (
        select(CampaignDevice)
        .where(CampaignDevice.campaign_id == campaign_id)
        .order_by(CampaignDevice.wave, CampaignDevice.id)
    )
    return [CampaignDeviceOut.model_validate(r) for r in session.scalars(query)]


def device_of(session: Session, *, campaign_id: str, tenant: str, device: str) -> CampaignDeviceOut:
    return CampaignDeviceOut.model_validate(_row(session, campaign_id, tenant, device))
