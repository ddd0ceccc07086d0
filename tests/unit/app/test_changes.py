"""Change use cases without HTTP: four-eyes, state refusals, the update sent, what is recorded."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from services.app import changes
from services.app.changes import DecisionBody, OverrideBody, StopBody
from services.app.errors import Conflict, Forbidden, TemporalUnavailable
from services.core.errors import NotFoundError
from services.core.settings import Settings
from services.store.repos import audit_log as audit_log_repo
from tests.unit.app.conftest import Caller
from tests.unit.app.fakes import FakeClient, FakeRuntime
from tests.unit.web.factories import change
from workflows.changes.models import Decision, StopRequest

OK = DecisionBody(comment="fits the contract")


async def test_the_requester_cannot_decide_their_own_change(
    settings: Settings, session: Session, caller: Caller
) -> None:
    approver = caller("approver", principal="alice@msp.example")
    awaiting = change(settings, "acme", awaiting=True, requested_by="alice@msp.example")
    runtime = FakeRuntime(settings, FakeClient())
    with pytest.raises(Forbidden) as refused:
        await changes.decide_change(
            runtime, session, approver, awaiting, tenant="acme", decision="approved", body=OK
        )
    assert refused.value.message == "four-eyes: the requester cannot decide their own change"
    assert runtime.asked == 0  # refused before Temporal is asked


async def test_only_a_change_awaiting_approval_takes_a_decision(
    settings: Settings, session: Session, caller: Caller
) -> None:
    approver = caller("approver")
    submitted = change(settings, "acme")
    runtime = FakeRuntime(settings, FakeClient())
    with pytest.raises(Conflict) as refused:
        await changes.decide_change(
            runtime, session, approver, submitted, tenant="acme", decision="rejected", body=OK
        )
    assert refused.value.message == "change is submitted, not awaiting approval"
    with pytest.raises(NotFoundError) as missing:
        await changes.decide_change(
            runtime, session, approver, "nope", tenant="acme", decision="approved", body=OK
        )
    assert missing.value.message == "change 'nope' not found"
    assert runtime.asked == 0


async def test_an_approval_is_sent_to_the_change_workflow_and_recorded(
    settings: Settings, session: Session, caller: Caller
) -> None:
    approver = caller("approver")
    awaiting = change(settings, "acme", awaiting=True)
    runtime = FakeRuntime(settings, FakeClient())
    detail = await changes.decide_change(
        runtime, session, approver, awaiting, tenant="acme", decision="approved", body=OK
    )
    assert runtime.client is not None
    [(update, sent)] = runtime.client.handle.updates
    assert update == "decide"
    assert sent == Decision(
        plan_revision=1,
        approver=approver.name,
        decision="approved",
        comment="fits the contract",
        approver_token_id=approver.token_id,
    )
    assert [(a.approver, a.decision) for a in detail.approvals] == [(approver.name, "approved")]
    assert detail.progress is None  # the worker did not answer: the database's status stands
    assert detail.temporal_ui.endswith(f"/workflows/change-{awaiting}")


async def test_withdrawing_sends_stop_and_audits_it(
    settings: Settings, session: Session, caller: Caller
) -> None:
    tenant = caller("tenant", tenant="acme")
    submitted = changes.find_change(session, "acme", change(settings, "acme"))
    runtime = FakeRuntime(settings, FakeClient())
    await changes.stop_change(
        runtime, session, tenant, submitted, action="withdraw", body=StopBody(reason="not needed")
    )
    assert runtime.client is not None
    assert runtime.client.handle.updates == [
        ("stop", StopRequest(outcome="withdrawn", actor=tenant.name, reason="not needed"))
    ]
    [entry] = [
        e for e in audit_log_repo.list_entries(session) if e.object == f"change:{submitted.id}"
    ]
    assert (entry.action, entry.actor, entry.detail) == (
        "change.withdraw",
        tenant.name,
        {"reason": "not needed", "status_before": "submitted"},
    )


async def test_nothing_is_recorded_when_temporal_does_not_answer(
    settings: Settings, session: Session, caller: Caller
) -> None:
    admin = caller("admin")
    scheduled = change(settings, "acme")
    with pytest.raises(TemporalUnavailable):
        await changes.override_window(
            FakeRuntime(settings), session, admin, scheduled, tenant="acme",
            body=OverrideBody(reason="outage"),
        )  # fmt: skip
    assert not [
        e for e in audit_log_repo.list_entries(session) if e.object == f"change:{scheduled}"
    ]
