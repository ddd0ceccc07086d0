"""The notification activities tell staff once per event: a Temporal retry of a failed tenant
webhook delivery (which carries the attempt's heartbeat) does not tell them again."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from services.bootstrap import prepare_local
from services.core.secrets import EnvSecretsProvider
from services.core.settings import Settings
from services.store.repos import campaigns as campaign_repo
from tests.unit.notifications.conftest import HMAC_SECRET
from tests.utils.staff_receiver import StaffReceiver, staff_receiver
from workflows.campaigns.activities import CampaignActivities
from workflows.campaigns.models import CampaignNotifyInput
from workflows.changes.lifecycle import ChangeLifecycleActivities
from workflows.changes.models import NotifyInput

REPO = Path(__file__).resolve().parents[3]
AT = dt.datetime(2026, 6, 10, 22, 0, tzinfo=dt.UTC)


@pytest.fixture
def staff() -> Iterator[StaffReceiver]:
    with staff_receiver(HMAC_SECRET) as server:
        yield server


@pytest.fixture
def tenant_hook() -> Iterator[StaffReceiver]:
    """acme's own webhook: answers 503 (so the activity fails and Temporal would retry)."""
    with staff_receiver("acme-key") as server:
        server.answers = [503] * 10
        yield server


@pytest.fixture
def worker_settings(
    settings: Settings, tmp_path: Path, staff: StaffReceiver, tenant_hook: StaffReceiver
) -> Settings:
    inventories = tmp_path / "inventories"
    shutil.copytree(REPO / "inventories", inventories)
    contract_path = inventories / "acme" / "tenant.yaml"
    contract = yaml.safe_load(contract_path.read_text())
    contract["webhook"] = {
        "url": tenant_hook.json_url.replace("json://", "http://"),
        "secret": "acme-hook",
    }
    contract_path.write_text(yaml.safe_dump(contract))
    (inventories / "notifications.yaml").write_text(
        f"targets:\n  - name: noc\n    url: {staff.json_url}\n    secret: noc-hmac\n"
    )
    return settings.model_copy(
        update={
            "inventories_path": inventories,
            "notifications_file": inventories / "notifications.yaml",
        }
    )


@pytest.fixture
def secrets(provider: EnvSecretsProvider) -> EnvSecretsProvider:
    environ = dict(provider._environ)
    environ["NETWAVE_CREDENTIAL_ACME_HOOK_USERNAME"] = "acme"
    environ["NETWAVE_CREDENTIAL_ACME_HOOK_PASSWORD"] = "acme-key"
    return EnvSecretsProvider(environ)


def _recorder(into: list[Any]) -> Callable[..., None]:
    return lambda *details: into.append(list(details))


def _attempts(activity: Any, request: Any, times: int) -> list[list[Any]]:
    """Run `activity` `times` times as Temporal retries it: each attempt starts with the
    heartbeat details the previous one left. The heartbeats of each attempt."""
    details: list[Any] = []
    beats: list[list[Any]] = []
    for attempt in range(1, times + 1):
        env = ActivityEnvironment()
        env.info = dataclasses.replace(env.info, attempt=attempt, heartbeat_details=details)
        seen: list[Any] = []
        env.on_heartbeat = _recorder(seen)
        with pytest.raises(ApplicationError):
            env.run(activity, request)
        beats.append(seen)
        details = seen[-1] if seen else details
    return beats


def test_a_retried_change_webhook_tells_staff_once(
    worker_settings: Settings,
    secrets: EnvSecretsProvider,
    staff: StaffReceiver,
    tenant_hook: StaffReceiver,
) -> None:
    sessions = prepare_local(worker_settings, lab=True)
    activities = ChangeLifecycleActivities(worker_settings, sessions, secrets)
    request = NotifyInput(
        tenant="acme",
        change_id="chg-1",
        status="awaiting_approval",
        detail={"revision": 1, "reason": "needs an approver"},
    )
    _attempts(activities.notify_change, request, 3)
    assert len(tenant_hook.received) == 3  # the tenant's webhook is tried on every attempt
    (told,) = staff.received  # staff heard of it once
    assert told["valid"] and told["json"]["event"] == "change.awaiting_approval"
    assert told["json"]["tenant"] == "acme"


def test_a_retried_campaign_webhook_tells_staff_once(
    worker_settings: Settings, secrets: EnvSecretsProvider, staff: StaffReceiver
) -> None:
    sessions = prepare_local(worker_settings, lab=True)
    with sessions.begin() as session:
        campaign_repo.create_campaign(
            session,
            campaign_id="c1",
            name="ios-17-9",
            kind="os_upgrade",
            spec={},
            created_by="eng",
            created_by_token_id=None,
            workflow_id="campaign-c1",
        )
    activities = CampaignActivities(worker_settings, sessions, secrets)
    request = CampaignNotifyInput(
        campaign_id="c1",
        status="halted",
        at=AT,
        reason="failure budget exceeded",
        tenants={"acme": {"failed": 2}},
    )
    _attempts(activities.notify_campaign, request, 2)
    (told,) = staff.received
    assert told["valid"] and told["json"]["event"] == "campaign.halted"
    assert "Campaign ios-17-9 (c1) halted: failure budget exceeded" in told["json"]["message"]
