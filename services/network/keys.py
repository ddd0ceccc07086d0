"""SSH private keys from a credential, as paramiko key objects for Netmiko (`pkey`)."""

from __future__ import annotations

import io

import paramiko

from services.core.errors import CredentialError
from services.core.secrets import Credential

KEY_TYPES: tuple[type[paramiko.PKey], ...] = (
    paramiko.Ed25519Key,
    paramiko.ECDSAKey,
    paramiko.RSAKey,
)


def private_key(credential: Credential) -> paramiko.PKey | None:
    """The credential's private key (ed25519, ECDSA or RSA; OpenSSH or PEM), or None."""
    if credential.private_key is None:
        return None
    text = credential.private_key.get_secret_value()
    passphrase = credential.passphrase.get_secret_value() if credential.passphrase else None
    for kind in KEY_TYPES:
        try:
            return kind.from_private_key(io.StringIO(text), password=passphrase)
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
