"""The new-change form: the API's request models and use case, errors shown next to the fields."""

from __future__ import annotations

import re
import secrets
from typing import Any

from fastapi import APIRouter, Request, Response, status

from services.api.deps import SessionDep, SettingsDep, StateDep, check_role, refusal_status
from services.api.web.changes import TenantPage
from services.api.web.numbers import form_integer
from services.api.web.render import ConsoleRoute, page, redirect
from services.api.web.session import CheckedForm, ConsoleDep
from services.app.changes import request_change
from services.app.errors import Refused
from services.changes.contract import load_contract
from services.changes.requests import parse_request
from services.core.errors import ChangeValidationError, NetwaveError
from services.network.inventory import load_tenant

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

REQUESTERS = frozenset({"tenant", "engineer", "admin"})
KINDS = {
    "wan_bandwidth": ("WAN bandwidth", ("bandwidth_mbps",)),
    "qos_profile": ("QoS profile", ("profile",)),
    "vlan_handoff": ("VLAN hand-off", ("vlan_id", "address", "description", "device")),
}
OPTIONAL = frozenset({"description", "device"})
NUMBERS = frozenset({"bandwidth_mbps", "vlan_id"})
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _choices(settings: SettingsDep, tenant: str) -> dict[str, list[str]]:
    """Sites, edge devices and QoS profiles to offer; the server validates regardless."""
    try:
        inventory = load_tenant(settings.inventories_path, tenant)
        profiles = list(load_contract(settings.inventories_path, tenant).contract.qos_profiles)
    except NetwaveError:
        return {"sites": [], "devices": [], "profiles": []}
    devices = sorted(inventory.devices.values(), key=lambda d: d.name)
    return {
        "sites": sorted({d.site for d in devices if d.site}),
        "devices": [d.name for d in devices if d.role == "edge"],
        "profiles": profiles,
    }


def _form_page(
    request: Request,
    console: ConsoleDep,
    settings: SettingsDep,
    tenant: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    error: str | None = None,
    code: int = status.HTTP_200_OK,
) -> Response:
    values = dict(values or {})
    if not IDEMPOTENCY_KEY.fullmatch(values.get("idempotency_key", "")):
        values["idempotency_key"] = secrets.token_urlsafe(24)
    return page(
        request,
        "change_new.html",
        console,
        code,
        tenant=tenant,
        kinds=KINDS,
        values=values,
        errors=errors or {},
        error=error,
        **_choices(settings, tenant),
    )


def _request_data(form: dict[str, str]) -> dict[str, Any]:
    """The request as the API would get it: the chosen kind's fields, blanks left out."""
    kind = form.get("kind", "")
    data: dict[str, Any] = {"kind": kind, "site": form.get("site", "")}
    for name in KINDS.get(kind, ("", ()))[1]:
        value = form.get(name, "").strip()
        if value or name not in OPTIONAL:
            data[name] = form_integer(value) if name in NUMBERS else value
    return data


def _field_errors(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, message in pairs:
        errors.setdefault(field.split(".")[0] or "kind", []).append(message)
    return errors


@router.get("/tenants/{tenant}/changes/new")
def new_change_form(
    request: Request, tenant: TenantPage, console: ConsoleDep, settings: SettingsDep
) -> Response:
    """Ask for a capacity change at one of the tenant's sites."""
    check_role(console.identity, REQUESTERS)
    return _form_page(request, console, settings, tenant, values={"kind": "wan_bandwidth"})


@router.post("/tenants/{tenant}/changes/new")
async def new_change(
    request: Request,
    tenant: TenantPage,
    form: CheckedForm,
    console: ConsoleDep,
    state: StateDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Validate like the API (422 names the field), then request the change through it."""
    identity = check_role(console.identity, REQUESTERS)
    key = form.get("idempotency_key", "")
    try:
        requested = await request_change(
            state,
            session,
            identity,
            tenant,
            parse_request(_request_data(form)),
            f"console-{key}" if IDEMPOTENCY_KEY.fullmatch(key) else None,
        )
    except ChangeValidationError as exc:  # the form, the fleet or the contract refused it
        session.rollback()
        errors = _field_errors(exc.errors)
        return _form_page(
            request, console, settings, tenant, values=form, errors=errors,
            code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )  # fmt: skip
    except Refused as exc:
        session.rollback()
        return _form_page(
            request, console, settings, tenant, values=form, error=exc.message,
            code=refusal_status(exc),
        )  # fmt: skip
    return redirect(f"/console/tenants/{tenant}/changes/{requested.detail.change.id}")
