"""netwave errors: each has a stable code, what went wrong and what to do."""

from __future__ import annotations


class NetwaveError(Exception):
    """Base of every error netwave raises on purpose."""

    code = "NW000"
    hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}" + (f" ({self.hint})" if self.hint else "")


class ConfigurationError(NetwaveError):
    code = "NW001"
    hint = "check netwave.toml and the NETWAVE_* environment variables"


class InventoryError(NetwaveError):
    code = "NW100"
    hint = "fix the inventory file named in the message"


class CredentialError(NetwaveError):
    code = "NW200"
    hint = "add the credential to the secrets provider (see README, Credentials)"


class NotFoundError(NetwaveError):
    code = "NW404"


class DeviceError(NetwaveError):
    code = "NW300"


class HostKeyError(DeviceError):
    """A device whose host key is not recorded, or differs from the recorded one; nothing was
    sent to it (no password, no key)."""

    code = "NW310"
    hint = "compare the fingerprint with the device's own; `netwave devices trust` records it"

    def __init__(self, message: str, *, mismatch: bool) -> None:
        super().__init__(message)
        self.mismatch = mismatch


class TemplateError(NetwaveError):
    code = "NW400"
    hint = "fix the template or the inventory variable named in the message"


class RuleError(NetwaveError):
    code = "NW500"
    hint = "fix the compliance rule file named in the message"


class ChangeValidationError(NetwaveError):
    """A capacity-change request that cannot be done; `errors` are (field path, message) pairs."""

    code = "NW700"
    hint = "fix the request fields named in the message"

    def __init__(self, errors: list[tuple[str, str]], *, hint: str | None = None) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{field}: {msg}" for field, msg in self.errors), hint=hint)

    def as_detail(self) -> list[dict[str, object]]:
        """FastAPI-style 422 detail: one entry per field, `loc` starting at the request body."""
        return [
            {"loc": ["body", *field.split(".")], "msg": msg, "type": "value_error"}
            for field, msg in self.errors
        ]


class ContractError(NetwaveError):
    code = "NW710"
    hint = "fix the tenant contract file (inventories/<tenant>/tenant.yaml) named in the message"


class NoWindowError(NetwaveError):
    code = "NW720"
    hint = "add a maintenance window to the tenant contract or lift a blackout date"


class NeedsAttentionError(NetwaveError):
    """A target device needs an engineer: a rollback on it could not restore its backup (409)."""

    code = "NW740"
    hint = "look after the device, then clear it (netwave devices clear-attention)"


class DuplicateChangeError(NetwaveError):
    """The request asks for what the intent or an open change already holds (409)."""

    code = "NW730"
    hint = "read the change or intent revision named in the message"
