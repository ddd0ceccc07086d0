"""Approval abuse against the real ChangeWorkflow (Temporal dev server, worker, lab over SSH).

Self-approval, approval with a tenant or engineer token, approval through another tenant,
a replayed (also concurrent) approval, and approval of a rejected, expired or applied change
are all refused; the lab's records show that no refused change reaches a device.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.core.settings import Settings
from services.store.db import get_engine, make_session_factory
from services.store.repos import changes as change_repo
from tests.integration.change_flow.test_change_workflow import FINAL, post, wait_status
from tests.utils.lab import ThreadedLab
from workflows.changes.models import ChangeInput
from workflows.changes.workflow import ChangeWorkflow

pytestmark = pytest.mark.slow
COMMENT = {"comment": "looks fine"}


async def request(api: TestClient, tenant: str, body: dict[str, Any], headers: Any) -> str:
    created = await post(api, f"/v1/tenants/{tenant}/changes", json=body, headers=headers)
    assert created.status_code == 201, created.text
    change_id: str = created.json()["change"]["id"]
    return change_id


def sessions(lab: ThreadedLab, *devices: str) -> int:
    return sum(len(lab.record(d).config_sessions) for d in devices)


@pytest.mark.usefixtures("running_workers")
async def test_only_a_real_approver_approves_once_and_only_while_awaiting(
    api: TestClient, tokens: dict[str, dict[str, str]], lab: ThreadedLab
) -> None:
    body = {"kind": "qos_profile", "site": "par", "profile": "premium"}
    change_id = await request(api, "globex", body, tokens["admin"])
    path = f"/v1/tenants/globex/changes/{change_id}"
    await wait_status(api, path, tokens["admin"], {"awaiting_approval"})

    refused = {
        "self-approval (four-eyes)": (path, "admin", {403}),
        "the requesting tenant": (path, "globex", {403}),
        "another token of the tenant": (path, "globex-2", {403}),
        "an engineer": (path, "engineer", {403}),
        "another tenant, own path": (f"/v1/tenants/acme/changes/{change_id}", "acme", {403, 404}),
        "another tenant, the path": (path, "acme", {404}),
        "an approver through another tenant": (
            f"/v1/tenants/acme/changes/{change_id}",
            "approver",
            {404},
        ),
    }
    for case, (url, who, statuses) in refused.items():
        for decision in ("approve", "reject"):
            response = await post(api, f"{url}/{decision}", json=COMMENT, headers=tokens[who])
            assert response.status_code in statuses, (case, decision, response.text)
    doc = (await asyncio.to_thread(api.get, path, headers=tokens["admin"])).json()
    assert doc["change"]["status"] == "awaiting_approval" and doc["approvals"] == []
    assert sessions(lab, "globex-par-r1") == 0

    # Two approvers at once (a double click, a replayed request): one decision counts.
    both = await asyncio.gather(
        post(api, f"{path}/approve", json=COMMENT, headers=tokens["approver"]),
        post(api, f"{path}/approve", json=COMMENT, headers=tokens["approver-2"]),
    )
    assert sorted(r.status_code for r in both) == [200, 409], [r.text for r in both]
    replay = await post(api, f"{path}/approve", json=COMMENT, headers=tokens["approver"])
    assert replay.status_code == 409
    await wait_status(api, path, tokens["admin"], {"scheduled"})
    for decision in ("approve", "reject"):
        late = await post(api, f"{path}/{decision}", json=COMMENT, headers=tokens["approver-2"])
        assert late.status_code == 409, late.text

    await post(api, f"{path}/override-window", json={"reason": "test"}, headers=tokens["admin"])
    doc = await wait_status(api, path, tokens["admin"], FINAL)
    assert doc["change"]["status"] == "verified", doc["change"]
    assert len(doc["approvals"]) == 1
    for decision in ("approve", "reject"):
        applied = await post(api, f"{path}/{decision}", json=COMMENT, headers=tokens["approver"])
        assert applied.status_code == 409, applied.text
    assert sessions(lab, "globex-par-r1") == 1, "pushed once, by the one approval"


@pytest.mark.usefixtures("running_workers")
async def test_rejected_and_expired_changes_cannot_be_approved(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
    temporal_env: WorkflowEnvironment,
) -> None:
    rejected_id = await request(
        api,
        "globex",
        {"kind": "qos_profile", "site": "lon", "profile": "standard"},
        tokens["globex"],
    )
    # An expiring change: the API gives approvers the contract's 72 hours; this one gets 2 s.
    sessions_factory = make_session_factory(get_engine(change_settings.database_url))
    with sessions_factory.begin() as session:
        params = {"kind": "qos_profile", "site": "branch2", "profile": "premium"}
        expiring, _ = change_repo.create_change(
            session,
            tenant="acme",
            site="branch2",
            kind="qos_profile",
            params=params,
            requested_by="sec-acme",
        )
    await temporal_env.client.start_workflow(
        ChangeWorkflow.run,
        ChangeInput(
            tenant="acme",
            change_id=expiring.id,
            device_task_queue=change_settings.device_task_queue,
            approval_timeout_hours=2 / 3600,
        ),
        id=f"change-{expiring.id}",
        task_queue=change_settings.task_queue,
    )
    rejected = f"/v1/tenants/globex/changes/{rejected_id}"
    expired = f"/v1/tenants/acme/changes/{expiring.id}"
    await wait_status(api, rejected, tokens["globex"], {"awaiting_approval"})
    no = await post(api, f"{rejected}/reject", json={"comment": "no"}, headers=tokens["approver"])
    assert no.status_code == 200, no.text
    await wait_status(api, rejected, tokens["globex"], {"rejected"})
    await wait_status(api, expired, tokens["acme"], {"expired"})

    for path in (rejected, expired):
        for who in ("approver", "approver-2", "admin"):
            for decision in ("approve", "reject"):
                late = await post(api, f"{path}/{decision}", json=COMMENT, headers=tokens[who])
                assert late.status_code == 409, (path, who, decision, late.text)
        doc = (await asyncio.to_thread(api.get, path, headers=tokens["admin"])).json()
        assert doc["change"]["status"] in ("rejected", "expired")
        assert len(doc["approvals"]) <= 1 and all(
            a["decision"] == "rejected" for a in doc["approvals"]
        )
    assert sessions(lab, "globex-lon-r1", "acme-branch2-r1") == 0
