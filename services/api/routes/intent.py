"""A device's intended state: merged data with each value's source, revisions, config, diff."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, Query

from services.api.deps import CurrentIdentity, SessionDep, SettingsDep, TenantDep
from services.api.params import Digits
from services.api.viewer import for_viewer
from services.app import intent
from services.app.intent import IntentConfig, IntentDiff, IntentHistory, IntentPublic

router = APIRouter(prefix="/v1/tenants/{tenant}/devices/{device}/intent", tags=["intent"])
# Revisions count from 1 (0: the inventory files alone); the bound keeps a huge number a 422.
MAX_REVISION = 2**31 - 1
Revision = Annotated[int, Ge(0), Le(MAX_REVISION), Digits]


@router.get("", response_model=IntentPublic)
def get_intent(
    tenant: TenantDep, device: str, session: SessionDep, settings: SettingsDep
) -> IntentPublic:
    """The device's intended data, each value with its source (file or change)."""
    return intent.device_intent(settings, session, tenant, device)


@router.get("/history", response_model=IntentHistory)
def get_history(
    tenant: TenantDep, device: str, session: SessionDep, settings: SettingsDep
) -> IntentHistory:
    """Every intent revision of the device, oldest first, with its state and edits."""
    return intent.intent_history(settings, session, tenant, device)


@router.get("/config", response_model=IntentConfig)
def get_config(
    tenant: TenantDep,
    device: str,
    session: SessionDep,
    settings: SettingsDep,
    identity: CurrentIdentity,
) -> IntentConfig:
    """The device's config rendered from its current intent (a tenant's: secrets masked)."""
    found = intent.rendered_config(settings, session, tenant, device)
    return found.model_copy(update={"config": for_viewer(identity, found.platform, found.config)})


@router.get("/diff", response_model=IntentDiff)
def get_diff(
    tenant: TenantDep,
    device: str,
    session: SessionDep,
    settings: SettingsDep,
    identity: CurrentIdentity,
    from_revision: Annotated[Revision, Query(alias="from")] = 0,
    to_revision: Annotated[Revision | None, Query(alias="to")] = None,
) -> IntentDiff:
    """Unified diff of the config at revision `from` vs `to` (0: the inventory files alone;
    a tenant's: both masked before the diff)."""
    return intent.intent_diff(
        settings,
        session,
        identity,
        device,
        tenant=tenant,
        from_revision=from_revision,
        to_revision=to_revision,
    )
