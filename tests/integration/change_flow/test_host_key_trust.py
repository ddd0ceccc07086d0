"""Trusting host keys through the API and the worker, as `netwave devices trust` does.

The dev stack has recorded its lab's key for the lab's devices. A device whose recorded key is
not the one it presents is a "host key mismatch" in a backup, with no login attempted; the
trust route reports the mismatch and keeps the recorded key until an admin replaces it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.bootstrap import prepare_local
from services.core.settings import Settings
from services.network.host_keys import HostKey
from services.store.repos import audit_log as audit_log_repo
from services.store.repos import host_keys as host_key_repo
from tests.integration.change_flow.test_change_workflow import post
from tests.utils.lab import ThreadedLab

NAME = "acme-branch1-r1"
OTHER_KEY = HostKey.parse(
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"
)


async def backup(api: TestClient, headers: dict[str, str]) -> dict[str, str]:
    """Back up acme through the API; device -> outcome."""
    run = (await post(api, "/v1/tenants/acme/backup-runs", headers=headers)).json()
    path = f"/v1/tenants/acme/backup-runs/{run['run_id']}"
    deadline = time.monotonic() + 60
    while run["status"] in ("RUNNING", "UNKNOWN"):
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.2)
        run = await asyncio.to_thread(lambda: api.get(path, headers=headers).json())
    assert run["status"] == "COMPLETED", run
    return {d["device"]: d["outcome"] for d in run["result"]["devices"]}


async def trust(api: TestClient, headers: dict[str, str], **body: Any) -> Any:
    return await post(api, "/v1/tenants/acme/host-keys/trust", json=body, headers=headers)


@pytest.mark.usefixtures("running_workers")
async def test_a_changed_key_is_a_mismatch_until_an_admin_replaces_it(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    change_settings: Settings,
) -> None:
    admin = tokens["admin"]
    listed = api.get("/v1/tenants/acme/host-keys", headers=admin).json()
    assert {k["host"] for k in listed} >= {NAME, "acme-hq-r1"}
    assert {(k["fingerprint"], k["trusted_by"]) for k in listed} == {
        (lab.host_key.fingerprint, "netwave-lab")
    }
    assert all(o == "backed_up" for o in (await backup(api, admin)).values())

    # The recorded key is no longer the one the device presents.
    with prepare_local(change_settings, lab=True).begin() as session:
        host_key_repo.record_key(
            session,
            tenant="acme",
            role="device",
            host=NAME,
            address="-",
            key=OTHER_KEY,
            actor="test",
            replace=True,
        )
    lab.reset_records(NAME)
    outcomes = await backup(api, admin)
    assert outcomes[NAME] == "host_key_mismatch", outcomes
    assert {o for d, o in outcomes.items() if d != NAME} == {"unchanged"}
    assert lab.record(NAME).logins == []  # nothing was offered to it

    # Only an admin trusts; a mismatch is reported and the recorded key kept.
    for who in ("acme", "approver"):
        assert (await trust(api, tokens[who], devices=[NAME])).status_code == 403
    reply = await trust(api, admin, devices=[NAME])
    assert reply.status_code == 200, reply.text
    [entry] = reply.json()["hosts"]
    assert entry["outcome"] == "mismatch"
    assert (entry["fingerprint"], entry["previous"]) == (
        lab.host_key.fingerprint,
        OTHER_KEY.fingerprint,
    )
    with prepare_local(change_settings, lab=True)() as session:
        assert host_key_repo.recorded(session, tenant="acme")[("device", NAME)] == OTHER_KEY

    reply = await trust(api, admin, devices=[NAME], replace=True)
    assert [h["outcome"] for h in reply.json()["hosts"]] == ["replaced"]
    assert (await backup(api, admin))[NAME] in ("backed_up", "unchanged")
    with prepare_local(change_settings, lab=True)() as session:
        entries = audit_log_repo.list_entries(session, tenant="acme", limit=20)
    replaced = [
        e.detail["previous"]
        for e in entries
        if e.action == "host_key.replace" and e.object == NAME and e.actor != "test"
    ]
    assert replaced == [OTHER_KEY.fingerprint]  # by the admin, with what it replaced

    # Every device at once: all unchanged; an unknown device is named.
    everything = (await trust(api, admin)).json()["hosts"]
    assert {h["outcome"] for h in everything} == {"unchanged"} and len(everything) == len(listed)
    unknown = await trust(api, admin, devices=["no-such-router"])
    assert unknown.status_code == 422 and "no-such-router" in unknown.text
