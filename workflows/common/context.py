"""What every activity class holds: the worker's settings, database sessions and secrets
provider, and the tenant inventory as device sessions need it (recorded host keys attached)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from services.core.secrets import SecretsProvider
from services.core.settings import Settings
from services.network.inventory import TenantInventory, load_tenant
from services.store.repos.host_keys import with_trust


class WorkerActivities:
    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], provider: SecretsProvider
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.provider = provider

    def trusted_tenant(self, tenant: str) -> TenantInventory:
        """The tenant's inventory, each device with its recorded host keys (`Device.trust`)."""
        inventory = load_tenant(self.settings.inventories_path, tenant)
        with self.sessions() as session:
            return with_trust(session, inventory)
