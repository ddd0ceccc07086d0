"""The MSP's notification targets: `notifications.yaml`, validated, secrets resolved.

Each target is an apprise URL (slack://, msteams://, mailto://, json:// or jsons:// for a
generic webhook), written in the file or, since such URLs carry tokens, kept in the secrets
provider (`url_secret`: the credential whose password is the URL). A generic webhook may name
an HMAC `secret` (a credential name too): its body is then signed as tenant webhooks are. The
file names secrets, never holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import apprise
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.compliance.yaml_lines import Loc, locate
from services.core.errors import ConfigurationError, CredentialError
from services.core.secrets import CREDENTIAL_NAME, SecretsProvider
from services.network.inventory import YAML_LOADER
from services.notifications.events import STAFF_EVENTS, StaffEvent

SIGNED_SCHEMES = ("json", "jsons")  # the generic webhook: the only target HMAC applies to
HINT = "fix the notifications file (NETWAVE_NOTIFICATIONS_FILE) at the line named"


class TargetEntry(BaseModel):
    """One target as written in the file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    url: str | None = None
    url_secret: str | None = Field(default=None, pattern=CREDENTIAL_NAME.pattern)
    events: list[str] = Field(default_factory=lambda: [str(e) for e in STAFF_EVENTS])
    secret: str | None = Field(default=None, pattern=CREDENTIAL_NAME.pattern)

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        unknown = [e for e in value if e not in STAFF_EVENTS]
        if unknown:
            raise ValueError(
                f"unknown event {', '.join(map(repr, unknown))} (known: {', '.join(STAFF_EVENTS)})"
            )
        if not value:
            raise ValueError("names no event; leave `events` out to get them all")
        return value

    def model_post_init(self, context: Any, /) -> None:
        if (self.url is None) == (self.url_secret is None):
            raise ValueError("give either url or url_secret")


class NotificationsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: list[TargetEntry] = Field(default_factory=list)

    @field_validator("targets")
    @classmethod
    def _unique_names(cls, value: list[TargetEntry]) -> list[TargetEntry]:
        names = [t.name for t in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"target name used twice: {', '.join(twice)}")
        return value


@dataclass(frozen=True)
class Target:
    """A target ready to send to: `url` and `signing_secret` are secret, `shown` is not."""

    name: str
    shown: str  # the name and the service (never the URL: it may hold tokens), for logs
    events: frozenset[StaffEvent]
    url: str = field(repr=False)
    signing_secret: str | None = field(default=None, repr=False)


def parse_file(text: str, path: Path) -> NotificationsFile:
    """The file's targets, or a ConfigurationError naming the file, line and field."""
    try:
        root = yaml.compose(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ConfigurationError(
            f"{where}: YAML syntax error: {getattr(exc, 'problem', exc)}", hint=HINT
        ) from None
    data: Any = yaml.load(text, Loader=YAML_LOADER) or {}
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}:1: expected a mapping with `targets`", hint=HINT)
    try:
        return NotificationsFile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc: Loc = tuple(err["loc"])
            line, name = locate(root, loc)
            name = _with_entry_name(name, loc, data)
            message = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append(f"{path}:{line}: {name}: {message.removeprefix('Value error, ')}")
        raise ConfigurationError("; ".join(problems), hint=HINT) from None


def _with_entry_name(name: str, loc: Loc, data: dict[str, Any]) -> str:
    """`targets[1].events` -> `targets[1] (ops-slack).events`: the entry as people call it."""
    if len(loc) < 2 or loc[0] != "targets" or not isinstance(loc[1], int):
        return name
    targets = data.get("targets")
    entry = targets[loc[1]] if isinstance(targets, list) and loc[1] < len(targets) else None
    called = entry.get("name") if isinstance(entry, dict) else None
    prefix = f"targets[{loc[1]}]"
    if not isinstance(called, str) or not name.startswith(prefix):
        return name
    return f"{prefix} ({called}){name[len(prefix) :]}"


def load_file(path: Path) -> NotificationsFile | None:
    """The parsed file; None when there is none (no staff notifications)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read ({exc.strerror})", hint=HINT) from None
    return parse_file(text, path)


def resolve_targets(
    parsed: NotificationsFile, provider: SecretsProvider, path: Path
) -> list[Target]:
    """Each target with its URL and signing secret resolved now, and checked by apprise."""
    return [_resolve(entry, index, provider, path) for index, entry in enumerate(parsed.targets)]


def _resolve(entry: TargetEntry, index: int, provider: SecretsProvider, path: Path) -> Target:
    where = f"{path}: targets[{index}] ({entry.name})"
    url = entry.url
    if url is None:
        url = _secret(provider, entry.url_secret, f"{where}: url_secret")
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True) if scheme else None
    if plugin is None:
        named = f"the URL in secret {entry.url_secret!r}" if entry.url_secret else "url"
        raise ConfigurationError(
            f"{where}: {named} is not an apprise URL apprise can send to "
            f"(scheme {scheme or 'missing'!r}; e.g. slack://, msteams://, mailto://, jsons://)",
            hint=HINT,
        )
    if entry.secret is not None and scheme not in SIGNED_SCHEMES:
        raise ConfigurationError(
            f"{where}: secret: only a generic webhook (json:// or jsons://) is signed; "
            f"{scheme}:// does not take an HMAC secret",
            hint=HINT,
        )
    signing = None
    if entry.secret is not None:
        signing = _secret(provider, entry.secret, f"{where}: secret")
    return Target(
        name=entry.name,
        shown=f"{entry.name} ({plugin.service_name})",
        events=frozenset(entry.events),  # type: ignore[arg-type]  # checked by the model
        url=url,
        signing_secret=signing,
    )


def _secret(provider: SecretsProvider, name: str | None, where: str) -> str:
    """The password of credential `name`: a token-bearing URL or an HMAC key."""
    assert name is not None
    try:
        return provider.resolve(name).secret()
    except CredentialError as exc:
        raise ConfigurationError(f"{where}: {exc.message}", hint=HINT) from None
