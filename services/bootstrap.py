"""Local set-up shared by `netwave dev`, `make demo` and tests: secrets, schema, tenants."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from services.core.errors import CredentialError
from services.core.secrets import ensure_dev_secrets, get_provider
from services.core.settings import Settings
from services.lab.scope import lab_credentials, lab_serves
from services.lab.server import load_host_key, public_key_line
from services.network.host_keys import HostKey, known_hosts_name
from services.network.inventory import list_tenants, load_all
from services.store.db import get_engine, make_session_factory
from services.store.migrate import upgrade
from services.store.repos import host_keys as host_key_repo
from services.store.repos import tenants as tenant_repo


def prepare_local(settings: Settings, *, lab: bool = False) -> sessionmaker[Session]:
    """Create var/, development credentials for the devices the lab serves (never for a real
    device), the schema and the tenant rows; with `lab` (`netwave dev`, `make demo`, tests),
    trust the lab's host key for the devices it serves (never in production)."""
    settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # backups, secrets, keys
    if settings.secrets_provider == "file" and settings.env != "production":
        devices = [
            d for inv in load_all(settings.inventories_path).values() for d in inv.devices.values()
        ]
        ensure_dev_secrets(settings.secrets_file, lab_credentials(devices))
    upgrade(settings.database_url)
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions.begin() as session:
        for name in list_tenants(settings.inventories_path):
            tenant_repo.ensure_tenant(session, name=name)
    if lab and settings.env != "production":
        trust_lab(settings, sessions)
    return sessions


def trust_lab(settings: Settings, sessions: sessionmaker[Session]) -> int:
    """Record the lab's host key for every device the lab serves that has none recorded yet
    (the lab is netwave's own: its key is read from its file, no first contact needed). A
    recorded key is never replaced here, and real devices are left to `netwave devices
    trust`. Returns how many keys were recorded."""
    key = HostKey.parse(public_key_line(load_host_key(settings.lab_host_key_file)))
    count = 0
    with sessions.begin() as session:
        for inventory in load_all(settings.inventories_path).values():
            served = [d for d in inventory.devices.values() if lab_serves(d)]
            if not served:
                continue
            known = host_key_repo.recorded(session, tenant=inventory.tenant)
            for device in served:
                if ("device", device.name) in known:
                    continue
                host_key_repo.record_key(
                    session,
                    tenant=device.tenant,
                    role="device",
                    host=device.name,
                    address=known_hosts_name(device.hostname, device.port),
                    key=key,
                    actor="netwave-lab",
                    replace=False,
                )
                count += 1
    return count


def check_credentials(settings: Settings) -> None:
    """Every device's credential exists in the secrets provider; else one error naming each
    missing name and the devices that use it (before anything starts)."""
    provider = get_provider(settings)
    users: dict[str, list[str]] = {}
    for inventory in load_all(settings.inventories_path).values():
        for device in inventory.devices.values():
            users.setdefault(device.credential, []).append(f"{device.tenant}/{device.name}")
            if device.jump_host is not None:
                users.setdefault(device.jump_host.credential, []).append(
                    f"{device.tenant}/{device.name} (jump host {device.jump_host.hostname})"
                )
    missing = []
    for name, devices in sorted(users.items()):
        try:
            provider.resolve(name)
        except CredentialError:
            shown = ", ".join(devices[:5]) + (", ..." if len(devices) > 5 else "")
            missing.append(f"{name!r} (used by {shown})")
    if missing:
        raise CredentialError(
            f"the secrets provider ({settings.secrets_provider}) has no credential "
            + "; ".join(missing)
        )
