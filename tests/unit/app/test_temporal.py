"""The one Temporal helper: workflow ids, the UI link, refusals and live progress."""

from __future__ import annotations

import re

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from services.app import temporal
from services.app.errors import Conflict, TemporalUnavailable
from services.core.settings import Settings
from tests.unit.app.fakes import FakeClient, FakeHandle, FakeRuntime
from workflows.changes.models import ChangeProgress, WindowOverride


def test_workflow_ids_of_every_workflow_type() -> None:
    assert temporal.change_workflow_id("c-1") == "change-c-1"
    assert temporal.campaign_workflow_id("0b6e") == "campaign-0b6e"
    assert temporal.audit_schedule_id("acme") == "audit-schedule-acme"
    assert re.fullmatch(r"backup-acme-[0-9a-f]{12}", temporal.backup_workflow_id("acme"))
    assert re.fullmatch(r"backup-all-[0-9a-f]{12}", temporal.backup_workflow_id(None))
    assert re.fullmatch(r"audit-acme-[0-9a-f]{12}", temporal.audit_workflow_id("acme"))
    assert re.fullmatch(r"trust-acme-[0-9a-f]{12}", temporal.trust_workflow_id("acme"))


def test_runs_of_one_tenant_get_their_own_ids() -> None:
    assert temporal.backup_workflow_id("acme") != temporal.backup_workflow_id("acme")


def test_workflow_ui_links_the_workflow_in_its_namespace(settings: Settings) -> None:
    shown = settings.model_copy(
        update={"temporal_ui_url": "http://127.0.0.1:8233", "temporal_namespace": "msp"}
    )
    assert (
        temporal.workflow_ui(shown, "change-c-1")
        == "http://127.0.0.1:8233/namespaces/msp/workflows/change-c-1"
    )


async def test_an_unreachable_temporal_is_one_refusal(settings: Settings) -> None:
    with pytest.raises(TemporalUnavailable) as refused:
        await temporal.client(FakeRuntime(settings))
    assert refused.value.message == "Temporal is not reachable"


async def test_progress_is_none_when_temporal_or_the_worker_does_not_answer(
    settings: Settings,
) -> None:
    assert await temporal.live_progress(FakeRuntime(settings), "change-c-1", ChangeProgress) is None
    busy = FakeRuntime(settings, FakeClient())
    assert await temporal.live_progress(busy, "change-c-1", ChangeProgress) is None


async def test_an_update_goes_to_the_named_workflow(settings: Settings) -> None:
    runtime = FakeRuntime(settings, FakeClient())
    override = WindowOverride(actor="ops", reason="outage")
    await temporal.send_update(runtime, "change-c-1", "override_window", override, ended=str)
    assert runtime.client is not None
    assert runtime.client.workflow_ids == ["change-c-1"]
    assert runtime.client.handle.updates == [("override_window", override)]


async def test_the_workflows_refusal_is_a_conflict_with_its_message(settings: Settings) -> None:
    refusal = WorkflowUpdateFailedError(ApplicationError("the campaign is already paused"))
    runtime = FakeRuntime(settings, FakeClient(FakeHandle(refusal)))
    with pytest.raises(Conflict) as refused:
        await temporal.send_update(
            runtime, "campaign-1", "pause", WindowOverride(actor="a", reason="r"), ended=str
        )
    assert refused.value.message == "the campaign is already paused"


async def test_an_ended_workflow_is_a_conflict_that_says_why(settings: Settings) -> None:
    gone = RPCError("workflow execution already completed", RPCStatusCode.NOT_FOUND, b"")
    runtime = FakeRuntime(settings, FakeClient(FakeHandle(gone)))
    with pytest.raises(Conflict) as refused:
        await temporal.send_update(
            runtime,
            "change-c-1",
            "stop",
            WindowOverride(actor="a", reason="r"),
            ended=lambda message: f"the change is verified ({message})",
        )
    assert refused.value.message == "the change is verified (workflow execution already completed)"
