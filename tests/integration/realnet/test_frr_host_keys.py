"""Host keys on real routers: a rogue OpenSSH server in a router's namespace, on its address,
in place of its sshd. The backup of that router fails with "host key mismatch" and the rogue's
own DEBUG3 log shows a key exchange and no authentication at all: no user name, no password,
no key. The other routers back up as usual, and the router is trusted again once its own sshd
is back."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from services.core.settings import Settings
from tests.integration.backup.test_fleet_backup import run_backup
from tests.realnet.net import RealNet
from tests.realnet.sshd import auth_attempts
from tests.realnet.topology import TENANT

IMPERSONATED = "rt3"


@pytest.mark.usefixtures("running_workers")
async def test_a_rogue_sshd_on_a_routers_address_gets_no_credential(
    temporal_env: WorkflowEnvironment, realnet: RealNet, realnet_settings: Settings
) -> None:
    with realnet.impersonated(IMPERSONATED) as rogue:
        result = await run_backup(temporal_env.client, realnet_settings, tenants=[TENANT])
        log = rogue.log.read_text(errors="replace")
    outcomes = {d.device: d for d in result.devices}
    refused = outcomes[IMPERSONATED]
    assert refused.outcome == "host_key_mismatch", refused
    assert refused.error is not None and refused.error.startswith("host key mismatch: rt3")
    assert rogue.host_key().fingerprint in refused.error
    assert realnet.host_key(IMPERSONATED).fingerprint in refused.error
    assert {o.outcome for d, o in outcomes.items() if d != IMPERSONATED} == {"backed_up"}

    assert "kex: algorithm" in log, log[-2000:]  # netwave did reach the rogue
    assert auth_attempts(rogue.log) == [], log[-2000:]  # and offered nothing

    again = await run_backup(temporal_env.client, realnet_settings, tenants=[TENANT])
    assert {d.device: d.outcome for d in again.devices}[IMPERSONATED] in ("backed_up", "unchanged")
