import os
from pathlib import Path

import pytest

from services.core.errors import CredentialError
from services.core.secrets import EnvSecretsProvider, FileSecretsProvider, ensure_dev_secrets


def test_env_provider_resolves_by_name() -> None:
    provider = EnvSecretsProvider(
        {
            "NETWAVE_CREDENTIAL_LAB_ACME_USERNAME": "ops",
            "NETWAVE_CREDENTIAL_LAB_ACME_PASSWORD": "s3cret",
        }
    )
    cred = provider.resolve("lab-acme")
    assert cred.username == "ops"
    assert cred.password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(cred) and "s3cret" not in cred.model_dump_json()


def test_env_provider_names_missing_variable() -> None:
    with pytest.raises(CredentialError, match="NETWAVE_CREDENTIAL_CORE_PASSWORD"):
        EnvSecretsProvider({}).resolve("core")


def test_file_provider_refuses_group_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    ensure_dev_secrets(path, ["lab"])
    os.chmod(path, 0o644)
    with pytest.raises(CredentialError, match="chmod 600"):
        FileSecretsProvider(path).resolve("lab")


def test_dev_secrets_are_private_random_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "secrets.yaml"
    assert ensure_dev_secrets(path, ["a", "b"]) == ["a", "b"]
    assert (path.stat().st_mode & 0o777) == 0o600
    first = FileSecretsProvider(path).resolve("a").password.get_secret_value()
    assert ensure_dev_secrets(path, ["a", "c"]) == ["c"]
    provider = FileSecretsProvider(path)
    assert provider.resolve("a").password.get_secret_value() == first
    assert provider.names() == {"a", "b", "c"}
    with pytest.raises(CredentialError, match="'zz' is not in secrets file"):
        provider.resolve("zz")
