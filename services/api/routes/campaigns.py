"""Upgrade campaigns: engineers launch, pause, resume, cancel and retry; approvers open the gate
after the canary; everyone on the MSP side follows per-wave and per-device progress."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from annotated_types import Ge, Le
from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError

from services.api.deps import EngineerIdentity, SessionDep, StateDep, require_roles
from services.api.params import Digits
from services.api.state import AppState
from services.campaigns.resolve import refuse_campaign_on_attention, resolve_campaign
from services.campaigns.spec import CampaignSpec, TargetSelection
from services.core.errors import ChangeValidationError, NetwaveError
from services.core.principals import same_principal
from services.network.inventory import load_all
from services.network.upgrade import Image
from services.store.repos import audit as audit_repo
from services.store.repos import campaigns as campaign_repo
from services.store.repos import images as image_repo
from services.store.repos.campaigns import CampaignDeviceOut, CampaignOut
from services.store.repos.tokens import Identity
from workflows.campaign.models import CampaignInput, CampaignProgress, ControlInput
from workflows.campaign.workflow import CampaignWorkflow

# Live progress is a bonus beside the database's status: never wait long for a busy worker.
PROGRESS_TIMEOUT = timedelta(seconds=2)

router = APIRouter(tags=["campaigns"])
StaffIdentity = Annotated[Identity, require_roles("engineer", "approver", "admin")]
ApproverIdentity = Annotated[Identity, require_roles("approver", "admin")]


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


DONE = frozenset({"upgraded", "applied", "skipped", "rolled_back", "failed", "not_started"})
FAILED = frozenset({"rolled_back", "failed"})


def workflow_id(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"


async def _client(state: AppState) -> Client:
    try:
        return await state.temporal()
    except Exception:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "Temporal is not reachable"
        ) from None


async def _detail(state: AppState, session: SessionDep, campaign_id: str) -> CampaignDetail:
    campaign = campaign_repo.get_campaign(session, campaign_id=campaign_id)
    devices = campaign_repo.devices_of(session, campaign_id=campaign_id)
    spec = CampaignSpec.model_validate(campaign.spec)
    canary = spec.strategy.canary_size > 0
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
    progress = None
    session.rollback()  # no database lock held while Temporal answers
    if campaign.status not in campaign_repo.FINAL_STATUSES:
        try:
            handle = (await state.temporal()).get_workflow_handle(workflow_id(campaign_id))
            progress = await handle.query(
                "progress", result_type=CampaignProgress, rpc_timeout=PROGRESS_TIMEOUT
            )
        except Exception:  # the database is authoritative; live progress is a bonus
            progress = None
    s = state.settings
    return CampaignDetail(
        campaign=campaign,
        waves=[waves[i] for i in sorted(waves)],
        devices=devices,
        counts=counts,
        progress=progress,
        temporal_ui=f"{s.temporal_ui_url}/namespaces/{s.temporal_namespace}"
        f"/workflows/{workflow_id(campaign_id)}",
    )


def _validate(state: AppState, session: SessionDep, spec: CampaignSpec) -> None:
    def find(platform: str, version: str) -> Image | None:
        found = image_repo.find_image(session, platform=platform, version=version)
        return Image.model_validate(found.model_dump(exclude={"id"})) if found else None

    targets, _images = resolve_campaign(spec, load_all(state.settings.inventories_path), find)
    refuse_campaign_on_attention(session, targets)


async def _launch(
    state: AppState,
    session: SessionDep,
    identity: Identity,
    spec: CampaignSpec,
    retry_of: str | None = None,
) -> CampaignDetail:
    client = await _client(state)
    campaign_id = campaign_repo.new_campaign_id()
    campaign_repo.create_campaign(
        session,
        campaign_id=campaign_id,
        name=spec.name,
        kind=spec.kind,
        spec=spec.model_dump(mode="json"),
        created_by=identity.name,
        created_by_token_id=identity.token_id,
        workflow_id=workflow_id(campaign_id),
        retry_of=retry_of,
    )
    audit_repo.record(
        session,
        actor=identity.name,
        action="campaign.launch",
        tenant=None,
        object=f"campaign:{campaign_id}",
        detail={"name": spec.name, "kind": spec.kind, "retry_of": retry_of},
    )
    session.commit()
    await client.start_workflow(
        CampaignWorkflow.run,
        CampaignInput(campaign_id=campaign_id, device_task_queue=state.settings.device_task_queue),
        id=workflow_id(campaign_id),
        task_queue=state.settings.task_queue,
    )
    return await _detail(state, session, campaign_id)


@router.post(
    "/v1/campaigns",
    response_model=CampaignDetail,
    status_code=status.HTTP_201_CREATED,
    responses={422: {"description": "the spec names unknown targets or images"}},
)
async def launch_campaign(
    spec: CampaignSpec, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> CampaignDetail | JSONResponse:
    """Launch an OS upgrade or config rollout in canary + waves."""
    if not spec.respect_windows and identity.role != "admin":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="only an admin may run outside maintenance windows"
        )
    try:
        _validate(state, session, spec)
    except ChangeValidationError as exc:
        return JSONResponse({"detail": exc.as_detail()}, status_code=422)
    except NetwaveError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    return await _launch(state, session, identity, spec)


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
    return await _detail(state, session, campaign_id)


async def _control(
    update: str,
    campaign_id: str,
    body: ControlBody,
    identity: Identity,
    state: AppState,
    session: SessionDep,
) -> CampaignDetail:
    campaign = campaign_repo.get_campaign(session, campaign_id=campaign_id)
    if update == "approve" and same_principal(campaign.created_by, identity.name):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="four-eyes: the launcher cannot approve the canary"
        )
    # End the read before the update: its handler writes the campaign's status (SQLite has
    # one writer, and a BEGIN IMMEDIATE held here would make that write wait on us).
    session.rollback()
    handle = (await _client(state)).get_workflow_handle(workflow_id(campaign_id))
    try:
        await handle.execute_update(update, ControlInput(actor=identity.name, comment=body.comment))
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=str(getattr(cause, "message", cause))
        ) from None
    except RPCError as exc:  # the workflow has already finished
        current = campaign_repo.get_campaign(session, campaign_id=campaign_id)
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"the campaign is {current.status}: {exc.message}"
        ) from None
    audit_repo.record(
        session,
        actor=identity.name,
        action=f"campaign.{update}",
        tenant=None,
        object=f"campaign:{campaign_id}",
        detail={"comment": body.comment},
    )
    session.commit()
    return await _detail(state, session, campaign_id)


@router.post("/v1/campaigns/{campaign_id}/pause", response_model=CampaignDetail)
async def pause_campaign(
    campaign_id: str,
    identity: EngineerIdentity,
    state: StateDep,
    session: SessionDep,
    body: ControlBody | None = None,
) -> CampaignDetail:
    """Start no new device; devices in flight finish their runbook."""
    return await _control("pause", campaign_id, body or ControlBody(), identity, state, session)


@router.post("/v1/campaigns/{campaign_id}/resume", response_model=CampaignDetail)
async def resume_campaign(
    campaign_id: str,
    identity: EngineerIdentity,
    state: StateDep,
    session: SessionDep,
    body: ControlBody | None = None,
) -> CampaignDetail:
    """Start devices again."""
    return await _control("resume", campaign_id, body or ControlBody(), identity, state, session)


@router.post("/v1/campaigns/{campaign_id}/cancel", response_model=CampaignDetail)
async def cancel_campaign(
    campaign_id: str,
    identity: EngineerIdentity,
    state: StateDep,
    session: SessionDep,
    body: ControlBody | None = None,
) -> CampaignDetail:
    """Stop: devices in flight finish safely, no new device starts, the rest stays untouched."""
    return await _control("cancel", campaign_id, body or ControlBody(), identity, state, session)


@router.post("/v1/campaigns/{campaign_id}/approve", response_model=CampaignDetail)
async def approve_campaign(
    campaign_id: str,
    identity: ApproverIdentity,
    state: StateDep,
    session: SessionDep,
    body: ControlBody | None = None,
) -> CampaignDetail:
    """Open the gate after a successful canary (not by the campaign's launcher)."""
    return await _control("approve", campaign_id, body or ControlBody(), identity, state, session)


@router.post(
    "/v1/campaigns/{campaign_id}/retry",
    response_model=CampaignDetail,
    status_code=status.HTTP_201_CREATED,
)
async def retry_failed(
    campaign_id: str, identity: EngineerIdentity, state: StateDep, session: SessionDep
) -> CampaignDetail:
    """A new campaign, same spec, over the devices that failed or were rolled back."""
    campaign = campaign_repo.get_campaign(session, campaign_id=campaign_id)
    if campaign.status not in campaign_repo.FINAL_STATUSES:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail=f"the campaign is still {campaign.status}"
        )
    failed = [
        d for d in campaign_repo.devices_of(session, campaign_id=campaign_id) if d.status in FAILED
    ]
    if not failed:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="no failed device to retry")
    spec = CampaignSpec.model_validate(campaign.spec)
    retry = spec.model_copy(
        update={
            "name": f"{spec.name}-retry"[:120],
            "targets": TargetSelection(
                tenants=sorted({d.tenant for d in failed}), devices=[d.device for d in failed]
            ),
        }
    )
    return await _launch(state, session, identity, retry, retry_of=campaign_id)
