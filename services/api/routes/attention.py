"""Devices that need an engineer: list them, and clear one once the device is looked after."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from services.api.deps import (
    CurrentIdentity,
    EngineerIdentity,
    SessionDep,
    SettingsDep,
    TenantDep,
)
from services.api.viewer import device_platforms, prose_viewer_of, sees_secrets
from services.store.repos import attention as attention_repo
from services.store.repos import audit_log as audit_log_repo
from services.store.repos.attention import AttentionOut

router = APIRouter(tags=["attention"])


class ClearAttention(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(min_length=1, max_length=2000, pattern=r"\S")


@router.get("/v1/tenants/{tenant}/attention", response_model=list[AttentionOut])
def list_attention(
    tenant: TenantDep, session: SessionDep, identity: CurrentIdentity, settings: SettingsDep
) -> list[AttentionOut]:
    """The tenant's devices that need an engineer (rollbacks that left lines behind; the lines
    a tenant reads with their secrets masked)."""
    found = attention_repo.open_attention(session, tenant=tenant)
    if sees_secrets(identity):
        return found
    platforms = device_platforms(settings, tenant)
    return [
        a.model_copy(
            update={"reason": prose_viewer_of(identity, platforms.get(a.device))(a.reason)}
        )
        for a in found
    ]


@router.post(
    "/v1/tenants/{tenant}/devices/{device}/attention/clear", response_model=list[AttentionOut]
)
def clear_attention(
    tenant: TenantDep,
    device: str,
    body: Annotated[ClearAttention, Body()],
    identity: EngineerIdentity,
    session: SessionDep,
) -> list[AttentionOut]:
    """An engineer looked after the device: changes may reach it again (recorded)."""
    cleared = attention_repo.clear_attention(
        session, tenant=tenant, device=device, by=identity.name, comment=body.comment
    )
    if not cleared:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"{device} of {tenant} needs no attention"
        )
    audit_log_repo.record(
        session,
        actor=identity.name,
        action="device.attention_clear",
        tenant=tenant,
        object=f"device:{device}",
        detail={"changes": [c.change_id for c in cleared], "comment": body.comment},
    )
    session.commit()
    return cleared
