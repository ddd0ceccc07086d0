"""Four-eyes by principal, in the API and in the workflow, and decisions always recorded.

Probing found: approver tokens named `ACME-OPS` and `acme-ops ` approved changes requested by
`acme-ops`; a whitespace comment answered 422 yet approved the change with no record; a
`decide` update sent straight to Temporal by the requester moved the change to approved.
"""

from __future__ import annotations

import asyncio

import pytest
from fastapi.testclient import TestClient
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.errors import InvalidInputError
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import tokens as token_repo
from tests.integration.change_flow.test_change_workflow import post, wait_status
from tests.utils.api import bearer, make_token
from workflows.changes.models import Decision
from workflows.changes.workflow import ChangeWorkflow

pytestmark = pytest.mark.slow
BODY = {"kind": "qos_profile", "site": "par", "profile": "premium"}


def token_id(settings: Settings, plaintext: str) -> int:
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions() as session:
        found = token_repo.find_by_prefix(session, plaintext.split("_")[1])
    assert found is not None
    return found.id


def decisions(settings: Settings, change_id: str) -> list[str]:
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions() as session:
        entries = audit_log_repo.list_entries(session, tenant="globex")
    decided = ("change.approve", "change.reject")
    return [e.action for e in entries if e.object == f"change:{change_id}" and e.action in decided]


@pytest.mark.usefixtures("running_workers")
async def test_look_alike_names_are_one_principal_and_cannot_approve(
    api: TestClient, change_settings: Settings
) -> None:
    requester = bearer(make_token(change_settings, "admin", principal="acme-ops"))
    created = await post(api, "/v1/tenants/globex/changes", json=BODY, headers=requester)
    path = f"/v1/tenants/globex/changes/{created.json()['change']['id']}"
    await wait_status(api, path, requester, {"awaiting_approval"})
    for spelling in ("ACME-OPS", "acme-ops ", " Acme-Ops"):
        approver = bearer(make_token(change_settings, "approver", principal=spelling))
        refused = await post(api, f"{path}/approve", json={"comment": "ok"}, headers=approver)
        assert refused.status_code == 403, (spelling, refused.text)
        assert "four-eyes" in refused.text
    for look_alike in ("acme-0ps", "acme_ops", "acme.ops", "acrne-ops"):
        with pytest.raises(InvalidInputError, match="looks like the existing principal 'acme-ops'"):
            make_token(change_settings, "approver", principal=look_alike)
    with pytest.raises(InvalidInputError, match="must be 1-100 of a-z"):
        make_token(change_settings, "approver", principal="\u0430\u0441me-ops")  # Cyrillic a, c
    doc = (await asyncio.to_thread(api.get, path, headers=requester)).json()
    assert doc["change"]["status"] == "awaiting_approval" and doc["approvals"] == []


@pytest.mark.usefixtures("running_workers")
async def test_a_blank_comment_approves_nothing(api: TestClient, change_settings: Settings) -> None:
    requester = bearer(make_token(change_settings, "admin", principal="noc-requester"))
    approver = bearer(make_token(change_settings, "approver", principal="noc-approver"))
    created = await post(api, "/v1/tenants/globex/changes", json=BODY, headers=requester)
    change_id = created.json()["change"]["id"]
    path = f"/v1/tenants/globex/changes/{change_id}"
    await wait_status(api, path, requester, {"awaiting_approval"})
    for blank in ("   ", "\t\n", ""):
        answer = await post(api, f"{path}/approve", json={"comment": blank}, headers=approver)
        assert answer.status_code == 422, answer.text
        assert "comment" in answer.text
    await asyncio.sleep(0.5)  # nothing may move behind the 422
    doc = (await asyncio.to_thread(api.get, path, headers=requester)).json()
    assert doc["change"]["status"] == "awaiting_approval" and doc["approvals"] == []
    assert decisions(change_settings, change_id) == []


@pytest.mark.usefixtures("running_workers")
async def test_the_workflow_refuses_the_requester_and_records_what_it_accepts(
    api: TestClient, change_settings: Settings, temporal_env: WorkflowEnvironment
) -> None:
    """`decide` sent straight to Temporal, as anyone with Temporal access could: the requester
    (under any spelling) and a blank comment are refused by the workflow itself; a real
    approver's decision is recorded by the workflow alone (the API that would have recorded
    it after the update never runs: as if it died between the two)."""
    requester_token = make_token(change_settings, "admin", principal="ops-lead")
    requester = bearer(requester_token)
    approver_token = make_token(change_settings, "approver", principal="change-board")
    created = await post(api, "/v1/tenants/globex/changes", json=BODY, headers=requester)
    change_id = created.json()["change"]["id"]
    path = f"/v1/tenants/globex/changes/{change_id}"
    doc = await wait_status(api, path, requester, {"awaiting_approval"})
    revision = doc["plan"]["revision"]
    handle = temporal_env.client.get_workflow_handle_for(ChangeWorkflow.run, f"change-{change_id}")

    def decision(approver: str, comment: str, token: str) -> Decision:
        return Decision(
            plan_revision=revision,
            approver=approver,
            decision="approved",
            comment=comment,
            approver_token_id=token_id(change_settings, token),
        )

    for who, comment, token in (
        ("ops-lead", "mine", requester_token),
        ("OPS-LEAD ", "mine", approver_token),  # another token, the requester's name
        ("change-board", "   ", approver_token),
    ):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update("decide", decision(who, comment, token))
        assert "four-eyes" in str(refused.value.cause) or "comment" in str(refused.value.cause)
    assert decisions(change_settings, change_id) == []

    await handle.execute_update("decide", decision("change-board", "board agrees", approver_token))
    doc = await wait_status(api, path, requester, {"scheduled"})
    [approval] = doc["approvals"]
    assert (approval["approver"], approval["comment"]) == ("change-board", "board agrees")
    assert decisions(change_settings, change_id) == ["change.approve"]
