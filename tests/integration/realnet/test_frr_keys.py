"""SSH key logins against FRR's sshd: a key-only credential reads the config and the state; a
key the router does not know is an auth failure with nothing pushed."""

from __future__ import annotations

import asyncio

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from pydantic import SecretStr

from services.core.secrets import FileSecretsProvider
from services.network.push import fetch_running, push_config
from services.network.push_driver import PushError
from services.network.state import collect_state
from tests.integration.realnet.helpers import CHANGED, TIMEOUT
from tests.realnet.net import RealNet
from tests.realnet.topology import KEY_CREDENTIAL


async def test_a_key_only_credential_logs_in_to_frr(realnet: RealNet) -> None:
    credential = FileSecretsProvider(realnet.secrets_file).resolve(KEY_CREDENTIAL)
    assert credential.password is None and credential.private_key is not None
    device = realnet.device(CHANGED)
    running = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    assert f"hostname {CHANGED}" in running.splitlines()
    state = await asyncio.to_thread(collect_state, device, credential, timeout=TIMEOUT)
    assert state.bgp and all(n.established for n in state.bgp.values()), state.bgp

    stranger = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    unknown = credential.model_copy(update={"private_key": SecretStr(stranger.decode())})
    refused = await asyncio.to_thread(
        push_config, device, unknown, ["log syslog warnings"], timeout=TIMEOUT
    )
    assert not refused.ok and refused.error_kind is PushError.auth_failed, refused
    after = await asyncio.to_thread(fetch_running, device, credential, timeout=TIMEOUT)
    assert after == running
