"""SSH private keys from a credential, as paramiko key objects for Netmiko (`pkey`)."""

from __future__ import annotations

import io

import paramiko
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from services.core.errors import CredentialError
from services.core.secrets import Credential

KEY_TYPES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key,
    paramiko.ECDSAKey,
    paramiko.RSAKey,
)


def _canonical(text: str, passphrase: str | None) -> str | None:
    """The key re-written as ssh-keygen writes it (paramiko misreads some valid encodings,
    e.g. ECDSA keys written by other libraries); None if it is not a key at all."""
    secret = passphrase.encode() if passphrase else None
    for load in (serialization.load_ssh_private_key, serialization.load_pem_private_key):
        try:
            key = load(text.encode(), password=secret)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            continue
        if not isinstance(
            key, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
        ):
            return None
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.OpenSSH,
            serialization.NoEncryption(),
        ).decode()
    return None


def private_key(credential: Credential) -> paramiko.PKey | None:
    """The credential's private key (ed25519, ECDSA or RSA; OpenSSH or PEM), or None."""
    if credential.private_key is None:
        return None
    text = credential.private_key.get_secret_value()
    passphrase = credential.passphrase.get_secret_value() if credential.passphrase else None
    for candidate in (text, _canonical(text, passphrase)):
        if candidate is None:
            continue
        for kind in KEY_TYPES:
            try:
                return kind.from_private_key(io.StringIO(candidate), password=passphrase)
            except paramiko.PasswordRequiredException:
                raise CredentialError(
                    f"the private key of {credential.username!r} is encrypted: add its passphrase"
                ) from None
            except (paramiko.SSHException, ValueError, IndexError):
                continue
    raise CredentialError(
        f"the private key of {credential.username!r} is not an ed25519, ECDSA or RSA key "
        "in OpenSSH or PEM form (or its passphrase is wrong)"
    )
