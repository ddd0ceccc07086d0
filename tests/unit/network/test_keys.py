"""Private keys from credentials: every key type Netmiko's paramiko takes, and clear errors."""

from __future__ import annotations

import asyncssh
import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pydantic import SecretStr

from services.core.errors import CredentialError
from services.core.secrets import Credential
from services.network.keys import private_key


def _generate(algorithm: str) -> PrivateKeyTypes:
    """A key as ssh-keygen writes it (OpenSSH format, through `cryptography`)."""
    if algorithm == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "ecdsa":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("algorithm", ["ed25519", "ecdsa", "rsa"])
def test_openssh_keys_of_each_type_load(algorithm: str) -> None:
    key = _generate(algorithm)
    text = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    loaded = private_key(Credential(username="u", private_key=SecretStr(text)))
    assert isinstance(loaded, paramiko.PKey)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert loaded.get_base64() == public.split()[1].decode()


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


def test_keys_paramiko_misreads_are_rewritten_first() -> None:
    """paramiko 5 refuses about half of the ECDSA keys asyncssh writes ("Invalid key curve
    identifier"); netwave re-writes a key it cannot read the way ssh-keygen does."""
    for _ in range(10):
        key = asyncssh.generate_private_key("ecdsa-sha2-nistp256")
        text = key.export_private_key("openssh").decode()
        loaded = private_key(Credential(username="u", private_key=SecretStr(text)))
        assert loaded is not None
        assert loaded.get_base64() == key.export_public_key("openssh").split()[1].decode()
