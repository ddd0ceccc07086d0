"""Campaign operations without HTTP: the admin's window override (what is sent, recorded and
refused) and the campaign's event history."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from services.app import campaigns
from services.app.campaigns import ControlBody, WindowOverrideBody
from services.app.changes import OverrideBody
from services.app.errors import Conflict, InvalidRequest
from services.campaigns.spec import CampaignSpec
from services.core.errors import NotFoundError
from services.core.settings import Settings
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import campaign_events as event_repo
from services.store.repos import campaigns as campaign_repo
from tests.unit.app.conftest import Caller
from tests.unit.app.fakes import FakeClient, FakeRuntime
from tests.unit.web.factories import sessions
from workflows.campaigns.models import WindowOverrideInput

SPEC = CampaignSpec.model_validate(
    {"name": "ios-17-9", "kind": "os_upgrade", "target_versions": {"cisco_ios": "17.9.4a"}}
)


def launched(settings: Settings, *, status: str = "running", respect_windows: bool = True) -> str:
    """A campaign as the API records it, with devices of acme and globex."""
    spec = SPEC.model_copy(update={"respect_windows": respect_windows})
    with sessions(settings).begin() as session:
        campaign_repo.create_campaign(
            session,
            campaign_id="c-1",
            name=spec.name,
            kind=spec.kind,
            spec=spec.model_dump(mode="json"),
            created_by="noc-bob",
            created_by_token_id=None,
            workflow_id="campaign-c-1",
        )
        campaign_repo.add_devices(
            session,
            campaign_id="c-1",
            devices=[("acme", "acme-hq-r1", "cisco_ios", 0), ("globex", "nyc-r2", "cisco_ios", 1)],
        )
        if status != "running":
            campaign_repo.set_status(session, campaign_id="c-1", status=status)  # type: ignore[arg-type]
    return "c-1"


async def test_the_override_is_sent_to_the_workflow_audited_and_in_the_events(
    settings: Settings, session: Session, caller: Caller
) -> None:
    admin = caller("admin")
    campaign_id = launched(settings)
    runtime = FakeRuntime(settings, FakeClient())
    body = WindowOverrideBody(reason="outage bridge INC-42", tenant="globex")
    await campaigns.override_window(runtime, session, admin, campaign_id, body=body)
    assert runtime.client is not None
    assert runtime.client.handle.updates == [
        (
            "override_window",
            WindowOverrideInput(actor=admin.name, reason="outage bridge INC-42", tenant="globex"),
        )
    ]
    [entry] = [e for e in audit_log_repo.list_entries(session) if e.object == "campaign:c-1"]
    assert (entry.action, entry.actor, entry.detail) == (
        "campaign.override_window",
        admin.name,
        {"reason": "outage bridge INC-42", "tenant": "globex"},
    )
    [event] = campaigns.campaign_events(session, campaign_id)
    assert (event.event, event.actor, event.tenant, event.comment) == (
        "window_overridden",
        admin.name,
        "globex",
        "outage bridge INC-42",
    )


@pytest.mark.parametrize(
    ("status", "respect_windows", "message"),
    [
        ("completed", True, "the campaign is completed: only a running campaign's window"),
        ("cancelled", True, "the campaign is cancelled: only a running campaign's window"),
        ("running", False, "the campaign runs outside maintenance windows: nothing to override"),
    ],
)
async def test_only_a_running_campaign_that_waits_for_windows_is_overridden(
    settings: Settings,
    session: Session,
    caller: Caller,
    status: str,
    respect_windows: bool,
    message: str,
) -> None:
    campaign_id = launched(settings, status=status, respect_windows=respect_windows)
    runtime = FakeRuntime(settings, FakeClient())
    with pytest.raises(Conflict) as refused:
        await campaigns.override_window(
            runtime, session, caller("admin"), campaign_id, body=WindowOverrideBody(reason="now")
        )
    assert refused.value.message.startswith(message), refused.value.message
    assert runtime.asked == 0
    assert campaigns.campaign_events(session, campaign_id) == []


async def test_a_tenant_without_devices_in_the_campaign_is_named(
    settings: Settings, session: Session, caller: Caller
) -> None:
    campaign_id = launched(settings)
    runtime = FakeRuntime(settings, FakeClient())
    body = WindowOverrideBody(reason="now", tenant="initech")
    with pytest.raises(InvalidRequest) as refused:
        await campaigns.override_window(runtime, session, caller("admin"), campaign_id, body=body)
    assert refused.value.errors == [("tenant", "tenant 'initech' has no device in this campaign")]
    assert runtime.asked == 0


async def test_a_campaign_that_ended_meanwhile_is_a_conflict_and_nothing_is_recorded(
    settings: Settings, session: Session, caller: Caller
) -> None:
    from temporalio.service import RPCError, RPCStatusCode

    campaign_id = launched(settings)
    gone = RPCError("workflow execution already completed", RPCStatusCode.NOT_FOUND, b"")
    runtime = FakeRuntime(settings, FakeClient())
    assert runtime.client is not None
    runtime.client.handle.error = gone
    with pytest.raises(Conflict) as refused:
        await campaigns.override_window(
            runtime, session, caller("admin"), campaign_id, body=WindowOverrideBody(reason="now")
        )
    assert "the campaign has ended" in refused.value.message
    assert campaigns.campaign_events(session, campaign_id) == []


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("", "at least 1 character"),
        ("   ", "must say why (it is blank)"),
        ("outage\nrm -rf", "must not contain control characters (found '\\n')"),
        ("bell\x07", "must not contain control characters (found '\\x07')"),
        ("x" * 501, "at most 500 characters"),
    ],
)
def test_a_reason_says_why_on_one_printable_line(reason: str, error: str) -> None:
    for body in (WindowOverrideBody, OverrideBody):  # a change's override: the same rules
        with pytest.raises(ValidationError) as refused:
            body(reason=reason)
        [problem] = refused.value.errors()
        assert problem["loc"] == ("reason",)
        assert error in problem["msg"], problem["msg"]


def test_a_tenant_name_is_checked_before_anything_is_asked() -> None:
    with pytest.raises(ValidationError) as refused:
        WindowOverrideBody(reason="now", tenant="Not A Tenant")
    assert refused.value.errors()[0]["loc"] == ("tenant",)


async def test_controls_and_the_workflow_s_own_turns_are_events_in_order(
    settings: Settings, session: Session, caller: Caller
) -> None:
    engineer, approver = caller("engineer"), caller("approver")
    campaign_id = launched(settings)
    runtime = FakeRuntime(settings, FakeClient())
    with sessions(settings).begin() as writing:  # as the campaign_status activity records
        event_repo.record_event(
            writing, campaign_id=campaign_id, event="awaiting_approval", actor="netwave"
        )
    for action, by, comment in (
        ("pause", engineer, "change freeze"),
        ("resume", engineer, ""),
        ("approve", approver, "canary looks good"),
    ):
        await campaigns.control_campaign(
            runtime, session, by, campaign_id, action=action, body=ControlBody(comment=comment)
        )
    with sessions(settings).begin() as writing:  # a retried activity adds nothing
        for _ in range(2):
            event_repo.record_event(
                writing,
                campaign_id=campaign_id,
                event="completed",
                actor="netwave",
                comment="",
            )
    events = campaigns.campaign_events(session, campaign_id)
    assert [(e.event, e.actor, e.comment) for e in events] == [
        ("awaiting_approval", "netwave", ""),
        ("paused", engineer.name, "change freeze"),
        ("resumed", engineer.name, ""),
        ("gate_opened", approver.name, "canary looks good"),
        ("completed", "netwave", ""),
    ]
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_the_events_of_an_unknown_campaign_are_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError):
        campaigns.campaign_events(session, "no-such-campaign")
