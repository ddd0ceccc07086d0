"""A campaign's event history: who launched, paused, resumed, opened the gate, overrode the
window, and how it ended; oldest first, as the campaign page and `netwave campaign events`
show it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.campaigns.lifecycle import WORKFLOW_EVENTS, CampaignEventKind
from services.store.models import CampaignEvent, utcnow
from services.store.repos._checks import text_field

MAX_COMMENT = 2000


class CampaignEventOut(BaseModel):
    """One entry of a campaign's history."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    at: datetime
    actor: str
    event: CampaignEventKind
    tenant: str | None
    comment: str


def record_event(
    session: Session,
    *,
    campaign_id: str,
    event: CampaignEventKind,
    actor: str,
    comment: str = "",
    tenant: str | None = None,
) -> None:
    """Append an event in the caller's transaction. The workflow's own turns happen once per
    campaign: recorded again by a retried activity, they are not added twice."""
    text_field("actor", actor, 255)
    if event in WORKFLOW_EVENTS and _has(session, campaign_id, event):
        return
    session.add(
        CampaignEvent(
            campaign_id=campaign_id,
            at=utcnow(),
            actor=actor,
            event=event,
            tenant=tenant,
            comment=comment[:MAX_COMMENT],
        )
    )


def _has(session: Session, campaign_id: str, event: CampaignEventKind) -> bool:
    query = select(CampaignEvent.id).where(
        CampaignEvent.campaign_id == campaign_id, CampaignEvent.event == event
    )
    return session.scalar(query.limit(1)) is not None


def events_of(session: Session, *, campaign_id: str) -> list[CampaignEventOut]:
    """The campaign's events, oldest first."""
    query = (
        select(CampaignEvent)
        .where(CampaignEvent.campaign_id == campaign_id)
        .order_by(CampaignEvent.id)
    )
    return [CampaignEventOut.model_validate(row) for row in session.scalars(query)]
