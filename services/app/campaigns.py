"""Upgrade campaigns: engineers launch, pause, resume, cancel and retry; approvers open the gate
after the canary; admins override the maintenance windows of a running campaign; everyone on
the MSP side follows per-wave and per-device progress and the campaign's event history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from services.app import audit_log, temporal
from services.app.errors import Conflict, Forbidden, InvalidRequest
from services.app.reasons import Reason
from services.app.temporal import Runtime, campaign_workflow_id
from services.campaigns.lifecycle import DEVICE_OUTCOMES, FAILED_OUTCOMES, CampaignEventKind
from services.campaigns.resolve import refuse_campaign_on_attention, resolve_campaign
from services.campaigns.spec import CampaignSpec, TargetSelection
from services.core.errors import ChangeValidationError, NetwaveError
from services.core.principals import same_principal
from services.network.inventory import load_all
from services.network.upgrade import Image
from services.store.repos import campaign_events as event_repo
from services.store.repos import campaigns as campaign_repo
from services.store.repos import images as image_repo
from services.store.repos.campaign_events import CampaignEventOut
from services.store.repos.campaigns import CampaignDeviceOut, CampaignOut
from services.store.repos.tenants import TENANT_NAME
from services.store.repos.tokens import Identity
from workflows.campaigns.models import (
    CampaignInput,
    CampaignProgress,
    ControlInput,
    WindowOverrideInput,
)
from workflows.campaigns.workflow import CampaignWorkflow

DONE: frozenset[str] = frozenset(DEVICE_OUTCOMES)  # a device with an outcome is done
FAILED: frozenset[str] = FAILED_OUTCOMES
ENGINEERS = frozenset({"engineer", "admin"})
APPROVERS = frozenset({"approver", "admin"})
ADMINS = frozenset({"admin"})  # override the maintenance windows


@dataclass(frozen=True)
class Control:
    """One control of a running campaign: the workflow update it sends and who may send it."""

    action: str  # the workflow update, the API path's last segment, `campaign.<action>` audited
    roles: frozenset[str]
    summary: str
    event: CampaignEventKind  # what the campaign's history records


CONTROLS = {
    c.action: c
    for c in (
        Control(
            "pause",
            ENGINEERS,
            "Start no new device; devices in flight finish their runbook.",
            "paused",
        ),
        Control("resume", ENGINEERS, "Start devices again.", "resumed"),
        Control(
            "cancel",
            ENGINEERS,
            "Stop: devices in flight finish safely, no new device starts, the rest stays "
            "untouched.",
            "cancel_requested",
        ),
        Control(
            "approve",
            APPROVERS,
            "Open the gate after a successful canary (not by the campaign's launcher).",
            "gate_opened",
        ),
    )
}


class WaveSummary(BaseModel):
    index: int
    canary: bool
    devices: int
    done: int
    failed: int
    counts: dict[str, int]


class CampaignDetail(BaseModel):
    campaign: CampaignOut
    waves: list[WaveSummary]
    devices: list[CampaignDeviceOut]
    counts: dict[str, int]
    progress: CampaignProgress | None = None
    temporal_ui: str


class ControlBody(BaseModel):
    comment: str = Field(default="", max_length=1000, description="why (kept in the audit log)")


class WindowOverrideBody(BaseModel):
    reason: Reason
    tenant: str | None = Field(
        default=None,
        pattern=TENANT_NAME.pattern,
        description="only this tenant's window (default: every tenant of the campaign)",
    )


def summarise_waves(
    devices: list[CampaignDeviceOut], *, canary: bool
) -> tuple[list[WaveSummary], dict[str, int]]:
    """Per-wave summaries in wave order, and the count of devices per status."""
    counts: dict[str, int] = {}
    waves: dict[int, WaveSummary] = {}
    for d in devices:
        counts[d.status] = counts.get(d.status, 0) + 1
        wave = waves.setdefault(
            d.wave,
            WaveSummary(
                index=d.wave, canary=canary and d.wave == 0, devices=0, done=0, failed=0, counts={}
            ),
        )
        wave.devices += 1
        wave.done += d.status in DONE
        wave.failed += d.status in FAILED
        wave.counts[d.status] = wave.counts.get(d.status, 0) + 1
    return [waves[i] for i in sorted(waves)], counts


def _log_action(
    session: Session, identity: Identity, campaign_id: str, action: str, detail: dict[str, Any]
) -> None:
    """The audit entry `campaign.<action>` on `campaign:<id>` (campaigns have no tenant)."""
    audit_log.record(
        session,
        identity,
        f"campaign.{action}",
        f"campaign:{campaign_id}",
        tenant=None,
        detail=detail,
    )


async def follow_campaign(runtime: Runtime, session: Session, campaign_id: str) -> CampaignDetail:
    """One campaign: status, per-wave and per-device progress, live progress while it runs."""
    campaign = campaign_repo.get_campaign(session, campaign_id=campaign_id)
    devices = campaign_repo.devices_of(session, campaign_id=campaign_id)
    spec = CampaignSpec.model_validate(campaign.spec)
    waves, counts = summarise_waves(devices, canary=spec.strategy.canary_size > 0)
    session.rollback()  # no database lock held while Temporal answers
    workflow_id = campaign_workflow_id(campaign_id)
    progress = None
    if campaign.status not in campaign_repo.FINAL_STATUSES:
        progress = await temporal.live_progress(runtime, workflow_id, CampaignProgress)
    return CampaignDetail(
        campaign=campaign,
        waves=waves,
        devices=devices,
        counts=counts,
        progress=progress,
        temporal_ui=temporal.workflow_ui(runtime.settings, workflow_id),
    )


def _validate(runtime: Runtime, session: Session, spec: CampaignSpec) -> None:
    """Targets and images resolve, and no target needs attention (InvalidRequest, Conflict)."""

    def find(platform: str, version: str) -> Image | None:
        found = image_repo.find_image(session, platform=platform, version=version)
        return Image.model_validate(found.model_dump(exclude={"id"})) if found else None

    try:
        targets, _images = resolve_campaign(spec, load_all(runtime.settings.inventories_path), find)
        refuse_campaign_on_attention(session, targets)
    except ChangeValidationError as exc:
        raise InvalidRequest(exc.errors) from None
    except NetwaveError as exc:
        raise Conflict(str(exc)) from None


async def _start(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    spec: CampaignSpec,
    retry_of: str | None = None,
) -> CampaignDetail:
    """Record the campaign and start its workflow."""
    client = await temporal.client(runtime)
    campaign_id = campaign_repo.new_campaign_id()
    workflow_id = campaign_workflow_id(campaign_id)
    campaign_repo.create_campaign(
        session,
        campaign_id=campaign_id,
        name=spec.name,
        kind=spec.kind,
        spec=spec.model_dump(mode="json"),
        created_by=identity.name,
        created_by_token_id=identity.token_id,
        workflow_id=workflow_id,
        retry_of=retry_of,
    )
    detail = {"name": spec.name, "kind": spec.kind, "retry_of": retry_of}
    _log_action(session, identity, campaign_id, "launch", detail)
    launched = f"retry of {retry_of}" if retry_of else ""
    event_repo.record_event(
        session, campaign_id=campaign_id, event="launched", actor=identity.name, comment=launched
    )
    session.commit()
    settings = runtime.settings
    await client.start_workflow(
        CampaignWorkflow.run,
        CampaignInput(campaign_id=campaign_id, device_task_queue=settings.device_task_queue),
        id=workflow_id,
        task_queue=settings.task_queue,
    )
    return await follow_campaign(runtime, session, campaign_id)


async def launch_campaign(
    runtime: Runtime, session: Session, identity: Identity, spec: CampaignSpec
) -> CampaignDetail:
    """Launch an OS upgrade or config rollout in canary + waves."""
    if not spec.respect_windows and identity.role != "admin":
        raise Forbidden("only an admin may run outside maintenance windows")
    _validate(runtime, session, spec)
    return await _start(runtime, session, identity, spec)


async def control_campaign(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    campaign_id: str,
    *,
    action: str,
    body: ControlBody,
) -> CampaignDetail:
    """Pause, resume, cancel or approve (`CONTROLS`): the workflow's update decides whether the
    campaign takes it now; the launcher never approves their own canary."""
    control = CONTROLS[action]
    campaign = campaign_repo.get_campaign(session, campaign_id=campaign_id)
    if control.action == "approve" and same_principal(campaign.created_by, identity.name):
        raise Forbidden("four-eyes: the launcher cannot approve the canary")
    # End the read before the update: its handler writes the campaign's status (SQLite has
    # one writer, and a BEGIN IMMEDIATE held here would make that write wait on us).
    session.rollback()

    def ended(message: str) -> str:  # the workflow has already finished
        current = campaign_repo.get_campaign(session, campaign_id=campaign_id)
        return f"the campaign is {current.status}: {message}"

    await temporal.send_update(
        runtime,
        campaign_workflow_id(campaign_id),
        control.action,
        ControlInput(actor=identity.name, comment=body.comment),
        ended=ended,
    )
    _log_action(session, identity, campaign_id, control.action, {"comment": body.comment})
    event_repo.record_event(
        session,
        campaign_id=campaign_id,
        event=control.event,
        actor=identity.name,
        comment=body.comment,
    )
    session.commit()
    return await follow_campaign(runtime, session, campaign_id)


def _check_overridable(session: Session, campaign: CampaignOut, tenant: str | None) -> None:
    """A running campaign that waits for windows, and a tenant it has devices of (InvalidRequest,
    Conflict); the workflow's validator decides the rest (already overridden)."""
    if campaign.status in campaign_repo.FINAL_STATUSES:
        raise Conflict(
            f"the campaign is {campaign.status}: only a running campaign's window can be overridden"
        )
    if not CampaignSpec.model_validate(campaign.spec).respect_windows:
        raise Conflict("the campaign runs outside maintenance windows: nothing to override")
    tenants = {d.tenant for d in campaign_repo.devices_of(session, campaign_id=campaign.id)}
    if tenant is not None and tenants and tenant not in tenants:
        raise InvalidRequest([("tenant", f"tenant {tenant!r} has no device in this campaign")])


async def override_window(
    runtime: Runtime,
    session: Session,
    identity: Identity,
    campaign_id: str,
    *,
    body: WindowOverrideBody,
) -> CampaignDetail:
    """Devices waiting for their maintenance window start now, later ones do not wait (every
    tenant's window, or one tenant's); admin only, with a reason in the history and audit log."""
    campaign = campaign_repo.get_campaign(session, campaign_id=campaign_id)
    _check_overridable(session, campaign, body.tenant)
    session.rollback()  # no database lock held while the workflow answers
    await temporal.send_update(
        runtime,
        campaign_workflow_id(campaign_id),
        "override_window",
        WindowOverrideInput(actor=identity.name, reason=body.reason, tenant=body.tenant),
        ended=lambda _: (
            "the campaign has ended: only a running campaign's window can be overridden"
        ),
    )
    detail = {"reason": body.reason, "tenant": body.tenant}
    _log_action(session, identity, campaign_id, "override_window", detail)
    event_repo.record_event(
        session,
        campaign_id=campaign_id,
        event="window_overridden",
        actor=identity.name,
        comment=body.reason,
        tenant=body.tenant,
    )
    session.commit()
    return await follow_campaign(runtime, session, campaign_id)


def campaign_events(session: Session, campaign_id: str) -> list[CampaignEventOut]:
    """The campaign's history, oldest first: who launched, paused, resumed, opened the gate,
    overrode the window, and how it ended (NotFoundError for an unknown campaign)."""
    campaign_repo.get_campaign(session, campaign_id=campaign_id)
    return event_repo.events_of(session, campaign_id=campaign_id)


async def retry_campaign(
    runtime: Runtime, session: Session, identity: Identity, campaign_id: str
) -> CampaignDetail:
    """A new campaign, same spec, over the devices that failed or were rolled back."""
    campaign = campaign_repo.get_campaign(session, campaign_id=campaign_id)
    if campaign.status not in campaign_repo.FINAL_STATUSES:
        raise Conflict(f"the campaign is still {campaign.status}")
    failed = [
        d for d in campaign_repo.devices_of(session, campaign_id=campaign_id) if d.status in FAILED
    ]
    if not failed:
        raise Conflict("no failed device to retry")
    spec = CampaignSpec.model_validate(campaign.spec)
    retry = spec.model_copy(
        update={
            "name": f"{spec.name}-retry"[:120],
            "targets": TargetSelection(
                tenants=sorted({d.tenant for d in failed}), devices=[d.device for d in failed]
            ),
        }
    )
    return await _start(runtime, session, identity, retry, retry_of=campaign_id)
