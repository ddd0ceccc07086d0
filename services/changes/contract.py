"""A tenant's contract for capacity changes: inventories/<tenant>/tenant.yaml, validated.

The file holds what the tenant bought (WAN rate per site, QoS profiles), how its changes are
approved, when they may run (maintenance windows, blackout dates) and where state changes are
announced (a webhook whose signing secret is the NAME of a credential in the secrets provider,
never the secret itself). Errors name the file, line and field.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from croniter import croniter
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from services.compliance.yaml_lines import Loc, locate
from services.core.errors import ContractError, InventoryError
from services.core.secrets import CREDENTIAL_NAME
from services.core.zones import IanaTimezone
from services.network.inventory import YAML_LOADER, load_tenant

CONTRACT_FILE = "tenant.yaml"
MAX_WINDOW_MINUTES = 7 * 24 * 60
PROFILE = r"^[a-z][a-z0-9_-]{0,31}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteContract(_Strict):
    max_wan_mbps: int = Field(ge=1, le=1_000_000)
    # What the site's circuit can carry at most: above it a request is refused (422). Above
    # max_wan_mbps but within the circuit is a commercial question for an approver.
    circuit_mbps: int | None = Field(default=None, ge=1, le=1_000_000)


class Contract(_Strict):
    """What the tenant bought: WAN rate limits and the QoS profiles it may use."""

    default_max_wan_mbps: int = Field(ge=1, le=1_000_000)
    sites: dict[str, SiteContract] = Field(default_factory=dict)
    qos_profiles: list[str] = Field(min_length=1)

    @field_validator("qos_profiles")
    @classmethod
    def _profile_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.match(PROFILE, name):
                raise ValueError(f"invalid QoS profile name {name!r}")
        if len(set(value)) != len(value):
            raise ValueError("QoS profiles are listed twice")
        return value


class Approval(_Strict):
    """Changes inside the contract may skip the approver; approvals expire."""

    auto_approve_within_contract: bool = True
    expire_after_hours: int = Field(default=72, ge=1, le=24 * 30)


class WindowSpec(_Strict):
    """A recurring maintenance window: starts on a 5-field cron, in a timezone, for a duration."""

    cron: str
    duration_minutes: int = Field(ge=1, le=MAX_WINDOW_MINUTES)
    timezone: IanaTimezone

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5 or not croniter.is_valid(value):
            raise ValueError(
                f"invalid cron expression {value!r} "
                "(5 fields: minute hour day-of-month month day-of-week)"
            )
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Blackout(_Strict):
    """A date on which no change may run (in each window's own timezone)."""

    date: dt.date
    reason: str = Field(default="", max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _bare_date(cls, value: Any) -> Any:
        return {"date": value} if isinstance(value, dt.date | str) else value


class Webhook(_Strict):
    """Where state changes are posted; `secret` names a credential (its password signs)."""

    url: AnyHttpUrl | None = None
    secret: str | None = None

    @field_validator("secret")
    @classmethod
    def _credential_name(cls, value: str | None) -> str | None:
        if value is not None and not CREDENTIAL_NAME.match(value):
            raise ValueError(
                "secret must be the name of a credential in the secrets provider, "
                "not the secret itself"
            )
        return value

    @model_validator(mode="after")
    def _signed(self) -> Webhook:
        if self.url is not None and self.secret is None:
            raise ValueError("a webhook url needs a secret (credential name) to sign with")
        return self


class TenantContract(_Strict):
    """inventories/<tenant>/tenant.yaml."""

    tenant: str = ""
    contract: Contract
    approval: Approval = Field(default_factory=Approval)
    windows: list[WindowSpec] = Field(min_length=1)
    blackout_dates: list[Blackout] = Field(default_factory=list)
    webhook: Webhook = Field(default_factory=Webhook)

    @field_validator("blackout_dates")
    @classmethod
    def _unique_dates(cls, value: list[Blackout]) -> list[Blackout]:
        seen: set[dt.date] = set()
        for entry in value:
            if entry.date in seen:
                raise ValueError(f"{entry.date} is listed twice")
            seen.add(entry.date)
        return value

    def max_wan_mbps(self, site: str) -> int:
        """The contracted WAN rate limit of a site."""
        site_contract = self.contract.sites.get(site)
        return site_contract.max_wan_mbps if site_contract else self.contract.default_max_wan_mbps

    def circuit_mbps(self, site: str) -> int | None:
        """What the site's circuit carries at most (None: not recorded)."""
        site_contract = self.contract.sites.get(site)
        return site_contract.circuit_mbps if site_contract else None

    @property
    def blackouts(self) -> frozenset[dt.date]:
        return frozenset(entry.date for entry in self.blackout_dates)


def parse_contract(
    text: str,
    path: Path,
    tenant: str,
    *,
    sites: set[str] | None = None,
    profiles: set[str] | None = None,
) -> TenantContract:
    """Validate contract text; `sites`/`profiles` (from inventory) are cross-checked if given."""
    try:
        root = yaml.compose(text, Loader=YAML_LOADER)  # libyaml bounds nesting depth
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ContractError(f"{where}: YAML syntax error: {getattr(exc, 'problem', exc)}") from None
    _check_dates(root, path)
    data: Any = yaml.load(text, Loader=YAML_LOADER)  # a safe loader (C or Python)
    if not isinstance(data, dict):
        raise ContractError(f"{path}:1: expected a mapping with contract, approval, windows")
    if "tenant" in data:
        raise _error(path, root, [(("tenant",), "unknown field (the folder names the tenant)")])
    try:
        contract = TenantContract.model_validate({**data, "tenant": tenant})
    except ValidationError as exc:
        problems: list[tuple[Loc, str]] = [
            (err["loc"], _message(err["type"], err["msg"])) for err in exc.errors()
        ]
        raise _error(path, root, problems) from None
    problems = _cross_checks(contract, sites, profiles)
    if problems:
        raise _error(path, root, problems)
    return contract


def _check_dates(node: yaml.Node | None, path: Path) -> None:
    """YAML reads `2026-13-01` as a date and fails without a line: check dates first."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:timestamp":
        try:
            dt.date.fromisoformat(str(node.value)[:10])
        except ValueError as exc:
            line = node.start_mark.line + 1
            raise ContractError(f"{path}:{line}: invalid date {node.value!r}: {exc}") from None
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _check_dates(key, path)
            _check_dates(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_dates(item, path)


def _cross_checks(
    contract: TenantContract, sites: set[str] | None, profiles: set[str] | None
) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    if sites is not None:
        for site in contract.contract.sites:
            if site not in sites:
                known = ", ".join(sorted(sites))
                problems.append(
                    (("contract", "sites", site), f"unknown site {site!r} (sites: {known})")
                )
    if profiles is not None:
        for index, name in enumerate(contract.contract.qos_profiles):
            if name not in profiles:
                problems.append(
                    (
                        ("contract", "qos_profiles", index),
                        f"QoS profile {name!r} is not defined in the inventory's qos_profiles",
                    )
                )
    return problems


def _message(kind: str, message: str) -> str:
    if kind == "extra_forbidden":
        return "unknown field"
    return message.removeprefix("Value error, ")


def _error(path: Path, root: yaml.Node | None, problems: list[tuple[Loc, str]]) -> ContractError:
    lines = []
    for loc, message in problems:
        line, field = locate(root, loc)
        lines.append(f"{path}:{line}: {field}: {message}")
    return ContractError("; ".join(lines))


def load_contract(inventories: Path, tenant: str) -> TenantContract:
    """inventories/<tenant>/tenant.yaml, checked against the tenant's sites and QoS profiles."""
    path = inventories / tenant / CONTRACT_FILE
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ContractError(
            f"{path}: missing (capacity changes need the tenant's contract file)"
        ) from None
    except OSError as exc:
        raise ContractError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        inventory = load_tenant(inventories, tenant)
    except InventoryError:
        return parse_contract(text, path, tenant)  # the inventory reports its own errors
    sites = {d.site for d in inventory.devices.values() if d.site}
    profiles: set[str] = set()
    for device in inventory.devices.values():
        defined = device.data.get("qos_profiles")
        if isinstance(defined, dict):
            profiles.update(str(name) for name in defined)
    return parse_contract(text, path, tenant, sites=sites, profiles=profiles)
