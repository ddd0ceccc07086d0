"""Campaign and run use cases without HTTP: who may, state refusals, what reaches Temporal."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from services.app import campaigns, runs
from services.app.campaigns import ControlBody
from services.app.errors import Conflict, Forbidden, TemporalUnavailable
from services.campaigns.spec import CampaignSpec
from services.core.errors import NotFoundError
from services.core.settings import Settings
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import campaigns as campaign_repo
from services.store.repos import runs as run_repo
from tests.unit.app.conftest import Caller
from tests.unit.app.fakes import FakeClient, FakeRuntime
from tests.unit.web.factories import sessions
from workflows.campaigns.models import ControlInput

SPEC = CampaignSpec.model_validate(
    {"name": "ios-17-9", "kind": "os_upgrade", "target_versions": {"cisco_ios": "17.9.4a"}}
)


def launched(settings: Settings, by: str) -> str:
    with sessions(settings).begin() as session:
        campaign_repo.create_campaign(
            session,
            campaign_id="c-1",
            name=SPEC.name,
            kind=SPEC.kind,
            spec=SPEC.model_dump(mode="json"),
            created_by=by,
            created_by_token_id=None,
            workflow_id="campaign-c-1",
        )
    return "c-1"


async def test_only_an_admin_launches_outside_maintenance_windows(
    settings: Settings, session: Session, caller: Caller
) -> None:
    anytime = SPEC.model_copy(update={"respect_windows": False})
    runtime = FakeRuntime(settings, FakeClient())
    with pytest.raises(Forbidden) as refused:
        await campaigns.launch_campaign(runtime, session, caller("engineer"), anytime)
    assert refused.value.message == "only an admin may run outside maintenance windows"
    assert runtime.asked == 0


async def test_the_launcher_cannot_approve_their_own_canary(
    settings: Settings, session: Session, caller: Caller
) -> None:
    admin = caller("admin", principal="bob@msp.example")
    campaign_id = launched(settings, by="bob@msp.example")
    runtime = FakeRuntime(settings, FakeClient())
    with pytest.raises(Forbidden) as refused:
        await campaigns.control_campaign(
            runtime, session, admin, campaign_id, action="approve", body=ControlBody()
        )
    assert refused.value.message == "four-eyes: the launcher cannot approve the canary"
    assert runtime.asked == 0


async def test_pause_is_sent_to_the_campaign_workflow_and_audited(
    settings: Settings, session: Session, caller: Caller
) -> None:
    engineer = caller("engineer")
    campaign_id = launched(settings, by="someone-else")
    runtime = FakeRuntime(settings, FakeClient())
    detail = await campaigns.control_campaign(
        runtime, session, engineer, campaign_id, action="pause", body=ControlBody(comment="bridge")
    )
    assert runtime.client is not None
    assert runtime.client.workflow_ids[0] == "campaign-c-1"
    assert runtime.client.handle.updates == [
        ("pause", ControlInput(actor=engineer.name, comment="bridge"))
    ]
    [entry] = [e for e in audit_log_repo.list_entries(session) if e.object == "campaign:c-1"]
    assert (entry.action, entry.tenant, entry.detail) == (
        "campaign.pause",
        None,
        {"comment": "bridge"},
    )
    assert detail.campaign.id == "c-1" and detail.waves == [] and detail.progress is None


async def test_a_campaign_still_running_is_not_retried(
    settings: Settings, session: Session, caller: Caller
) -> None:
    engineer = caller("engineer")
    campaign_id = launched(settings, by="someone-else")
    with pytest.raises(Conflict) as refused:
        await campaigns.retry_campaign(FakeRuntime(settings), session, engineer, campaign_id)
    assert refused.value.message == "the campaign is still running"


async def test_a_run_is_found_by_kind_and_tenant_and_hidden_from_other_tenants(
    settings: Settings, session: Session, caller: Caller
) -> None:
    globex = caller("tenant", tenant="globex")
    with sessions(settings).begin() as writing:
        run = run_repo.create_run(
            writing, kind="backup", tenant="acme", workflow_id="backup-acme-1", requested_by="e"
        )
    runtime = FakeRuntime(settings)  # Temporal away: the recorded run, status UNKNOWN
    found = await runs.follow_run(runtime, session, run.id, kind=runs.BACKUP, tenant="acme")
    assert (found.workflow_id, found.status, found.progress) == ("backup-acme-1", "UNKNOWN", None)
    with pytest.raises(NotFoundError) as other_kind:
        await runs.follow_run(runtime, session, run.id, kind=runs.AUDIT, tenant="acme")
    assert other_kind.value.message == f"audit run {run.id!r} not found"
    with pytest.raises(NotFoundError) as other_tenant:
        await runs.follow_run(runtime, session, run.id, viewer=globex)
    assert other_tenant.value.message == f"run {run.id!r} not found"


async def test_a_run_that_cannot_start_is_not_recorded(
    settings: Settings, session: Session, caller: Caller
) -> None:
    engineer = caller("engineer")
    with pytest.raises(TemporalUnavailable):
        await runs.start_backup(FakeRuntime(settings), session, engineer, "acme")
    assert run_repo.list_runs(session, tenant="acme") == []
