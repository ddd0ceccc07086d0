"""Campaign pages: list, launch form, live wave and device progress, pause/resume/cancel, the
admin's window override and the event history.

Every read and action calls the same use cases as the API (`services.app.campaigns`) after
the same role checks, so launch validation, four-eyes on the canary gate and the audit log are
shared.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import ValidationError

from services.api.deps import (
    STAFF_ROLES,
    SessionDep,
    SettingsDep,
    StateDep,
    check_role,
    refusal_status,
)
from services.api.web.numbers import form_decimal, form_integer
from services.api.web.render import ConsoleRoute, page, redirect
from services.api.web.session import CheckedForm, ConsoleDep
from services.app import campaigns as use_case
from services.app.campaigns import (
    ADMINS,
    APPROVERS,
    CONTROLS,
    ENGINEERS,
    CampaignDetail,
    ControlBody,
    WindowOverrideBody,
)
from services.app.errors import InvalidRequest, Refused
from services.app.temporal import workflow_ui
from services.campaigns.spec import CampaignSpec
from services.store.repos import campaigns as campaign_repo
from services.store.repos.campaigns import FINAL_STATUSES

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

LISTS = ("tenants", "sites", "roles", "platforms", "devices")
NUMBERS = ("canary_size", "wave_size", "max_concurrency", "max_failures")
TIMEOUTS = ("reload_timeout_seconds", "settle_seconds")
FIELDS = frozenset({"name", "kind", "target_versions", "features", *LISTS, *NUMBERS, *TIMEOUTS})
OVERRIDE = "override-window"
# The control buttons (pause, resume, cancel, approve) and the admin's window override.
ACTIONS = frozenset({*CONTROLS, OVERRIDE})
DEFAULTS = {"kind": "os_upgrade", "canary_size": "1", "wave_size": "10", "max_concurrency": "10",
            "max_failures": "0", "respect_windows": "on"}  # fmt: skip


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,]+", text) if w]


def spec_data(form: dict[str, str]) -> dict[str, Any]:
    """The launch form as the API's CampaignSpec JSON; blanks keep the API's defaults."""
    versions: dict[str, str] = {}
    for line in form.get("target_versions", "").splitlines():
        platform, _, version = line.replace("=", " ").strip().partition(" ")
        if platform:
            versions[platform] = version.strip()
    strategy: dict[str, Any] = {
        n: form_integer(form[n]) for n in NUMBERS if form.get(n, "").strip()
    }
    strategy["approve_after_canary"] = form.get("approve_after_canary") == "on"
    data: dict[str, Any] = {
        "name": form.get("name", "").strip(),
        "kind": form.get("kind", ""),
        "targets": {n: _words(form.get(n, "")) for n in LISTS},
        "strategy": strategy,
        "target_versions": versions,
        "features": _words(form.get("features", "")),
        "respect_windows": form.get("respect_windows") == "on",
    }
    if reload := form.get("reload_timeout_seconds", "").strip():
        data["reload_timeout_seconds"] = form_decimal(reload)
    if settle := form.get("settle_seconds", "").strip():
        data["post_check"] = {"settle_seconds": form_decimal(settle)}
    return data


def _field(loc: list[Any]) -> str:
    """The form field an error location points at (the innermost one the form has)."""
    return next((str(p) for p in reversed(loc) if str(p) in FIELDS), "kind")


def _errors(pairs: list[tuple[list[Any], str]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for loc, message in pairs:
        errors.setdefault(_field(loc), []).append(message.removeprefix("Value error, "))
    return errors


def _form_page(
    request: Request,
    console: ConsoleDep,
    values: dict[str, str],
    errors: dict[str, list[str]] | None = None,
    error: str | None = None,
    code: int = status.HTTP_200_OK,
) -> Response:
    return page(
        request, "campaign_new.html", console, code, values=values, errors=errors or {}, error=error
    )


@router.get("/campaigns")
def campaigns(
    request: Request, console: ConsoleDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """Campaigns, newest first (MSP staff only, like the API)."""
    check_role(console.identity, STAFF_ROLES)
    found = campaign_repo.list_campaigns(session, limit=100)
    links = {c.id: workflow_ui(settings, c.workflow_id) for c in found}
    return page(request, "campaigns.html", console, campaigns=found, links=links)


@router.get("/campaigns/new")
def launch_form(request: Request, console: ConsoleDep) -> Response:
    check_role(console.identity, ENGINEERS)
    return _form_page(request, console, dict(DEFAULTS))


@router.post("/campaigns/new")
async def launch(
    request: Request, form: CheckedForm, console: ConsoleDep, state: StateDep, session: SessionDep
) -> Response:
    """Validate like the API (errors next to the fields), then launch (the API's use case)."""
    identity = check_role(console.identity, ENGINEERS)
    unprocessable = status.HTTP_422_UNPROCESSABLE_CONTENT
    try:
        spec = CampaignSpec.model_validate(spec_data(form))
    except ValidationError as exc:
        pairs = [(list(e["loc"]), e["msg"]) for e in exc.errors()]
        return _form_page(request, console, form, _errors(pairs), code=unprocessable)
    try:
        launched = await use_case.launch_campaign(state, session, identity, spec)
    except InvalidRequest as exc:  # unknown targets or images
        session.rollback()
        pairs = [(["body", *field.split(".")], message) for field, message in exc.errors]
        return _form_page(request, console, form, _errors(pairs), code=unprocessable)
    except Refused as exc:
        session.rollback()
        return _form_page(request, console, form, error=exc.message, code=refusal_status(exc))
    return redirect(f"/console/campaigns/{launched.campaign.id}")


def _campaign_page(
    request: Request,
    console: ConsoleDep,
    session: SessionDep,
    detail: CampaignDetail,
    code: int = status.HTTP_200_OK,
    *,
    done: str | bool = False,
    error: str | None = None,
) -> Response:
    live = detail.campaign.status not in FINAL_STATUSES
    return page(
        request,
        "campaign.html",
        console,
        code,
        detail=detail,
        events=use_case.campaign_events(session, detail.campaign.id),
        live=live,
        can_control=console.identity.role in ENGINEERS,
        can_approve=console.identity.role in APPROVERS,
        can_override=live
        and console.identity.role in ADMINS
        and bool(detail.campaign.spec.get("respect_windows", True)),
        done=done,
        error=error,
    )


@router.get("/campaigns/{campaign_id}")
async def campaign(
    request: Request, campaign_id: str, console: ConsoleDep, state: StateDep, session: SessionDep
) -> Response:
    """One campaign: waves and devices, updated live while it runs; controls; workflow link."""
    check_role(console.identity, STAFF_ROLES)
    detail = await use_case.follow_campaign(state, session, campaign_id)
    done = request.query_params.get("done") in ACTIONS and request.query_params["done"]
    return _campaign_page(request, console, session, detail, done=done)


@router.get("/campaigns/{campaign_id}/progress.json")
async def progress(
    campaign_id: str, console: ConsoleDep, state: StateDep, session: SessionDep
) -> dict[str, Any]:
    """What the detail page redraws every few seconds."""
    check_role(console.identity, STAFF_ROLES)
    detail = await use_case.follow_campaign(state, session, campaign_id)
    return {
        "status": detail.campaign.status,
        "final": detail.campaign.status in FINAL_STATUSES,
        "counts": detail.counts,
        "waves": [w.model_dump() for w in detail.waves],
        "devices": [
            {"key": f"{d.tenant}/{d.device}", "status": d.status, "step": d.step}
            for d in detail.devices
        ],
    }


@router.post("/campaigns/{campaign_id}/{action}")
async def control(
    request: Request,
    campaign_id: str,
    action: str,
    form: CheckedForm,
    console: ConsoleDep,
    state: StateDep,
    session: SessionDep,
) -> Response:
    """Pause, resume or cancel (engineer, admin); approve the canary (approver, admin);
    override the maintenance windows (admin, with a reason)."""
    if action not in ACTIONS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no action {action!r}")
    try:
        await _act(action, form, console, state, session, campaign_id)
    except (HTTPException, ValidationError, Refused) as exc:
        session.rollback()
        if isinstance(exc, HTTPException):
            code, message = exc.status_code, str(exc.detail)
        elif isinstance(exc, Refused):
            code, message = refusal_status(exc), exc.message
        else:
            code = status.HTTP_422_UNPROCESSABLE_CONTENT
            message = "; ".join(
                f"{e['loc'][-1]}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
            )
        detail = await use_case.follow_campaign(state, session, campaign_id)
        return _campaign_page(request, console, session, detail, code, error=message)
    return redirect(f"/console/campaigns/{campaign_id}?done={action}")


async def _act(
    action: str,
    form: dict[str, str],
    console: ConsoleDep,
    state: StateDep,
    session: SessionDep,
    campaign_id: str,
) -> None:
    """The use case of one button, after its role check (HTTPException, ValidationError,
    Refused)."""
    if action == OVERRIDE:
        identity = check_role(console.identity, ADMINS)
        tenant = form.get("tenant", "").strip() or None
        body = WindowOverrideBody(reason=form.get("reason", "").strip(), tenant=tenant)
        await use_case.override_window(state, session, identity, campaign_id, body=body)
        return
    identity = check_role(console.identity, CONTROLS[action].roles)
    control = ControlBody(comment=form.get("comment", "").strip())
    await use_case.control_campaign(
        state, session, identity, campaign_id, action=action, body=control
    )
