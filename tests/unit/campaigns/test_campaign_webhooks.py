"""Campaign webhooks: each tenant with devices in the campaign gets a signed event with its own
counts only; a tenant never learns another tenant's device names or counts."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import SecretStr
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from services.bootstrap import prepare_local
from services.campaigns.events import tenant_counts, tenant_event
from services.changes.webhooks import EVENT_HEADER, SIGNATURE_HEADER, headers
from services.core.secrets import Credential
from services.core.settings import Settings
from services.store.repos import campaigns as campaign_repo
from workflows.campaigns.activities import CampaignActivities
from workflows.campaigns.models import CampaignNotifyInput

REPO = Path(__file__).resolve().parents[3]
AT = dt.datetime(2026, 6, 10, 22, 0, tzinfo=dt.UTC)
PROGRESS = {
    "acme/acme-hq-r1": "upgraded",
    "acme/acme-branch1-r1": "rolled_back",
    "globex/globex-par-r1": "upgraded",
    "globex/globex-nyc-r2": "running",
    "initech/initech-aus-r1": "pending",
}
SECRETS = {"webhook-acme": "acme-signing-key", "webhook-globex": "globex-signing-key"}


def test_counts_are_split_per_tenant() -> None:
    assert tenant_counts(PROGRESS) == {
        "acme": {"upgraded": 1, "rolled_back": 1},
        "globex": {"upgraded": 1, "running": 1},
        "initech": {"pending": 1},
    }


def test_a_tenants_event_holds_its_own_counts_and_no_other_tenant() -> None:
    counts = tenant_counts(PROGRESS)
    body = tenant_event(
        campaign_id="c1",
        name="ios-17-9",
        kind="os_upgrade",
        status="halted",
        tenant="acme",
        counts=counts["acme"],
        reason="2 failures exceed the budget of 1; remaining waves halted",
        at=AT,
    )
    event = json.loads(body)
    assert event == {
        "event": "campaign.halted",
        "campaign_id": "c1",
        "tenant": "acme",
        "status": "halted",
        "at": "2026-06-10T22:00:00+00:00",
        "detail": {
            "campaign": "ios-17-9",
            "kind": "os_upgrade",
            "devices": 2,
            "counts": {"rolled_back": 1, "upgraded": 1},
            "reason": "2 failures exceed the budget of 1; remaining waves halted",
        },
    }
    for foreign in ("globex", "initech", "par-r1", "aus-r1"):
        assert foreign not in body.decode()
    assert headers(body, "k")[EVENT_HEADER] == "campaign.halted"


class Receiver(HTTPServer):
    def __init__(self, status: int = 204) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status = status
        self.received: list[tuple[bytes, dict[str, str]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((body, dict(self.headers)))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def receivers() -> Iterator[dict[str, Receiver]]:
    servers = {"acme": Receiver(), "globex": Receiver()}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield servers
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()


class Provider:
    def resolve(self, name: str) -> Credential:
        return Credential(username="webhook", password=SecretStr(SECRETS[name]))

    def names(self) -> set[str]:
        return set(SECRETS)


@pytest.fixture
def activities(
    settings: Settings, tmp_path: Path, receivers: dict[str, Receiver]
) -> CampaignActivities:
    """acme and globex have webhooks on loopback receivers; initech has none."""
    inventories = tmp_path / "inventories"
    shutil.copytree(REPO / "inventories", inventories)
    for tenant, server in receivers.items():
        path = inventories / tenant / "tenant.yaml"
        contract = yaml.safe_load(path.read_text())
        contract["webhook"] = {"url": server.url, "secret": f"webhook-{tenant}"}
        path.write_text(yaml.safe_dump(contract))
    settings = settings.model_copy(update={"inventories_path": inventories})
    sessions = prepare_local(settings, lab=True)
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
    return CampaignActivities(settings, sessions, Provider())


def notify(status: str) -> CampaignNotifyInput:
    return CampaignNotifyInput(
        campaign_id="c1", status=status, at=AT, tenants=tenant_counts(PROGRESS)
    )


def test_every_tenant_with_a_webhook_gets_its_own_signed_event(
    activities: CampaignActivities, receivers: dict[str, Receiver]
) -> None:
    ActivityEnvironment().run(activities.notify_campaign, notify("completed"))
    for tenant, server in receivers.items():
        ((body, sent),) = server.received
        # Checked apart from netwave's own `sign`/`verify_signature`: `sha256=<hex>`, the
        # HMAC-SHA256 of the exact body with this tenant's key (not the other tenant's).
        signature = sent[SIGNATURE_HEADER]
        assert re.fullmatch(r"sha256=[0-9a-f]{64}", signature), signature
        key = SECRETS[f"webhook-{tenant}"].encode()
        assert signature == "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
        assert sent[EVENT_HEADER] == "campaign.completed"
        event = json.loads(body)
        assert event["tenant"] == tenant and event["campaign_id"] == "c1"
        assert event["detail"]["counts"] == tenant_counts(PROGRESS)[tenant]
        others = [t for t in ("acme", "globex", "initech") if t != tenant]
        assert not any(other in body.decode() for other in others), body


def test_a_failing_receiver_fails_the_attempt_but_not_the_other_tenants(
    activities: CampaignActivities, receivers: dict[str, Receiver]
) -> None:
    receivers["acme"].status = 503
    with pytest.raises(ApplicationError, match="acme"):
        ActivityEnvironment().run(activities.notify_campaign, notify("paused"))
    assert len(receivers["globex"].received) == 1
