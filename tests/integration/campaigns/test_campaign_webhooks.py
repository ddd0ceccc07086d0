"""Campaign webhooks end to end: a real campaign over two tenants; acme's loopback receiver gets
every status change, signed, with acme's counts only."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from services.changes.webhooks import EVENT_HEADER, SIGNATURE_HEADER
from services.core.secrets import FileSecretsProvider, ensure_dev_secrets
from services.core.settings import Settings
from tests.utils.campaigns import finished, launch, spec, wait_for

Received = list[tuple[dict[str, Any], str, bool]]


@pytest.fixture
def acme_receiver(campaign_settings: Settings) -> Iterator[Received]:
    """acme's webhook on 127.0.0.1: (event, event header, signature valid) per delivery."""
    ensure_dev_secrets(campaign_settings.secrets_file, ["webhook-acme"])
    secret = FileSecretsProvider(campaign_settings.secrets_file).resolve("webhook-acme")
    received: Received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            # Checked apart from netwave's `sign`: `sha256=<hex>` (64 lowercase hex digits),
            # the HMAC-SHA256 of the exact body with acme's key, recomputed here.
            key = secret.password.get_secret_value().encode()
            expected = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
            signature = self.headers[SIGNATURE_HEADER] or ""
            valid = bool(re.fullmatch(r"sha256=[0-9a-f]{64}", signature)) and signature == expected
            received.append((json.loads(body), self.headers[EVENT_HEADER], valid))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    path = campaign_settings.inventories_path / "acme" / "tenant.yaml"
    original = path.read_text()
    contract = yaml.safe_load(original)
    contract["webhook"] = {
        "url": f"http://127.0.0.1:{server.server_port}/hook",
        "secret": "webhook-acme",
    }
    path.write_text(yaml.safe_dump(contract))
    try:
        yield received
    finally:
        path.write_text(original)  # the lab's inventories are shared by the session
        server.shutdown()
        server.server_close()


@pytest.mark.usefixtures("running_workers")
async def test_acme_hears_each_status_change_with_its_own_counts_only(
    api: TestClient,
    tokens: dict[str, dict[str, str]],
    acme_receiver: Received,
) -> None:
    body = spec(targets={"tenants": ["acme", "globex"], "platforms": ["cisco_ios"]})
    campaign_id = await launch(api, tokens["admin"], body)
    doc = await wait_for(api, campaign_id, tokens["engineer"], finished)
    assert doc["campaign"]["status"] == "completed", doc["devices"]
    deadline = time.monotonic() + 30
    while not any(e["status"] == "completed" for e, _, _ in acme_receiver):
        assert time.monotonic() < deadline, acme_receiver
        await asyncio.sleep(0.2)
    assert [e["status"] for e, _, _ in acme_receiver] == ["running", "completed"]
    for event, header, valid in acme_receiver:
        assert valid and header == f"campaign.{event['status']}"
        assert event["tenant"] == "acme" and event["campaign_id"] == campaign_id
        assert "globex" not in json.dumps(event)
    running, completed = (e["detail"] for e, _, _ in acme_receiver)
    assert running["counts"] == {"pending": 2} and running["devices"] == 2
    assert completed["counts"] == {"upgraded": 2}
