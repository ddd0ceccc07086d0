"""The Vault provider (KV version 2, hvac) against a fake Vault on loopback: reads, names,
clear errors for a missing credential, a refused token, an unreachable Vault or a bad secret,
and nothing of the secret in errors or pickles."""

from __future__ import annotations

import pickle
import socket

import pytest
from pydantic import SecretStr

from services.core.errors import CredentialError
from services.core.secrets import get_provider
from services.core.settings import Settings
from services.core.vault import VaultSecretsProvider
from tests.utils.fake_vault import fake_vault

PASSWORD = "Vault-Only-Pa55"


def _provider(url: str, token: str) -> VaultSecretsProvider:
    return VaultSecretsProvider(url, SecretStr(token), mount="secret", path="netwave/credentials")


def test_credentials_are_read_from_kv_v2_and_listed(settings: Settings) -> None:
    with fake_vault() as vault:
        vault.secrets["netwave/credentials/acme-edge"] = {
            "username": "netwave",
            "password": PASSWORD,
            "enable": "en-secret",
        }
        vault.secrets["netwave/credentials/globex-edge"] = {"username": "ops", "password": "x"}
        configured = settings.model_copy(
            update={
                "secrets_provider": "vault",
                "vault_url": vault.url,
                "vault_token": SecretStr(vault.token),
            }
        )
        provider = get_provider(configured)
        credential = provider.resolve("acme-edge")
        assert credential.username == "netwave"
        assert credential.password.get_secret_value() == PASSWORD
        assert credential.enable is not None
        assert provider.names() == {"acme-edge", "globex-edge"}
        provider.resolve("acme-edge")  # cached: Vault is asked once
        reads = [p for m, p in vault.requests if m == "GET"]
        assert reads == ["/v1/secret/data/netwave/credentials/acme-edge"]
        assert PASSWORD not in repr(credential)
        copied = pickle.loads(pickle.dumps(provider))  # an audit helper process gets this
        assert PASSWORD.encode() not in pickle.dumps(provider)
        assert copied.resolve("globex-edge").username == "ops"


def test_errors_name_the_credential_and_the_cause() -> None:
    with fake_vault() as vault:
        vault.secrets["netwave/credentials/half"] = {"username": "netwave"}
        provider = _provider(vault.url, vault.token)
        with pytest.raises(CredentialError, match=r"credential 'missing' is not in Vault at"):
            provider.resolve("missing")
        with pytest.raises(
            CredentialError,
            match=r"credential 'half' in Vault .* invalid \(needs a password or a private_key",
        ):
            provider.resolve("half")
        refused = _provider(vault.url, "wrong-token")
        with pytest.raises(CredentialError, match="refused the token for credential 'half'"):
            refused.resolve("half")
    with pytest.raises(CredentialError, match="NETWAVE_VAULT_TOKEN is not set"):
        _provider("http://127.0.0.1:1", "").resolve("any")


def test_an_unreachable_vault_is_named() -> None:
    with socket.socket() as sock:  # a loopback port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = VaultSecretsProvider(f"http://127.0.0.1:{port}", SecretStr("t"), timeout=2.0)
    with pytest.raises(CredentialError, match=rf"Vault at http://127.0.0.1:{port} did not answer"):
        provider.resolve("acme-edge")
