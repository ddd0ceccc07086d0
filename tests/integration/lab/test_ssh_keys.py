"""SSH key logins: a credential holding a private key (in the secrets provider, or a key file
beside the secrets file) logs in with the key; the lab accepts that key only."""

from __future__ import annotations

import os
from pathlib import Path

import asyncssh
import pytest
import yaml

from services.core.errors import CredentialError
from services.core.secrets import FileSecretsProvider
from services.network.push import fetch_running, push_config
from services.network.push_driver import PushError
from tests.utils.lab_fixtures import start_lab


def _private_key(path: Path) -> str:
    key = asyncssh.generate_private_key("ssh-ed25519")
    path.write_bytes(key.export_private_key("openssh"))
    os.chmod(path, 0o600)
    return path.read_text()


def _secrets(folder: Path, entries: dict[str, dict[str, str]]) -> FileSecretsProvider:
    path = folder / "secrets.yaml"
    path.write_text(yaml.safe_dump({"credentials": entries}))
    os.chmod(path, 0o600)
    return FileSecretsProvider(path)


def _inventory(folder: Path) -> Path:
    tenant = folder / "inv" / "keyed"
    tenant.mkdir(parents=True)
    hosts = {
        "kd-ios": {"hostname": "127.0.0.1", "port": 1, "platform": "cisco_ios"},
        "kd-junos": {"hostname": "127.0.0.1", "port": 2, "platform": "juniper_junos"},
    }
    (tenant / "hosts.yaml").write_text(yaml.safe_dump(hosts))
    (tenant / "defaults.yaml").write_text(yaml.safe_dump({"data": {"credential": "keyed"}}))
    return folder / "inv"


def test_a_key_only_credential_logs_in_with_its_key(tmp_path: Path) -> None:
    _private_key(tmp_path / "netwave_ed25519")
    provider = _secrets(
        tmp_path, {"keyed": {"username": "netwave", "private_key_file": "netwave_ed25519"}}
    )
    lab = start_lab(_inventory(tmp_path), tmp_path / "lab", provider)
    try:
        assert lab.inventories_path is not None
        inventory = lab.tenant("keyed")
        credential = provider.resolve("keyed")
        assert credential.password is None and credential.private_key is not None
        for name in ("kd-ios", "kd-junos"):
            device = inventory.device(name)
            assert "netwave" in fetch_running(device, credential, timeout=10)
            logins = lab.record(name).logins
            assert [(r.method, r.success) for r in logins] == [("publickey", True)]

        # Another key is refused: an auth failure, nothing pushed.
        other = provider.resolve("keyed").model_copy(
            update={"private_key": type(credential.private_key)(_private_key(tmp_path / "x"))}
        )
        refused = push_config(
            inventory.device("kd-ios"), other, ["ntp server 192.0.2.1"], timeout=10
        )
        assert not refused.ok and refused.error_kind is PushError.auth_failed, refused
    finally:
        lab.stop()


def test_key_files_and_credentials_are_checked(tmp_path: Path) -> None:
    key = tmp_path / "loose_key"
    _private_key(key)
    os.chmod(key, 0o644)
    loose = _secrets(tmp_path, {"c": {"username": "u", "private_key_file": str(key)}})
    with pytest.raises(CredentialError, match=r"readable by group or others.*chmod 600"):
        loose.resolve("c")
    neither = _secrets(tmp_path, {"c": {"username": "u"}})
    with pytest.raises(CredentialError, match=r"credential 'c' is invalid \(needs a password"):
        neither.resolve("c")
    missing = _secrets(tmp_path, {"c": {"username": "u", "private_key_file": "nope"}})
    with pytest.raises(CredentialError, match=r"private_key_file .*nope does not exist"):
        missing.resolve("c")
