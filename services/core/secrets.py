"""Credentials: inventories name a credential, a provider resolves it at run time.

Resolved credentials live only in activity memory and the lab; they never enter workflow
inputs or results, logs or the database. Providers register by name: file, env, vault.
"""

from __future__ import annotations

import os
import re
import secrets as _random
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, model_validator

from services.core.errors import CredentialError
from services.core.settings import Settings

CREDENTIAL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Credential(BaseModel):
    """Login for a device: a password, an SSH private key (OpenSSH or PEM text), or both;
    repr and dumps never show the secrets."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str
    password: SecretStr | None = None
    enable: SecretStr | None = None
    private_key: SecretStr | None = None
    passphrase: SecretStr | None = None  # of the private key, when it is encrypted
    # The login on the device's jump host (resolved with it by `resolve_login`), if it has one.
    jump: Credential | None = None

    @model_validator(mode="after")
    def _a_way_in(self) -> Credential:
        if self.password is None and self.private_key is None:
            raise ValueError("needs a password or a private_key (or private_key_file)")
        return self

    def secret(self) -> str:
        """The password, for what only takes a shared secret (webhook signing)."""
        if self.password is None:
            raise CredentialError("this credential has no password (only a private key)")
        return self.password.get_secret_value()


def invalid_fields(exc: ValidationError) -> str:
    """What is wrong with a credential entry: its bad fields, or the rule it breaks."""
    return ", ".join(
        ".".join(map(str, e["loc"])) or str(e["msg"]).removeprefix("Value error, ")
        for e in exc.errors()
    )


class SecretsProvider(Protocol):
    def resolve(self, name: str) -> Credential: ...

    def names(self) -> set[str]: ...


class EnvSecretsProvider:
    """NETWAVE_CREDENTIAL_<NAME>_USERNAME / _PASSWORD / _ENABLE (NAME upper-cased, - and . as _)."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self._environ = environ if environ is not None else dict(os.environ)

    def __getstate__(self) -> dict[str, object]:
        """Pickled for an audit helper process: the credential variables only."""
        wanted = {k: v for k, v in self._environ.items() if k.startswith("NETWAVE_CREDENTIAL_")}
        return {"_environ": wanted}

    @staticmethod
    def _prefix(name: str) -> str:
        return "NETWAVE_CREDENTIAL_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper() + "_"

    def resolve(self, name: str) -> Credential:
        prefix = self._prefix(name)
        username = self._environ.get(prefix + "USERNAME")
        password = self._environ.get(prefix + "PASSWORD")
        if not username or password is None:
            raise CredentialError(
                f"credential {name!r} is not set: define {prefix}USERNAME and {prefix}PASSWORD"
            )
        enable = self._environ.get(prefix + "ENABLE")
        return Credential(
            username=username,
            password=SecretStr(password),
            enable=SecretStr(enable) if enable else None,
        )

    def names(self) -> set[str]:
        found = set()
        for key in self._environ:
            if key.startswith("NETWAVE_CREDENTIAL_") and key.endswith("_USERNAME"):
                found.add(key[len("NETWAVE_CREDENTIAL_") : -len("_USERNAME")].lower())
        return found


class FileSecretsProvider:
    """A YAML file `credentials: {name: {username, password, enable}}`, readable by owner only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._cache: dict[str, Credential] | None = None

    def __getstate__(self) -> dict[str, object]:
        """Pickled for an audit helper process: the path, never the secrets read from it."""
        return {"path": self.path, "_cache": None}

    def _load(self) -> dict[str, Credential]:
        if self._cache is not None:
            return self._cache
        if not self.path.exists():
            raise CredentialError(f"secrets file {self.path} does not exist")
        mode = self.path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialError(
                f"secrets file {self.path} is readable by group or others "
                f"(mode {stat.filemode(mode)}); run: chmod 600 {self.path}"
            )
        try:
            raw = yaml.safe_load(self.path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise CredentialError(f"secrets file {self.path} is not valid YAML: {exc}") from None
        entries = raw.get("credentials") if isinstance(raw, dict) else None
        if not isinstance(entries, dict):
            raise CredentialError(f"secrets file {self.path} has no 'credentials' mapping")
        loaded: dict[str, Credential] = {}
        for name, value in entries.items():
            try:
                loaded[str(name)] = Credential.model_validate(self._with_key_file(name, value))
            except ValidationError as exc:
                raise CredentialError(
                    f"secrets file {self.path}: credential {name!r} is invalid "
                    f"({invalid_fields(exc)})"
                ) from None
        self._cache = loaded
        return loaded

    def _with_key_file(self, name: object, value: object) -> object:
        """An entry's `private_key_file` (a path, absolute or beside the secrets file) read
        into `private_key`; the key file must be readable by its owner only, like this file."""
        if not isinstance(value, dict) or "private_key_file" not in value:
            return value
        entry = dict(value)
        path = Path(str(entry.pop("private_key_file")))
        path = path if path.is_absolute() else self.path.parent / path
        if not path.is_file():
            raise CredentialError(f"credential {name!r}: private_key_file {path} does not exist")
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialError(
                f"credential {name!r}: private_key_file {path} is readable by group or others "
                f"(mode {stat.filemode(mode)}); run: chmod 600 {path}"
            )
        entry["private_key"] = path.read_text()
        return entry

    def resolve(self, name: str) -> Credential:
        creds = self._load()
        if name not in creds:
            raise CredentialError(f"credential {name!r} is not in secrets file {self.path}")
        return creds[name]

    def names(self) -> set[str]:
        return set(self._load())


def _vault(settings: Settings) -> SecretsProvider:
    from services.core.vault import VaultSecretsProvider

    return VaultSecretsProvider(
        settings.vault_url,
        settings.vault_token,
        mount=settings.vault_mount,
        path=settings.vault_path,
    )


PROVIDERS: dict[str, Callable[[Settings], SecretsProvider]] = {
    "env": lambda _settings: EnvSecretsProvider(),
    "file": lambda settings: FileSecretsProvider(settings.secrets_file),
    "vault": _vault,
}


def get_provider(settings: Settings) -> SecretsProvider:
    """The configured provider (registry keyed by NETWAVE_SECRETS_PROVIDER)."""
    return PROVIDERS[settings.secrets_provider](settings)


def ensure_dev_secrets(path: Path, names: Iterable[str], username: str = "netwave") -> list[str]:
    """Create or extend a development secrets file with random passwords; returns names added."""
    existing: dict[str, dict[str, str]] = {}
    if path.exists():
        raw = yaml.safe_load(path.read_text()) or {}
        existing = dict(raw.get("credentials") or {})
    added = [n for n in sorted(set(names)) if n not in existing]
    if not added and path.exists():
        return []
    for name in added:
        existing[name] = {
            "username": username,
            "password": _random.token_urlsafe(18),
            "enable": _random.token_urlsafe(12),
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump({"credentials": existing}, fh, sort_keys=True)
    os.replace(path.with_suffix(".tmp"), path)
    os.chmod(path, 0o600)
    return added
