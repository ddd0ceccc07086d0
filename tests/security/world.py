"""A small two-tenant world in the database: backups, reports, runs and a change per tenant.

Every row of a tenant carries its marker (requested_by, backup content, plan commands): with
the objects' ids and device names, what a caller of another tenant must never read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from services.bootstrap import prepare_local
from services.compliance.report import DeviceCompliance, FeatureResult
from services.core.settings import Settings
from services.store.repos import backups as backup_repo
from services.store.repos import changes as change_repo
from services.store.repos import compliance as report_repo
from services.store.repos import runs as run_repo
from services.store.repos import tokens as token_repo

OWNER, FOREIGN = "acme", "globex"
MARKERS = {tenant: f"{tenant}-private-7f3c9e" for tenant in (OWNER, FOREIGN)}
DEVICES = {OWNER: "acme-hq-r1", FOREIGN: "globex-par-r1"}


@dataclass
class TenantObjects:
    """The ids of one tenant's seeded objects."""

    tenant: str
    device: str
    report_id: str = ""
    backup_run_id: str = ""
    audit_run_id: str = ""
    change_id: str = ""


@dataclass
class World:
    settings: Settings
    objects: dict[str, TenantObjects] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def header(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def private(self, tenant: str) -> list[str]:
        """What only `tenant`'s own callers (and staff) may ever read."""
        o = self.objects[tenant]
        ids = [o.report_id, o.backup_run_id, o.audit_run_id, o.change_id, o.device]
        return [MARKERS[tenant], *ids]


def _report(settings: Settings, tenant: str, device: str, requested_by: str) -> str:
    sessions = prepare_local(settings, lab=True)
    started = datetime.now(UTC) - timedelta(minutes=5)
    with sessions.begin() as session:
        report = report_repo.start_report(
            session,
            tenant=tenant,
            workflow_id=f"audit-{tenant}-{uuid.uuid4().hex[:8]}",
            requested_by=requested_by,
            started_at=started,
        )
        backup = backup_repo.store_backup(
            session,
            tenant=tenant,
            device=device,
            run_id=None,
            content=f"hostname {device}\n! {requested_by}\nntp server 9.9.9.9\n",
            collected_at=started,
        )
        ntp = FeatureResult(
            feature="ntp",
            status="drift",
            missing=["ntp server 192.0.2.10"],
            extra=["ntp server 9.9.9.9"],
        )
        result = DeviceCompliance.from_features(tenant, device, "cisco_ios", [ntp])
        report_repo.record_device(
            session,
            report_id=report.id,
            tenant=tenant,
            device=device,
            platform="cisco_ios",
            status=result.status,
            score=result.score,
            result=result.model_dump(mode="json"),
            backup_version=backup.version,
        )
        report_repo.finish_report(session, report_id=report.id, tenant=tenant, finished_at=started)
    return report.id


def _change(settings: Settings, tenant: str, device: str, requested_by: str) -> str:
    """A change awaiting approval (no workflow runs it: the API finds Temporal down)."""
    sessions = prepare_local(settings, lab=True)
    with sessions.begin() as session:
        change, _ = change_repo.create_change(
            session,
            tenant=tenant,
            site=device.split("-")[1],
            kind="qos_profile",
            params={"kind": "qos_profile", "site": device.split("-")[1], "profile": "premium"},
            requested_by=requested_by,
        )
        change_repo.add_plan(
            session,
            tenant=tenant,
            change_id=change.id,
            devices=[{"device": device, "commands": [f"! {requested_by}"]}],
            plan_hash=uuid.uuid4().hex,
        )
        for status in ("planned", "awaiting_approval"):
            change_repo.transition(
                session, tenant=tenant, change_id=change.id, to_status=status, actor="netwave"
            )
    return change.id


def build_world(settings: Settings) -> World:
    """Seed both tenants and issue a token of every role (plus bad ones)."""
    sessions = prepare_local(settings, lab=True)
    world = World(settings=settings)
    for tenant, device in DEVICES.items():
        who = MARKERS[tenant]
        objects = TenantObjects(tenant=tenant, device=device)
        objects.report_id = _report(settings, tenant, device, who)
        with sessions.begin() as session:
            for kind in ("backup", "audit"):
                run = run_repo.create_run(
                    session,
                    kind=kind,
                    tenant=tenant,
                    workflow_id=f"{kind}-{tenant}-{uuid.uuid4().hex[:8]}",
                    requested_by=who,
                )
                setattr(objects, f"{kind}_run_id", run.id)
        objects.change_id = _change(settings, tenant, device, who)
        world.objects[tenant] = objects
    pepper = settings.token_pepper.get_secret_value()
    now = datetime.now(UTC)
    issued: list[tuple[str, str, str | None, datetime | None]] = [
        ("acme", "tenant", OWNER, None),
        ("globex", "tenant", FOREIGN, None),
        ("engineer", "engineer", None, None),
        ("approver", "approver", None, None),
        ("admin", "admin", None, None),
        ("expired", "admin", None, now - timedelta(seconds=1)),
        ("revoked", "admin", None, None),
    ]
    with sessions.begin() as session:
        for name, role, scope, expires_at in issued:
            world.tokens[name], out = token_repo.create_token(
                session,
                role=role,
                tenant=scope,
                name=f"sec-{name}",
                pepper=pepper,
                expires_at=expires_at,
                # The expired one was issued an hour earlier (a past expiry is refused).
                now=now - timedelta(hours=1) if expires_at is not None else None,
            )
            if name == "revoked":
                token_repo.revoke_token(session, token_id=out.id)
    return world
