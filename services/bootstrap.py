"""Local set-up shared by `netwave dev`, `make demo` and tests: secrets, schema, tenants."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from services.core.secrets import ensure_dev_secrets
from services.core.settings import Settings
from services.network.inventory import list_tenants, load_all
from services.store.db import get_engine, make_session_factory
from services.store.migrate import upgrade
from services.store.repos import tenants as tenant_repo


def prepare_local(settings: Settings) -> sessionmaker[Session]:
    """Create var/, development credentials for the lab, the schema and the tenant rows."""
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    if settings.secrets_provider == "file" and settings.env != "production":
        names = {
            d.credential
            for inv in load_all(settings.inventories_path).values()
            for d in inv.devices.values()
        }
        ensure_dev_secrets(settings.secrets_file, names)
    upgrade(settings.database_url)
    sessions = make_session_factory(get_engine(settings.database_url))
    with sessions.begin() as session:
        for name in list_tenants(settings.inventories_path):
            tenant_repo.ensure_tenant(session, name=name)
    return sessions
