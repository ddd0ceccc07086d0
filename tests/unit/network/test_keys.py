"""Private keys from credentials: every key type Netmiko's paramiko takes, and clear errors."""

from __future__ import annotations

import asyncssh
import paramiko
import pytest
from pydantic import SecretStr

from services.core.errors import CredentialError
from services.core.secrets import Credential
from services.network.keys import private_key


@pytest.mark.parametrize("algorithm", ["ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"])
def test_openssh_keys_of_each_type_load(algorithm: str) -> None:
    key = asyncssh.generate_private_key(algorithm)
    text = key.export_private_key("openssh").decode()
    loaded = private_key(Credential(username="u", private_key=SecretStr(text)))
    assert isinstance(loaded, paramiko.PKey)
    assert loaded.get_base64() == key.export_public_key("openssh").split()[1].decode()


def test_an_encrypted_key_needs_its_passphrase() -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    text = key.export_private_key("openssh", passphrase="s3cret").decode()
    with pytest.raises(CredentialError, match="encrypted: add its passphrase"):
        private_key(Credential(username="u", private_key=SecretStr(text)))
    unlocked = Credential(username="u", private_key=SecretStr(text), passphrase=SecretStr("s3cret"))
    assert private_key(unlocked) is not None


def test_garbage_and_no_key() -> None:
    with pytest.raises(CredentialError, match="not an ed25519, ECDSA or RSA key"):
        private_key(Credential(username="u", private_key=SecretStr("not a key")))
    assert private_key(Credential(username="u", password=SecretStr("p"))) is None
