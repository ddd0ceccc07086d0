"""Upgrade campaigns: launch, follow, control (one route per control of
`services.app.campaigns.CONTROLS`), override the windows, the event history, retry. Each route
calls one use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, Query, status

from services.api.deps import (
    AdminIdentity,
    CurrentIdentity,
    EngineerIdentity,
    SessionDep,
    StateDep,
    add_role_route,
    require_roles,
)
from services.api.params import Digits
from services.app import campaigns as use_case
from services.app.campaigns import (
    CONTROLS,
    CampaignDetail,
    Control,
    ControlBody,
    WindowOverrideBody,
)
from services.campaigns.spec import CampaignSpec
from services.store.repos import campaigns as campaign_repo
from services.store.repos.campaign_events import CampaignEventOut
from services.store.repos.campaigns import CampaignOut
from services.store.repos.tokens import Identity

router = APIRouter(tags=["campaigns"])
StaffIdentity = Annotated[Identity, require_roles("engineer", "approver", "admin")]


@router.post(
    "/v1/campaigns",
    response_model=CampaignDetail,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "the spec names unknown targets or images"}},
)
async def launch_campaign(
    spec: CampaignSpec, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> CampaignDetail:
    """Launch an OS upgrade or config rollout in canary + waves."""
    return await use_case.launch_campaign(state, session, identity, spec)


@router.get("/v1/campaigns", response_model=list[CampaignOut])
def list_campaigns(
    _identity: StaffIdentity,
    session: SessionDep,
    limit: Annotated[int, Ge(1), Le(500), Digits, Query()] = 50,
) -> list[CampaignOut]:
    """Campaigns, newest first."""
    return campaign_repo.list_campaigns(session, limit=limit)


@router.get("/v1/campaigns/{campaign_id}", response_model=CampaignDetail)
async def get_campaign(
    campaign_id: str, _identity: StaffIdentity, state: StateDep, session: SessionDep
) -> CampaignDetail:
    """One campaign: status, per-wave and per-device progress, the Temporal UI link."""
    return await use_case.follow_campaign(state, session, campaign_id)


@router.get("/v1/campaigns/{campaign_id}/events", response_model=list[CampaignEventOut])
def campaign_events(
    campaign_id: str, _identity: StaffIdentity, session: SessionDep
) -> list[CampaignEventOut]:
    """The campaign's history, oldest first: launch, pause and resume, gate, overrides, end."""
    return use_case.campaign_events(session, campaign_id)


@router.post(
    "/v1/campaigns/{campaign_id}/override-window",
    response_model=CampaignDetail,
    responses={409: {"description": "the campaign has ended, or does not wait for windows"}},
)
async def override_window(
    campaign_id: str,
    body: WindowOverrideBody,
    identity: AdminIdentity,
    state: StateDep,
    session: SessionDep,
) -> CampaignDetail:
    """Run now instead of waiting for maintenance windows (admin, with a reason)."""
    return await use_case.override_window(state, session, identity, campaign_id, body=body)


def _control_route(control: Control) -> Callable[..., Awaitable[CampaignDetail]]:
    """The route of one control; its roles are checked by the route's dependency."""

    async def control_campaign(
        campaign_id: str,
        identity: CurrentIdentity,
        state: StateDep,
        session: SessionDep,
        body: ControlBody | None = None,
    ) -> CampaignDetail:
        return await use_case.control_campaign(
            state, session, identity, campaign_id, action=control.action, body=body or ControlBody()
        )

    return control_campaign


for _control in CONTROLS.values():
    path = f"/v1/campaigns/{{campaign_id}}/{_control.action}"
    name = f"{_control.action}_campaign"
    add_role_route(router, path, _control_route(_control), _control.roles, name, _control.summary)


@router.post(
    "/v1/campaigns/{campaign_id}/retry",
    response_model=CampaignDetail,
    status_code=status.HTTP_201_CREATED,
)
async def retry_failed(
    campaign_id: str, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> CampaignDetail:
    """A new campaign, same spec, over the devices that failed or were rolled back."""
    return await use_case.retry_campaign(state, session, identity, campaign_id)
