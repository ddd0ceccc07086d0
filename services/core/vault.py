"""Credentials from HashiCorp Vault (KV version 2), through hvac.

Each credential is one secret `<mount>/<path>/<name>` with keys `username`, `password` and
optionally `enable`. Read at run time inside activities, kept in memory for a minute (a rotated
password is picked up within that), never written anywhere.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import hvac
import requests
from hvac import exceptions as vault_errors
from pydantic import SecretStr, ValidationError

from services.core.errors import CredentialError
from services.core.secrets import Credential, invalid_fields

CACHE_SECONDS = 60.0


class VaultSecretsProvider:
    """NETWAVE_SECRETS_PROVIDER=vault: NETWAVE_VAULT_URL, _TOKEN, _MOUNT, _PATH."""

    def __init__(
        self,
        url: str,
        token: SecretStr,
        *,
        mount: str = "secret",
        path: str = "netwave/credentials",
        timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.token = token
        self.mount = mount
        self.path = path.strip("/")
        self.timeout = timeout
        self._cache: dict[str, tuple[float, Credential]] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """Pickled for an audit helper process: where and how to ask, nothing read yet."""
        state = dict(self.__dict__)
        state.pop("_lock")
        state["_cache"] = {}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _client(self) -> hvac.Client:
        if not self.url:
            raise CredentialError("NETWAVE_VAULT_URL is not set (secrets provider: vault)")
        token = self.token.get_secret_value()
        if not token:
            raise CredentialError("NETWAVE_VAULT_TOKEN is not set (secrets provider: vault)")
        return hvac.Client(url=self.url, token=token, timeout=self.timeout)

    def _where(self, name: str = "") -> str:
        return "/".join(p for p in (self.mount, self.path, name) if p)

    def _call(self, what: str, call: Any) -> Any:
        try:
            return call()
        except vault_errors.InvalidPath:
            raise CredentialError(
                f"{what} is not in Vault at {self.url} ({self._where()})"
            ) from None
        except vault_errors.Forbidden:
            raise CredentialError(
                f"Vault at {self.url} refused the token for {what} (check its policy on "
                f"{self._where()})"
            ) from None
        except (vault_errors.VaultError, requests.RequestException) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CredentialError(
                f"Vault at {self.url} did not answer for {what}: {reason[:200]}"
            ) from None

    def resolve(self, name: str) -> Credential:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and now - cached[0] < CACHE_SECONDS:
                return cached[1]
        client = self._client()
        path = f"{self.path}/{name}" if self.path else name
        answer = self._call(
            f"credential {name!r}",
            lambda: client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=self.mount, raise_on_deleted_version=True
            ),
        )
        data = ((answer or {}).get("data") or {}).get("data") or {}
        try:
            credential = Credential.model_validate(data)
        except ValidationError as exc:
            raise CredentialError(
                f"credential {name!r} in Vault ({self._where(name)}) is invalid "
                f"({invalid_fields(exc)})"
            ) from None
        with self._lock:
            self._cache[name] = (now, credential)
        return credential

    def names(self) -> set[str]:
        client = self._client()
        answer = self._call(
            "the credential list",
            lambda: client.secrets.kv.v2.list_secrets(path=self.path, mount_point=self.mount),
        )
        keys = ((answer or {}).get("data") or {}).get("keys") or []
        return {str(k) for k in keys if not str(k).endswith("/")}
