"""Device page: the intended config against the running one, each value's source, history.

Intent comes from the API's own intent reads (`services.app.intent`: same scoping, same hidden
paths); the running config is the device's newest backup. A tenant sees both with their secrets
masked, masked before they are compared (`services.api.viewer`).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from services.api.deps import SessionDep, SettingsDep
from services.api.viewer import prose_viewer_of, viewer_of
from services.api.web.changes import TenantPage
from services.api.web.render import ConsoleRoute, page
from services.api.web.session import ConsoleDep
from services.app import intent
from services.app.errors import Unprocessable
from services.app.inventory import tenant_inventory
from services.changes.plan import normalized, predicted_future
from services.changes.remediation import plan_remediation
from services.compliance.rules import tenant_rules
from services.core.errors import NetwaveError
from services.core.settings import Settings
from services.store.repos import backups as backup_repo
from services.store.repos.backups import BackupOut
from services.store.repos.tokens import Identity

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


def shown_value(value: Any) -> str:
    """An intent value as the page prints it: text as is, anything else as compact JSON."""
    if value is None:
        return "(absent)"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(", ", ": "))


def edit_text(edit: Mapping[str, Any] | BaseModel) -> str:
    """One intent edit in words: `sets wan.bandwidth_mbps 200 → 500`."""
    data = edit.model_dump() if isinstance(edit, BaseModel) else edit
    path, before, after = data["path"], data.get("before"), data.get("after")
    if before is None:
        return f"adds {path} {shown_value(after)}"
    if after is None:
        return f"removes {path} (was {shown_value(before)})"
    return f"sets {path} {shown_value(before)} → {shown_value(after)}"


@dataclass
class Comparison:
    """The intended config and how the running one differs from it (`error`: why not known)."""

    intended: str | None = None
    diff: str = ""
    features: list[str] = field(default_factory=list)
    error: str | None = None


def _compare(
    settings: Settings,
    session: SessionDep,
    tenant: str,
    device: str,
    backup: BackupOut | None,
    identity: Identity,
) -> Comparison:
    """Running (newest backup) vs intended, as an audit sees it: the tenant's rule sections.

    The running config is brought to the intent the way a remediation would (predicted in the
    device's own order), so sections netwave does not manage (boot, vty, secrets) stay out of
    the diff and reordered sections do not show as removed and added.
    """
    try:
        config = intent.rendered_config(settings, session, tenant, device)
    except Unprocessable as exc:  # the intent does not render: say why, show the rest
        return Comparison(error=exc.message)
    platform = config.platform
    view = viewer_of(identity, platform)  # what the caller may see: compared, then shown
    prose = prose_viewer_of(identity, platform)
    if backup is None:
        return Comparison(intended=view(config.config))
    try:
        rules = tenant_rules(settings.inventories_path, tenant)
        features = [c.feature for c in rules.checks(platform)]
        drift = plan_remediation(
            tenant_inventory(settings, tenant).devices[device],
            backup.content,
            config.config,
            rules,
            features,
        )
        future = predicted_future(platform, backup.content, drift.commands, config.config)
        running, intended = normalized(platform, backup.content), normalized(platform, future)
    except NetwaveError as exc:
        return Comparison(intended=view(config.config), error=prose(exc.message))
    diff = difflib.unified_diff(
        view(running).splitlines(keepends=True),
        view(intended).splitlines(keepends=True),
        fromfile=f"{device} running (backup v{backup.version})",
        tofile=f"{device} intended (revision {config.revision})",
    )
    return Comparison(
        intended=view(config.config), diff="".join(diff), features=list(drift.by_feature)
    )


@router.get("/tenants/{tenant}/devices/{device}")
def device_page(
    request: Request,
    tenant: TenantPage,
    device: str,
    console: ConsoleDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """One device: intended vs running config, where each value comes from, intent history."""
    intended = intent.device_intent(settings, session, tenant, device)
    history = intent.intent_history(settings, session, tenant, device)
    backup = backup_repo.latest_backup(session, tenant=tenant, device=device)
    comparison = _compare(settings, session, tenant, device, backup, console.identity)
    if backup is not None:  # the page shows its version and time; its text only masked
        view = viewer_of(console.identity, intended.platform)
        backup = backup.model_copy(update={"content": view(backup.content)})
    return page(
        request,
        "device.html",
        console,
        tenant=tenant,
        device=device,
        intent=intended,
        revisions=list(reversed(history.revisions)),
        backup=backup,
        comparison=comparison,
    )
