"""Tenant inventories: Nornir SimpleInventory YAML under inventories/<tenant>/, validated.

Each tenant folder holds hosts.yaml, and optionally groups.yaml and defaults.yaml. Hosts name a
credential (data.credential, inherited from groups or defaults); passwords never live here.
Simulator-only settings (seeded drift, faults, BGP prefix counts) live apart from real device
data in an optional lab.yaml (device name -> settings), read into each device's `data["lab"]`.
Every error names the file, the host and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.core.errors import InventoryError
from services.network.host_keys import DeviceTrust
from services.network.platforms import PLATFORMS

# libyaml when present: inventories of thousands of hosts load several times faster.
YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
FORBIDDEN_KEYS = {"password", "secret", "enable_password", "enable"}
LAB_FILE = "lab.yaml"


class HostFile(BaseModel):
    """One host entry of hosts.yaml, as written by people."""

    model_config = ConfigDict(extra="forbid")

    hostname: str = Field(min_length=1)
    port: int = Field(ge=1, le=65535)
    platform: str | None = None
    groups: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    connection_options: dict[str, Any] = Field(default_factory=dict)
    username: str | None = None

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str | None) -> str | None:
        if value is not None and value not in PLATFORMS:
            raise ValueError(f"unknown platform {value!r} (known: {', '.join(sorted(PLATFORMS))})")
        return value


class GroupFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    groups: list[str] = Field(default_factory=list)
    data: dict[str, Any] = Field(default_factory=dict)
    connection_options: dict[str, Any] = Field(default_factory=dict)
    username: str | None = None


class JumpHost(BaseModel):
    """The bastion a device is reached through (`data.jump_host`, for a tenant in defaults, a
    site in its group, or a host): netwave logs in there and tunnels SSH to the device."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hostname: str = Field(min_length=1, max_length=255)
    port: int = Field(default=22, ge=1, le=65535)
    credential: str = Field(min_length=1, max_length=64)


class Device(BaseModel):
    """A validated device of a tenant: what the rest of netwave uses."""

    model_config = ConfigDict(frozen=True)

    name: str
    tenant: str
    hostname: str
    port: int
    platform: str
    credential: str
    site: str | None = None
    role: str | None = None
    groups: tuple[str, ...] = ()
    data: dict[str, Any] = Field(default_factory=dict)
    # The login name on this device when it is not the credential's (host, group or defaults).
    username: str | None = None
    jump_host: JumpHost | None = None
    # The host keys recorded for it (database, `netwave devices trust`); never from YAML.
    trust: DeviceTrust | None = None

    def login_name(self, credential_username: str) -> str:
        return self.username or credential_username


@dataclass
class TenantInventory:
    tenant: str
    path: Path
    devices: dict[str, Device] = field(default_factory=dict)
    groups: dict[str, GroupFile] = field(default_factory=dict)
    defaults: GroupFile = field(default_factory=GroupFile)
    # lab.yaml as read: device name -> its simulator-only settings (also in its data["lab"]).
    lab: dict[str, dict[str, Any]] = field(default_factory=dict)

    def device(self, name: str) -> Device:
        try:
            return self.devices[name]
        except KeyError:
            raise InventoryError(f"tenant {self.tenant!r} has no device {name!r}") from None


def _read_yaml(path: Path) -> tuple[Any, dict[str, int]]:
    """Load a YAML file; return its data and the line of each top-level key."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise InventoryError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        node = yaml.compose(text, Loader=YAML_LOADER)
        data = yaml.load(text, Loader=YAML_LOADER)  # a safe loader (C or Python)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InventoryError(f"{where}: YAML syntax error: {problem}") from None
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _value in node.value:
            lines[str(key.value)] = key.start_mark.line + 1
    return data, lines


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "(entry)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        parts.append(f"{loc}: {msg}")
    return "; ".join(parts)


def _forbid_secrets(path: Path, line: int, owner: str, entry: dict[str, Any]) -> None:
    data = entry.get("data") or {}
    for key in FORBIDDEN_KEYS & (set(entry) | set(data if isinstance(data, dict) else {})):
        raise InventoryError(
            f"{path}:{line}: {owner}: field {key!r} looks like a secret; inventories hold a "
            "credential name (data.credential), never a password"
        )


def _section(path: Path, kind: str) -> tuple[dict[str, Any], dict[str, int]]:
    if not path.exists():
        return {}, {}
    data, lines = _read_yaml(path)
    if data is None:
        return {}, lines
    if not isinstance(data, dict):
        raise InventoryError(
            f"{path}: expected a mapping of {kind} names, got {type(data).__name__}"
        )
    return data, lines


def _lab_settings(
    path: Path, hosts: dict[str, Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """lab.yaml: device name -> simulator-only settings; every name is a host of hosts.yaml."""
    raw, lines = _section(path, "device")
    settings: dict[str, dict[str, Any]] = {}
    names = {str(name) for name in hosts}
    for name, entry in raw.items():
        line = lines.get(str(name), 1)
        if str(name) not in names:
            raise InventoryError(
                f"{path}:{line}: device {name!r}: not in hosts.yaml (lab settings need a device)"
            )
        entry = {} if entry is None else entry
        if not isinstance(entry, dict):
            raise InventoryError(
                f"{path}:{line}: device {name!r}: expected a mapping of lab settings "
                f"(drift, faults, bgp_prefixes...), got {type(entry).__name__}"
            )
        settings[str(name)] = entry
    return settings, lines


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What identifies a version of a tenant folder's files: name, size, mtime."""
    stamp = []
    for name in ("hosts.yaml", "groups.yaml", "defaults.yaml", LAB_FILE):
        try:
            st = (folder / name).stat()
        except OSError:
            continue
        stamp.append((name, st.st_size, st.st_mtime_ns))
    return tuple(stamp)


@lru_cache(maxsize=256)
def _load_cached(
    inventories: Path,
    tenant: str,
    known: frozenset[str] | None,
    stamp: tuple[tuple[str, int, int], ...],
) -> TenantInventory:
    return _load_tenant(inventories, tenant, None if known is None else set(known))


def load_tenant(
    inventories: Path, tenant: str, known_credentials: set[str] | None = None
) -> TenantInventory:
    """Load and validate inventories/<tenant>/; raise InventoryError naming file and host.

    Parsed once per version of the files: activities of every chunk reuse it. Callers treat
    the result as read-only.
    """
    known = None if known_credentials is None else frozenset(known_credentials)
    folder = inventories / tenant
    if not TENANT_NAME.match(tenant):
        return _load_tenant(inventories, tenant, known_credentials)
    return _load_cached(inventories, tenant, known, _stamp(folder))


def _load_tenant(
    inventories: Path, tenant: str, known_credentials: set[str] | None = None
) -> TenantInventory:
    if not TENANT_NAME.match(tenant):
        raise InventoryError(f"tenant name {tenant!r} must be lower-case letters, digits and -")
    folder = inventories / tenant
    hosts_path = folder / "hosts.yaml"
    if not hosts_path.exists():
        raise InventoryError(f"{hosts_path}: missing (every tenant folder needs hosts.yaml)")
    inv = TenantInventory(tenant=tenant, path=folder)
    inv.defaults = _load_defaults(folder / "defaults.yaml")
    inv.groups = _load_groups(folder / "groups.yaml")
    raw_hosts, host_lines = _section(hosts_path, "host")
    if not raw_hosts:
        raise InventoryError(f"{hosts_path}: no hosts defined")
    lab_path = folder / LAB_FILE
    inv.lab, lab_lines = _lab_settings(lab_path, raw_hosts)
    for name, entry in raw_hosts.items():
        line = host_lines.get(str(name), 1)
        where = f"{hosts_path}:{line}: host {name!r}"
        host = _load_host(hosts_path, line, name, entry)
        lab = inv.lab.get(str(name))
        if lab is not None:
            if "lab" in host.data:
                raise InventoryError(
                    f"{where}: lab settings in both data.lab here and "
                    f"{lab_path}:{lab_lines.get(str(name), 1)}; keep them in {LAB_FILE} only"
                )
            host = host.model_copy(update={"data": {**host.data, "lab": lab}})
        inv.devices[str(name)] = _resolve_device(inv, str(name), host, where, known_credentials)
    return inv


def _load_defaults(path: Path) -> GroupFile:
    raw, _ = _section(path, "defaults")
    _forbid_secrets(path, 1, "defaults", raw)
    try:
        return GroupFile.model_validate(raw)
    except ValidationError as exc:
        raise InventoryError(f"{path}: {_explain(exc)}") from None


def _load_groups(path: Path) -> dict[str, GroupFile]:
    raw, lines = _section(path, "group")
    groups: dict[str, GroupFile] = {}
    for name, entry in raw.items():
        line = lines.get(str(name), 1)
        entry = entry or {}
        if not isinstance(entry, dict):
            raise InventoryError(f"{path}:{line}: group {name!r}: expected a mapping")
        _forbid_secrets(path, line, f"group {name!r}", entry)
        try:
            groups[str(name)] = GroupFile.model_validate(entry)
        except ValidationError as exc:
            raise InventoryError(f"{path}:{line}: group {name!r}: {_explain(exc)}") from None
    return groups


def _load_host(path: Path, line: int, name: Any, entry: Any) -> HostFile:
    where = f"{path}:{line}: host {name!r}"
    if not isinstance(entry, dict):
        raise InventoryError(f"{where}: expected a mapping with hostname, port, platform")
    _forbid_secrets(path, line, f"host {name!r}", entry)
    try:
        return HostFile.model_validate(entry)
    except ValidationError as exc:
        raise InventoryError(f"{where}: {_explain(exc)}") from None


def _group_chain(inv: TenantInventory, names: list[str], where: str) -> list[GroupFile]:
    """Groups in Nornir lookup order: each group, then its parents, depth first."""
    chain: list[GroupFile] = []
    for gname in names:
        group = inv.groups.get(gname)
        if group is None:
            raise InventoryError(f"{where}: unknown group {gname!r} (not in groups.yaml)")
        chain.append(group)
        chain.extend(_group_chain(inv, group.groups, where))
    return chain


def _resolve_device(
    inv: TenantInventory,
    name: str,
    host: HostFile,
    where: str,
    known_credentials: set[str] | None,
) -> Device:
    chain = _group_chain(inv, host.groups, where)
    given: list[HostFile | GroupFile] = [host, *chain, inv.defaults]
    for options in given:
        if options.connection_options:
            raise InventoryError(
                f"{where}: connection_options ({', '.join(sorted(options.connection_options))}) "
                "are not supported: the SSH settings come from the platform driver, the login "
                "from the credential (username here, secrets in the provider); remove them"
            )
    data: dict[str, Any] = dict(inv.defaults.data)
    for group in reversed(chain):
        data.update(group.data)
    data.update(host.data)
    platform = host.platform or next(
        (g.platform for g in chain if g.platform), inv.defaults.platform
    )
    if platform is None:
        raise InventoryError(
            f"{where}: platform is missing (set it on the host, a group or defaults)"
        )
    if platform not in PLATFORMS:
        raise InventoryError(f"{where}: unknown platform {platform!r}")
    credential = data.get("credential")
    if not isinstance(credential, str) or not credential:
        raise InventoryError(
            f"{where}: no credential reference "
            "(set data.credential on the host, a group or defaults)"
        )
    if known_credentials is not None and credential not in known_credentials:
        raise InventoryError(
            f"{where}: unknown credential {credential!r} (not in the secrets provider)"
        )
    username = host.username or next((g.username for g in chain if g.username), None)
    jump_host = None
    if data.get("jump_host") is not None:
        try:
            jump_host = JumpHost.model_validate(data["jump_host"])
        except ValidationError as exc:
            raise InventoryError(f"{where}: data.jump_host: {_explain(exc)}") from None
    return Device(
        name=name,
        tenant=inv.tenant,
        hostname=host.hostname,
        port=host.port,
        platform=platform,
        credential=credential,
        site=data.get("site"),
        role=data.get("role"),
        groups=tuple(host.groups),
        data=data,
        username=username or inv.defaults.username,
        jump_host=jump_host,
    )


def list_tenants(inventories: Path) -> list[str]:
    """Tenant folder names (those with a hosts.yaml), sorted."""
    if not inventories.is_dir():
        raise InventoryError(f"inventories folder {inventories} does not exist")
    return sorted(p.parent.name for p in inventories.glob("*/hosts.yaml"))


def load_all(
    inventories: Path, known_credentials: set[str] | None = None
) -> dict[str, TenantInventory]:
    """Every tenant; host names and host:port pairs must be unique across the fleet."""
    tenants = {t: load_tenant(inventories, t, known_credentials) for t in list_tenants(inventories)}
    seen: dict[tuple[str, int], str] = {}
    for inv in tenants.values():
        for dev in inv.devices.values():
            key = (dev.hostname, dev.port)
            if key in seen:
                raise InventoryError(
                    f"{inv.path / 'hosts.yaml'}: host {dev.name!r} uses {dev.hostname}:{dev.port}, "
                    f"already used by {seen[key]!r}"
                )
            seen[key] = f"{inv.tenant}/{dev.name}"
    return tenants
