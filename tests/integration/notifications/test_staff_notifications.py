"""Staff notifications end to end (issue #23, point 5): a local HTTP receiver on 127.0.0.1,
configured as the MSP's generic webhook target, gets the approval-waiting message of a change,
the halted message of a campaign that spent its failure budget and the host-key mismatch of a
device, each signed with the target's secret, each once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from temporalio.testing import WorkflowEnvironment

from services.bootstrap import prepare_local
from services.core.secrets import FileSecretsProvider, ensure_dev_secrets
from services.core.settings import Settings
from services.store.repos import host_keys as host_key_repo
from tests.integration.backup.test_fleet_backup import scoped
from tests.integration.change_flow.test_change_workflow import post, wait_status
from tests.integration.change_flow.test_host_key_trust import OTHER_KEY, backup
from tests.utils.api import bearer, make_token
from tests.utils.campaigns import finished, launch, spec, wait_for
from tests.utils.lab import ThreadedLab
from tests.utils.staff_receiver import StaffReceiver, staff_receiver

SECRET_NAME = "staff-noc-hmac"


@pytest.fixture
def hmac_secret(lab_settings: Settings) -> str:
    ensure_dev_secrets(lab_settings.secrets_file, [SECRET_NAME])
    return FileSecretsProvider(lab_settings.secrets_file).resolve(SECRET_NAME).secret()


@pytest.fixture
def receiver(hmac_secret: str) -> Iterator[StaffReceiver]:
    with staff_receiver(hmac_secret) as server:
        yield server


@pytest.fixture
def change_settings(
    lab_settings: Settings,
    temporal_env: WorkflowEnvironment,
    tmp_path: Path,
    receiver: StaffReceiver,
) -> Settings:
    """The change flow's settings (campaign_settings are the same), with the MSP's
    notifications file: one generic webhook, the receiver."""
    path = tmp_path / "notifications.yaml"
    path.write_text(
        "targets:\n"
        "  - name: noc-webhook\n"
        f"    url: {receiver.json_url}\n"
        f"    secret: {SECRET_NAME}\n"
    )
    settings = scoped(lab_settings, temporal_env).model_copy(
        update={"notifications_file": path, "public_url": "https://netwave.msp.example"}
    )
    prepare_local(settings, lab=True)
    return settings


@pytest.fixture
def tokens(change_settings: Settings) -> dict[str, dict[str, str]]:
    return {
        "engineer": bearer(make_token(change_settings, "engineer")),
        "admin": bearer(make_token(change_settings, "admin")),
        "globex": bearer(make_token(change_settings, "tenant", tenant="globex")),
    }


@pytest.mark.usefixtures("running_workers")
async def test_staff_hear_of_a_change_waiting_for_approval_and_a_halted_campaign(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    lab: ThreadedLab,
    receiver: StaffReceiver,
) -> None:
    # A change that needs an approver (globex's policy for a QoS profile).
    body = {"kind": "qos_profile", "site": "nyc", "profile": "standard"}
    created = await post(api, "/v1/tenants/globex/changes", json=body, headers=tokens["globex"])
    assert created.status_code == 201, created.text
    change_id = created.json()["change"]["id"]
    path = f"/v1/tenants/globex/changes/{change_id}"
    await wait_status(api, path, tokens["globex"], {"awaiting_approval"})
    waiting = await asyncio.to_thread(receiver.wait_for, "change.awaiting_approval")
    assert waiting["valid"], "X-Netwave-Signature verifies with the target's secret"
    message = waiting["json"]
    assert message["tenant"] == "globex" and message["subject"] == f"change:{change_id}"
    assert message["title"] == f"Approval needed: change {change_id} (globex)"
    assert message["url"] == (
        f"https://netwave.msp.example/console/tenants/globex/changes/{change_id}"
    )

    # A campaign whose first wave spends its failure budget.
    lab.set_fault("acme-branch1-r1", wrong_version_after_reload="previous")
    lab.set_fault("globex-nyc-r2", interface_down_after_reload="wan")
    strategy = {"canary_size": 0, "wave_size": 3, "max_failures": 1}
    campaign_id = await launch(api, tokens["admin"], spec(strategy=strategy))
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "halted", doc["campaign"]
    halted = await asyncio.to_thread(receiver.wait_for, "campaign.halted")
    assert halted["valid"]
    assert halted["json"]["subject"] == f"campaign:{campaign_id}"
    assert "budget" in halted["json"]["message"]
    assert halted["json"]["url"] == f"https://netwave.msp.example/console/campaigns/{campaign_id}"

    # Each once; nothing staff need not hear of (planned, running...).
    await asyncio.sleep(1.0)  # notifications still on their way would show up here
    assert sorted(receiver.events()) == ["campaign.halted", "change.awaiting_approval"]


def _record_another_key(settings: Settings, name: str) -> None:
    with prepare_local(settings, lab=True).begin() as session:
        host_key_repo.record_key(
            session,
            tenant="acme",
            role="device",
            host=name,
            address="-",
            key=OTHER_KEY,
            actor="test",
            replace=True,
        )


async def _audit(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """Audit acme through the API (its sessions in the worker's helper processes)."""
    run = (await post(client, "/v1/tenants/acme/audit-runs", headers=headers)).json()
    deadline = time.monotonic() + 60
    while True:
        doc: dict[str, Any] = await asyncio.to_thread(
            lambda: client.get(f"/v1/runs/{run['run_id']}", headers=headers).json()
        )
        if doc["status"] == "COMPLETED":
            return doc
        assert time.monotonic() < deadline, doc
        await asyncio.sleep(0.2)


async def _quiet_for(seconds: float) -> None:
    """Time for a message still on its way to show up."""
    await asyncio.sleep(seconds)


@pytest.mark.usefixtures("running_workers")
async def test_staff_hear_of_a_host_key_mismatch_once(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    change_settings: Settings,
    receiver: StaffReceiver,
) -> None:
    name = "acme-branch1-r1"
    _record_another_key(change_settings, name)
    assert (await backup(api, tokens["admin"]))[name] == "host_key_mismatch"
    told = await asyncio.to_thread(receiver.wait_for, "device.host_key_mismatch")
    assert told["valid"]
    assert told["json"]["subject"] == f"device:acme/{name}"
    assert f"recorded {OTHER_KEY.fingerprint}" in told["json"]["message"]
    # The next backup meets the same key: no second message.
    assert (await backup(api, tokens["admin"]))[name] == "host_key_mismatch"
    await _quiet_for(1.0)
    assert receiver.events() == ["device.host_key_mismatch"]


@pytest.mark.usefixtures("running_workers")
async def test_an_audit_in_helper_processes_tells_staff_as_a_backup_would(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    change_settings: Settings,
    receiver: StaffReceiver,
) -> None:
    """The audit's sessions run in helper processes, which have no listener: the worker tells
    staff when the result arrives, in the refusal's own words, so a backup of the same device
    afterwards is the same event and adds nothing."""
    assert change_settings.session_processes > 0
    name = "acme-branch1-r1"
    _record_another_key(change_settings, name)
    await _audit(api, tokens["engineer"])
    told = await asyncio.to_thread(receiver.wait_for, "device.host_key_mismatch")
    assert told["valid"] and told["json"]["subject"] == f"device:acme/{name}"
    assert told["json"]["message"].count("host key mismatch") == 1
    assert (await backup(api, tokens["admin"]))[name] == "host_key_mismatch"
    await _quiet_for(1.0)
    assert receiver.events() == ["device.host_key_mismatch"]
