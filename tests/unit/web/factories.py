"""Rows the console shows, written straight through the store: changes, plans, reports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.intent.model import IntentEdit
from services.network.inventory import load_tenant
from services.network.render import renderer_for
from services.store.db import get_engine, make_session_factory
from services.store.repos import backups as backup_repo
from services.store.repos import changes as change_repo
from services.store.repos import compliance as report_repo
from services.store.repos import intent as intent_repo
from services.store.repos import tokens as token_repo

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DIFF = """--- running
+++ intended
@@ -3,2 +3,2 @@
 interface GigabitEthernet0/0
- bandwidth 50000
+ bandwidth 80000
"""


_prepared: set[str] = set()


def sessions(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the settings' database, migrated and with the inventories' tenants."""
    if settings.database_url not in _prepared:
        prepare_local(settings, lab=True)
        _prepared.add(settings.database_url)
    return make_session_factory(get_engine(settings.database_url))


def token_id(settings: Settings, token: str) -> int:
    """The stored id of a plaintext token (its prefix names it)."""
    prefix = token.split("_")[1]
    with sessions(settings).begin() as session:
        return next(t.id for t in token_repo.list_tokens(session) if t.prefix == prefix)


def change(
    settings: Settings,
    tenant: str,
    *,
    site: str = "hq",
    requested_by: str = "someone",
    requested_by_token_id: int | None = None,
    awaiting: bool = False,
    policy_reason: str = "qos_profile changes need an approver (tenant contract)",
    params: dict[str, Any] | None = None,
    devices: list[dict[str, Any]] | None = None,
) -> str:
    """A stored change (qos_profile unless `params` say otherwise); with awaiting=True planned
    (`devices`: the plan's, else one qos device) and waiting for an approver."""
    params = params or {"kind": "qos_profile", "site": site, "profile": "premium"}
    with sessions(settings).begin() as session:
        found, _ = change_repo.create_change(
            session,
            tenant=tenant,
            site=site,
            kind=params["kind"],
            params=params,
            requested_by=requested_by,
            requested_by_token_id=requested_by_token_id,
        )
        if awaiting:
            device = f"{tenant}-{site}-r1"
            change_repo.add_plan(
                session,
                tenant=tenant,
                change_id=found.id,
                devices=devices
                or [
                    {
                        "device": device,
                        "platform": "cisco_ios",
                        "diff": DIFF,
                        "commands": ["interface GigabitEthernet0/0", " bandwidth 80000"],
                        "rollback": ["interface GigabitEthernet0/0", " bandwidth 50000"],
                    }
                ],
                plan_hash="a" * 64,
            )
            change_repo.transition(
                session, tenant=tenant, change_id=found.id, to_status="planned", actor="workflow"
            )
            change_repo.transition(
                session,
                tenant=tenant,
                change_id=found.id,
                to_status="awaiting_approval",
                actor="workflow",
                policy_reason=policy_reason,
            )
    return found.id


def report(settings: Settings, tenant: str, *, workflow_id: str, days_ago: int, drift: bool) -> str:
    """A finished audit report with one device, drifted or compliant."""
    at = datetime.now(UTC) - timedelta(days=days_ago)
    device = f"{tenant}-hq-r1"
    features: list[dict[str, Any]] = [
        {"feature": "ntp", "status": "drift" if drift else "compliant",
         "missing": ["ntp server 192.0.2.11"] if drift else [],
         "extra": ["ntp server 203.0.113.123"] if drift else [],
         "remediation": ["ntp server 192.0.2.11", "no ntp server 203.0.113.123"] if drift else []},
    ]  # fmt: skip
    with sessions(settings).begin() as session:
        opened = report_repo.start_report(
            session, tenant=tenant, workflow_id=workflow_id, requested_by="schedule", started_at=at
        )
        report_repo.record_device(
            session,
            report_id=opened.id,
            tenant=tenant,
            device=device,
            platform="cisco_ios",
            status="drift" if drift else "compliant",
            score=50.0 if drift else 100.0,
            result={"tenant": tenant, "device": device, "platform": "cisco_ios",
                    "status": "drift" if drift else "compliant",
                    "score": 50.0 if drift else 100.0, "features": features},
        )  # fmt: skip
        report_repo.finish_report(
            session, report_id=opened.id, tenant=tenant, finished_at=at + timedelta(minutes=1)
        )
    return opened.id


def revise(
    settings: Settings,
    tenant: str,
    device: str,
    edits: list[IntentEdit],
    *,
    kind: str = "wan_bandwidth",
    site: str = "hq",
) -> str:
    """A change verified on `device` (alice@acme asked, bob@msp approved): its intent revision
    written; the change's id."""
    with sessions(settings).begin() as session:
        found, _ = change_repo.create_change(
            session,
            tenant=tenant,
            site=site,
            kind=kind,  # type: ignore[arg-type]
            params={"kind": kind},
            requested_by="alice@acme",
        )
        intent_repo.record_revisions(
            session,
            tenant=tenant,
            change_id=found.id,
            kind=kind,
            requested_by="alice@acme",
            approved_by="bob@msp",
            edits={device: edits},
        )
    return found.id


def back_up_files_config(settings: Settings, tenant: str, device: str) -> None:
    """A backup of `device` that runs what its inventory files alone render."""
    found = load_tenant(settings.inventories_path, tenant).device(device)
    running = renderer_for(settings.templates_path).render_device(found)
    with sessions(settings).begin() as session:
        backup_repo.store_backup(
            session,
            tenant=tenant,
            device=device,
            content=running,
            run_id=f"backup-{device}",
            collected_at=datetime.now(UTC),
        )
